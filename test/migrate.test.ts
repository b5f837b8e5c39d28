// The migration runner: ordered, recorded, idempotent, and strict about history.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, isPulseError, loadMigrations, migrate, quoteIdentifier } from '../infra/index.ts';
import { testDatabaseUrl, uniqueName } from './support/isolation.ts';

describe('migrate', async () => {
  const pool = createPool({ databaseUrl: testDatabaseUrl(), max: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'pulse-migrations-'));
  const schema = uniqueName('mig');
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies files in version order, records them, and skips them next time', async () => {
    await writeFile(join(dir, '0002_add_b.sql'), 'ALTER TABLE t ADD COLUMN b int;');
    await writeFile(join(dir, '0001_create_t.sql'), 'CREATE TABLE t (a int);');
    expect(await migrate(pool, schema, await loadMigrations(dir))).toEqual(['0001_create_t', '0002_add_b']);
    expect(await migrate(pool, schema, await loadMigrations(dir))).toEqual([]);
    const ledger = await pool.query(`SELECT version, name FROM ${quoteIdentifier(schema)}.schema_migrations ORDER BY version`);
    expect(ledger.rows).toEqual([{ version: 1, name: 'create_t' }, { version: 2, name: 'add_b' }]);
  });

  it('lets concurrent runners wait for each other: exactly one applies each migration', async () => {
    const fresh = uniqueName('mig');
    const results = await Promise.all([1, 2, 3].map(() => migrate(pool, fresh)));
    expect(results.flat().filter((name) => name === '0001_readings_hot')).toHaveLength(1);
    await pool.query(`DROP SCHEMA ${quoteIdentifier(fresh)} CASCADE`);
  });

  it('refuses a migration edited after it was applied', async () => {
    await writeFile(join(dir, '0001_create_t.sql'), 'CREATE TABLE t (a bigint);');
    await expect(migrate(pool, schema, await loadMigrations(dir))).rejects.toSatisfy((e) => isPulseError(e, 'MIGRATION_CHANGED'));
  });

  it('rolls back a failing migration and leaves the ledger unchanged', async () => {
    const other = uniqueName('mig');
    const failing = await mkdtemp(join(tmpdir(), 'pulse-migrations-'));
    await writeFile(join(failing, '0001_ok.sql'), 'CREATE TABLE ok (a int);');
    await writeFile(join(failing, '0002_broken.sql'), 'CREATE TABLE half (a int); SELECT no_such_function();');
    await expect(migrate(pool, other, await loadMigrations(failing))).rejects.toSatisfy((e) => isPulseError(e, 'MIGRATION_FAILED'));
    const tables = await pool.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [other]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['ok', 'schema_migrations']);
    await pool.query(`DROP SCHEMA ${quoteIdentifier(other)} CASCADE`);
    await rm(failing, { recursive: true, force: true });
  });
});
