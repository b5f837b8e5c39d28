// Versioned SQL migrations (infra/migrations/NNNN_name.sql), applied in order, each in
// its own transaction, recorded with a checksum in schema_migrations. Idempotent; an
// advisory lock per schema lets concurrent starters wait for each other.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { PulseError, rootMessage } from '../errors.ts';
import { packageRoot } from '../paths.ts';
import type { Logger } from '../logger.ts';
import { createPool, quoteIdentifier, requirePostgres } from './pool.ts';

export const MIGRATIONS_DIR = join(packageRoot, 'infra', 'migrations');
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface Migration { version: number; name: string; sql: string; checksum: string }

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  return Promise.all(files.map(async (file) => {
    const [, version, name] = FILE_PATTERN.exec(file) as RegExpExecArray;
    const sql = await readFile(join(dir, file), 'utf8');
    return { version: Number(version), name: name as string, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  }));
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;

/** Apply every pending migration to `schema`; returns the names applied by this call. */
export async function migrate(pool: pg.Pool, schema: string, migrations?: Migration[]): Promise<string[]> {
  if (!SCHEMA_PATTERN.test(schema)) throw new PulseError('INVALID_ARGUMENT', `schema name ${JSON.stringify(schema)} is not a lower-case SQL identifier`);
  const all = migrations ?? (await loadMigrations());
  const client = await pool.connect();
  const lockKey = `pulse-migrate:${schema}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    await client.query(CREATE_LEDGER);
    const done = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const applied = new Map(done.rows.map((r) => [r.version, r.checksum]));
    const names: string[] = [];
    for (const m of all) {
      const checksum = applied.get(m.version);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) throw new PulseError('MIGRATION_CHANGED', `migration ${m.version}_${m.name} was edited after it was applied to schema ${schema}; add a new migration instead`);
        continue;
      }
      await applyOne(client, m, schema);
      names.push(`${String(m.version).padStart(4, '0')}_${m.name}`);
    }
    return names;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await client.query('RESET search_path').catch(() => undefined);
    client.release();
  }
}

async function applyOne(client: pg.PoolClient, m: Migration, schema: string): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(m.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new PulseError('MIGRATION_FAILED', `migration ${m.version}_${m.name} failed on schema ${schema}: ${rootMessage(error)}`, { cause: error });
  }
}

/** What every long-running command does first: reach PostgreSQL, then bring its schema up to date. */
export async function prepareSchema(databaseUrl: string, schema: string, logger?: Logger): Promise<string[]> {
  await requirePostgres(databaseUrl);
  const admin = createPool({ databaseUrl, max: 1, ...(logger ? { logger } : {}) });
  try {
    return await migrate(admin, schema);
  } finally {
    await admin.end();
  }
}
