// `pulse migrate`: apply pending SQL migrations to PULSE_DB_SCHEMA.

import type { Command } from 'commander';
import { createPool, migrate, requirePostgres } from '../../infra/index.ts';
import type { ConfigSource } from '../config-source.ts';

export function registerMigrateCommand(program: Command, getConfig: ConfigSource): void {
  program.command('migrate')
    .description('apply pending SQL migrations (infra/migrations) to the schema PULSE_DB_SCHEMA of DATABASE_URL; idempotent')
    .option('--schema <name>', 'schema to migrate (default: PULSE_DB_SCHEMA)')
    .action(async (options: { schema?: string }) => {
      const config = getConfig();
      await requirePostgres(config.databaseUrl);
      const pool = createPool({ databaseUrl: config.databaseUrl, applicationName: 'pulse-migrate' });
      try {
        const schema = options.schema ?? config.dbSchema;
        const applied = await migrate(pool, schema);
        console.log(applied.length ? `applied to ${schema}: ${applied.join(', ')}` : `schema ${schema} is up to date`);
      } finally {
        await pool.end();
      }
    });
}
