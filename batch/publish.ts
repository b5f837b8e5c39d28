// Publishing batch views to PostgreSQL by day: the new gold rows of the recomputed days are
// streamed (COPY FROM STDIN) into <table>__next; then one transaction replaces those days'
// rows of every gold table, the input manifest, the run record and the watermark, and
// NOTIFYs the speed and serving layers. A query running meanwhile sees the old state or the
// new one (MVCC), never a mix; no table is swapped, so grants and indexes stay. A run that
// fails or is killed before that transaction leaves the previous views and watermark.

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { inTransaction, quoteIdentifier, WATERMARK_CHANNEL, type Pool, type PoolClient } from '../infra/index.ts';
import type { AnomalyModel } from '../telemetry/index.ts';
import { saveManifest, type InputDiff, type InputRecord } from './manifest.ts';
import { GOLD_DAY_COLUMN, GOLD_TABLES, type GoldTable } from './views.ts';
import type { EpisodeViews } from './episode-days.ts';
import { publishEpisodes } from './publish-episodes.ts';

export { WATERMARK_CHANNEL };

export interface RunRecord {
  runId: string; startedAt: Date; finishedAt: Date; watermark: Date; rowsRead: number; rowsKept: number;
  rowsQuarantined: number; rowsDeduplicated: number; filesQuarantined: number; sources: unknown; reasons: unknown; seconds: number;
  model?: AnomalyModel | null;
}

/** What a run replaces: the gold days it recomputed and the manifest changes behind them. */
export interface DayReplacement {
  /** UTC days (YYYY-MM-DD) whose gold rows are replaced; `all` replaces every row (a full run). */
  days: readonly string[] | 'all';
  diff: InputDiff;
  read: readonly InputRecord[];
  /** The alert and anomaly views of the days stepped again. */
  episodes: EpisodeViews;
}

/** Models kept in anomaly_models; older versions are pruned as new ones are published. */
const MODELS_KEPT = 10;

const INSERT_MODEL_SQL = `
INSERT INTO anomaly_models (run_id, trained_through, training_rows, hosts, features, model)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING version`;

const next = (table: GoldTable) => quoteIdentifier(`${table}__next`);

async function load(client: PoolClient, table: GoldTable, csvFiles: readonly string[]): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${next(table)}`);
  await client.query(`CREATE UNLOGGED TABLE ${next(table)} (LIKE ${quoteIdentifier(table)})`);
  for (const file of csvFiles) await pipeline(createReadStream(file), client.query(copyFrom(`COPY ${next(table)} FROM STDIN (FORMAT csv)`)));
}

async function replaceDays(client: PoolClient, table: GoldTable, days: readonly string[] | 'all'): Promise<void> {
  const { column, type } = GOLD_DAY_COLUMN[table];
  if (days === 'all') await client.query(`DELETE FROM ${quoteIdentifier(table)}`);
  else {
    const day = type === 'date' ? quoteIdentifier(column) : `(${quoteIdentifier(column)} AT TIME ZONE 'UTC')::date`;
    await client.query(`DELETE FROM ${quoteIdentifier(table)} WHERE ${day} = ANY($1::date[])`, [days]);
  }
  await client.query(`INSERT INTO ${quoteIdentifier(table)} SELECT * FROM ${next(table)}`);
  await client.query(`DROP TABLE ${next(table)}`);
}

const RECORD_RUN_SQL = `
INSERT INTO batch_runs (run_id, started_at, finished_at, watermark, rows_read, rows_kept, rows_quarantined, rows_deduplicated,
  files_quarantined, sources, reasons, seconds)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

const MOVE_WATERMARK_SQL = `
INSERT INTO batch_watermark (watermark, run_id, published_at) VALUES ($1, $2, now())
ON CONFLICT (singleton) DO UPDATE SET watermark = excluded.watermark, run_id = excluded.run_id, published_at = excluded.published_at`;

/**
 * Load every gold CSV aside, then replace the recomputed days of every table together with
 * the manifest, the run record, the anomaly model and the watermark, atomically; the NOTIFY
 * names the model version so the speed layer reloads it.
 */
export async function publish(pool: Pool, files: Record<GoldTable, readonly string[]>, run: RunRecord, replacement: DayReplacement, beforeSwap?: () => Promise<void>): Promise<{ modelVersion: number | null }> {
  const client = await pool.connect();
  try {
    for (const table of GOLD_TABLES) await load(client, table, files[table]);
  } finally {
    client.release();
  }
  await beforeSwap?.();
  return inTransaction(pool, async (client) => {
    for (const table of GOLD_TABLES) await replaceDays(client, table, replacement.days);
    await publishEpisodes(client, replacement.episodes);
    await saveManifest(client, run.runId, replacement.diff, replacement.read, replacement.days === 'all');
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
