// Pulse on NAB's series, as NAB sees a detector: per input row its time, value, whether an
// anomaly alert started firing there and Pulse's score; from these the NAB comparison and,
// with `--results`, NAB-format result files (one per series).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duck } from '../batch/duck.ts';
import { entityKey } from '../telemetry/index.ts';
import { publishedSummaries, summarizeNab, type NabSummary, type SeriesDetections } from './nab-compare.ts';
import { readNabWindows, type NabWindows } from './nab-files.ts';

/** A scored reading: Pulse's score (1 = threshold) and whether an alert fired on it. */
export interface ScoredReading { score: number; fired: boolean }

export interface PulseSeries extends SeriesDetections {
  /** Each row's time as the input wrote it. */
  texts: string[];
  values: (number | null)[];
  /** Pulse's score per row; null where the row was not scored (before the first model). */
  scores: (number | null)[];
}

export interface NabComparison { pulse: NabSummary; published: NabSummary[] }

/** Every loaded row of each series (file name), in time order, with what Pulse made of it. */
export async function pulseSeries(duck: Duck, table: string, scored: ReadonlyMap<string, ReadonlyMap<number, ScoredReading>>): Promise<PulseSeries[]> {
  const rows = await duck.rows<{ host_id: string; ts_ms: bigint; ts_text: string; value: number | null }>(
    `SELECT host_id, ts_ms, ts_text, value FROM ${table} ORDER BY host_id, ts_ms`);
  const series = new Map<string, PulseSeries & { detected: boolean[]; timestamps: number[] }>();
  for (const row of rows) {
    const name = `${row.host_id}.csv`;
    const entry = series.get(name) ?? { series: name, timestamps: [], texts: [], values: [], scores: [], detected: [] };
    series.set(name, entry);
    const ts = Number(row.ts_ms);
    const reading = scored.get(entityKey(row.host_id, row.host_id))?.get(ts);
    entry.timestamps.push(ts);
    entry.texts.push(row.ts_text);
    entry.values.push(row.value);
    entry.scores.push(reading?.score ?? null);
    entry.detected.push(reading?.fired ?? false);
  }
  return [...series.values()];
}

export async function compareWithPublished(dir: string, series: readonly PulseSeries[]): Promise<NabComparison> {
  const windows: NabWindows = await readNabWindows(dir);
  const pulse = summarizeNab('Pulse', series, windows);
  const published = await publishedSummaries(dir, windows, new Set(series.map((s) => s.series)));
  return { pulse, published };
}

/**
 * NAB's result value for a row: 1 where an alert starts firing, so a scorer at threshold 0.5
 * counts exactly Pulse's alert onsets; elsewhere Pulse's score s ≥ 0 squeezed into [0, 0.5)
 * by s / (1 + s) / 2, keeping its order; 0 on rows Pulse did not score.
 */
export function nabAnomalyScore(score: number | null, fired: boolean): number {
  if (fired) return 1;
  if (score === null || !(score > 0)) return 0;
  return Number.isFinite(score) ? score / (1 + score) / 2 : 0.4999;
}

/** `OUT/<series>.csv`: timestamp,value,anomaly_score,label — one row per input row, label 1 inside a window. */
export async function writeNabResults(out: string, dir: string, series: readonly PulseSeries[]): Promise<string[]> {
  const windows = await readNabWindows(dir);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  for (const s of series) {
    const own = windows[s.series] ?? [];
    const lines = ['timestamp,value,anomaly_score,label'];
    for (let i = 0; i < s.timestamps.length; i += 1) {
      const ts = s.timestamps[i] as number;
      const label = own.some(([start, end]) => ts >= start && ts <= end) ? 1 : 0;
      const value = s.values[i];
      lines.push(`${s.texts[i]},${value === null || value === undefined ? '' : value},${nabAnomalyScore(s.scores[i] ?? null, s.detected[i] ?? false)},${label}`);
    }
    const path = join(out, s.series);
    await writeFile(path, `${lines.join('\n')}\n`);
    written.push(path);
  }
  return written;
}
