// Per-test-file isolation on the shared services: unique topic names, and a unique
// PostgreSQL schema with every migration applied, dropped again after the file.

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createKafka, createPool, migrate, quoteIdentifier, silenceKnownWarnings, type Pool } from '../../infra/index.ts';

silenceKnownWarnings();

export function testBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

export function testDatabaseUrl(): string {
  return inject('databaseUrl');
}

/** A name no other test file or run uses: `${prefix}_<8 hex chars>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export function testKafka(clientId = uniqueName('test')) {
  return createKafka({ brokers: testBrokers(), clientId });
}

export interface IsolatedSchema {
  schema: string;
  pool: Pool;
  drop: () => Promise<void>;
}

/** A fresh schema with all migrations applied, and a pool whose search_path is that schema. */
export async function isolatedSchema(prefix = 'test'): Promise<IsolatedSchema> {
  const schema = uniqueName(prefix.toLowerCase());
  const admin = createPool({ databaseUrl: testDatabaseUrl(), max: 1 });
  await migrate(admin, schema);
  await admin.end();
  const pool = createPool({ databaseUrl: testDatabaseUrl(), schema });
  return {
    schema,
    pool,
    drop: async () => {
      await pool.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      await pool.end();
    },
  };
}
