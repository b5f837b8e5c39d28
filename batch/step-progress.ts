// Stepping the last day on from where the run before stopped. Every run extends the last
// day, and stepping it from midnight each time cost what the whole day holds (1 s for a
// million readings) whatever the run brought. The progress kept with the views says which
// readings it covered: those before its watermark, in the day's silver files of then. A run
// steps on from it only when those readings are exactly what the day still holds before
// them, the day started from the same carry and is scored by the same model, and every new
// reading of a host comes after all of that host's stepped ones; otherwise the day is
// stepped from its start, as always.

import { relative, join } from 'node:path';
import type { Pool, PoolClient } from '../infra/index.ts';
import { sqlList, type Duck } from './duck.ts';
import { dayRows } from './day-rows.ts';
import { parseProgress, type DayColumns, type DayProgress } from './episodes.ts';
import { silverFiles } from './silver.ts';

export interface StoredProgress { day: string; watermark: number; files: string[]; startHash: string; progress: string }

interface ProgressInput { duck: Duck; pool: Pool; dataDir: string; watermark: number }

export async function storedProgress(pool: Pool): Promise<StoredProgress | null> {
  const found = await pool.query<{ day: string; watermark: Date; files: string[]; start_hash: string; progress: string }>(
    'SELECT day::text AS day, watermark, files, start_hash, progress FROM batch_step_progress LIMIT 1');
  const row = found.rows[0];
  return row ? { day: row.day, watermark: row.watermark.getTime(), files: row.files, startHash: row.start_hash, progress: row.progress } : null;
}

/** The day's silver files as kept with its progress (relative to the data directory). */
export async function progressFiles(dataDir: string, day: string): Promise<string[]> {
  return (await silverFiles(dataDir, [day])).map((f) => relative(dataDir, f));
}

/** Where each host was last heard from in the progress (the later of its alert and anomaly readings). */
function lastSeen(progress: DayProgress): Map<string, number> {
  const seen = new Map<string, number>();
  for (const [key, { carry }] of progress.hosts) {
    const at = Math.max(carry.alerts.lastSeen ?? Number.NEGATIVE_INFINITY, carry.anomaly?.lastSeen ?? Number.NEGATIVE_INFINITY);
    if (Number.isFinite(at)) seen.set(key, at);
  }
  return seen;
}

/** Whether every host's first new reading comes after its last stepped one (rows are by host, then time). */
function allAfter(rows: DayColumns, seen: ReadonlyMap<string, number>): boolean {
  let at = 0;
  for (const { region, host, rows: n } of rows.hosts) {
    const last = seen.get(`${region}/${host}`);
    if (last !== undefined && !((rows.ts_ms[at] as number) > last)) return false;
    at += n;
  }
  return true;
}

/**
 * The readings of `now.day` (whose silver `now.files` holds, started from the carry hashed
 * `now.startHash`) after its stored progress, and that progress; null when the day has to be
 * stepped from its start (no progress of this day, another start, other files, or
 * readings that do not all come after the stepped ones).
 */
export async function readingsAfterProgress(input: ProgressInput, stored: StoredProgress | null, now: Pick<StoredProgress, 'day' | 'files' | 'startHash'>): Promise<{ rows: DayColumns; progress: DayProgress } | null> {
  const { day, files, startHash } = now;
  if (!stored || stored.day !== day || stored.startHash !== startHash || stored.watermark > input.watermark) return null;
  const before = new Set(stored.files);
  if (stored.files.some((f) => !files.includes(f))) return null;
  const stepped = stored.files.map((f) => join(input.dataDir, f));
  if (stepped.length > 0 && stored.watermark < input.watermark) {
    const [between] = await input.duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlList(stepped)})
      WHERE ts_ms >= ${stored.watermark} AND ts_ms < ${input.watermark}`);
    if (Number(between?.n ?? 0) > 0) return null;
  }
  const progress = parseProgress(stored.progress);
  const rows = await dayRows(input, day, files.filter((f) => !before.has(f)).map((f) => join(input.dataDir, f)));
  return allAfter(rows, lastSeen(progress)) ? { rows, progress } : null;
}

/** Replaces the stored progress (in the publishing transaction): the last day's, when it was stepped; kept otherwise. */
export async function publishProgress(client: PoolClient, progress: StoredProgress | null, full: boolean): Promise<void> {
  if (!progress && !full) return;
  await client.query('DELETE FROM batch_step_progress');
  if (!progress) return;
  await client.query('INSERT INTO batch_step_progress (day, watermark, files, start_hash, progress) VALUES ($1, $2, $3, $4, $5)',
    [progress.day, new Date(progress.watermark), progress.files, progress.startHash, progress.progress]);
}
