// Publishing batch views to PostgreSQL atomically: each gold table is streamed (COPY FROM
// STDIN) into <table>__next; then one transaction swaps every table in, records the run in
// batch_runs, moves the watermark and NOTIFYs the speed and serving layers. A run that fails
// or is killed before that transaction leaves the previous views and watermark untouched.

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { inTransaction, quoteIdentifier, WATERMARK_CHANNEL, type Pool, type PoolClient } from '../infra/index.ts';
import type { AnomalyModel } from '../telemetry/index.ts';
import { GOLD_TABLES, type GoldTable } from './views.ts';

export { WATERMARK_CHANNEL };

export interface RunRecord {
  runId: string; startedAt: Date; finishedAt: Date; watermark: Date; rowsRead: number; rowsKept: number;
  rowsQuarantined: number; rowsDeduplicated: number; filesQuarantined: number; sources: unknown; reasons: unknown; seconds: number;
  model?: AnomalyModel | null;
}

/** Models kept in anomaly_models; older versions are pruned as new ones are published. */
const MODELS_KEPT = 10;

const INSERT_MODEL_SQL = `
INSERT INTO anomaly_models (run_id, trained_through, training_rows, hosts, features, model)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING version`;

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

/**
 * Load every gold CSV, then swap all tables in with the run record, the anomaly model and the
 * watermark, atomically; the NOTIFY names the model version so the speed layer reloads it.
 */
export async function publish(pool: Pool, files: Record<GoldTable, string>, run: RunRecord, beforeSwap?: () => Promise<void>): Promise<{ modelVersion: number | null }> {
  const client = await pool.connect();
  try {
    for (const table of GOLD_TABLES) await load(client, table, files[table]);
  } finally {
    client.release();
  }
  await beforeSwap?.();
  return inTransaction(pool, async (client) => {
    for (const table of GOLD_TABLES) await swap(client, table);
    const modelVersion = run.model ? await insertModel(client, run.runId, run.model) : null;
    await client.query(RECORD_RUN_SQL, [
      run.runId, run.startedAt, run.finishedAt, run.watermark, run.rowsRead, run.rowsKept, run.rowsQuarantined, run.rowsDeduplicated,
      run.filesQuarantined, JSON.stringify(run.sources), JSON.stringify(run.reasons), run.seconds,
    ]);
    await client.query(MOVE_WATERMARK_SQL, [run.watermark, run.runId]);
    await client.query(`SELECT pg_notify($1, json_build_object('schema', current_schema(), 'watermark', $2::text, 'run_id', $3::text,
      'model_version', $4::bigint)::text)`, [WATERMARK_CHANNEL, run.watermark.toISOString(), run.runId, modelVersion]);
    return { modelVersion };
  });
}

async function insertModel(client: PoolClient, runId: string, model: AnomalyModel): Promise<number> {
  const inserted = await client.query<{ version: string }>(INSERT_MODEL_SQL, [
    runId, model.trainedThrough, model.trainingRows, Object.keys(model.hosts).length, model.features, JSON.stringify(model),
  ]);
  const version = Number(inserted.rows[0]?.version);
  await client.query('DELETE FROM anomaly_models WHERE version <= $1', [version - MODELS_KEPT]);
  return version;
}

export async function previousWatermark(pool: Pool): Promise<Date | null> {
  const result = await pool.query<{ watermark: Date }>('SELECT watermark FROM batch_watermark');
  return result.rows[0]?.watermark ?? null;
}
