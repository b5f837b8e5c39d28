// Publishing batch views to PostgreSQL atomically: each gold table is streamed (COPY FROM
// STDIN) into <table>__next; then one transaction swaps every table in, records the run in
// batch_runs, moves the watermark and NOTIFYs the speed and serving layers. A run that fails
// or is killed before that transaction leaves the previous views and watermark untouched.

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { inTransaction, quoteIdentifier, WATERMARK_CHANNEL, type Pool, type PoolClient } from '../infra/index.ts';
import { GOLD_TABLES, type GoldTable } from './views.ts';

export { WATERMARK_CHANNEL };

export interface RunRecord {
  runId: string; startedAt: Date; finishedAt: Date; watermark: Date; rowsRead: number; rowsKept: number;
  rowsQuarantined: number; rowsDeduplicated: number; filesQuarantined: number; sources: unknown; reasons: unknown; seconds: number;
}

const next = (table: GoldTable) => quoteIdentifier(`${table}__next`);

async function load(client: PoolClient, table: GoldTable, csvFile: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${next(table)}`);
  await client.query(`CREATE TABLE ${next(table)} (LIKE ${quoteIdentifier(table)} INCLUDING ALL)`);
  await pipeline(createReadStream(csvFile), client.query(copyFrom(`COPY ${next(table)} FROM STDIN (FORMAT csv)`)));
}

async function swap(client: PoolClient, table: GoldTable): Promise<void> {
  await client.query(`DROP TABLE ${quoteIdentifier(table)}`);
  await client.query(`ALTER TABLE ${next(table)} RENAME TO ${quoteIdentifier(table)}`);
  const indexes = await client.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname LIKE '%\\_\\_next%'`, [table]);
  for (const { indexname } of indexes.rows) {
    await client.query(`ALTER INDEX ${quoteIdentifier(indexname)} RENAME TO ${quoteIdentifier(indexname.replace('__next', ''))}`);
  }
}

const RECORD_RUN_SQL = `
INSERT INTO batch_runs (run_id, started_at, finished_at, watermark, rows_read, rows_kept, rows_quarantined, rows_deduplicated,
  files_quarantined, sources, reasons, seconds)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

const MOVE_WATERMARK_SQL = `
INSERT INTO batch_watermark (watermark, run_id, published_at) VALUES ($1, $2, now())
ON CONFLICT (singleton) DO UPDATE SET watermark = excluded.watermark, run_id = excluded.run_id, published_at = excluded.published_at`;

/** Load every gold CSV, then swap all tables in with the run record and watermark, atomically. */
export async function publish(pool: Pool, files: Record<GoldTable, string>, run: RunRecord, beforeSwap?: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    for (const table of GOLD_TABLES) await load(client, table, files[table]);
  } finally {
    client.release();
  }
  await beforeSwap?.();
  await inTransaction(pool, async (client) => {
    for (const table of GOLD_TABLES) await swap(client, table);
    await client.query(RECORD_RUN_SQL, [
      run.runId, run.startedAt, run.finishedAt, run.watermark, run.rowsRead, run.rowsKept, run.rowsQuarantined, run.rowsDeduplicated,
      run.filesQuarantined, JSON.stringify(run.sources), JSON.stringify(run.reasons), run.seconds,
    ]);
    await client.query(MOVE_WATERMARK_SQL, [run.watermark, run.runId]);
    await client.query(`SELECT pg_notify($1, json_build_object('schema', current_schema(), 'watermark', $2::text, 'run_id', $3::text)::text)`,
      [WATERMARK_CHANNEL, run.watermark.toISOString(), run.runId]);
  });
}

export async function previousWatermark(pool: Pool): Promise<Date | null> {
  const result = await pool.query<{ watermark: Date }>('SELECT watermark FROM batch_watermark');
  return result.rows[0]?.watermark ?? null;
}
