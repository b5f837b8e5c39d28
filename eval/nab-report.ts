// Pulse on NAB's series, as NAB sees a detector: per input row its time, value, whether an
// anomaly alert started firing there and Pulse's score; from these the NAB comparison and,
// with `--results`, NAB-format result files (one per series).

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { entityKey } from '../telemetry/index.ts';
import { publishedSummaries, summarizeNab, type NabSummary, type SeriesDetections } from './nab-compare.ts';
import { readNabWindows, type NabWindows } from './nab-files.ts';
import { NOTE, type InputNote, type NabInputFile } from './nab-load.ts';

/** A scored reading: Pulse's score (1 = threshold) and whether an alert fired on it. */
export interface ScoredReading { score: number; fired: boolean }

export interface PulseSeries extends SeriesDetections {
  /** Pulse's score per scored row; null where the row was not scored (before the first model). */
  scores: (number | null)[];
}

const DAY = 86_400_000;

export interface NabComparison { pulse: NabSummary; published: NabSummary[] }

const readingOf = (scored: ReadonlyMap<string, ReadonlyMap<number, ScoredReading>>, series: string, ts: number) => {
  const host = basename(series, '.csv');
  return scored.get(entityKey(host, host))?.get(ts);
};

/**
 * Each series as NAB would score its result file: every row with a readable time, in time
 * order (a repeated timestamp stays a row of its own, as in NAB's files, but only the kept
 * one can carry a detection), with what Pulse made of it.
 */
export function pulseSeries(input: readonly NabInputFile[], scored: ReadonlyMap<string, ReadonlyMap<number, ScoredReading>>): PulseSeries[] {
  return input.map((file) => {
    const rows = file.rows.filter((r) => r.ts !== null).sort((a, b) => (a.ts as number) - (b.ts as number));
    const readings = rows.map((r) => (r.scored ? readingOf(scored, file.series, r.ts as number) : undefined));
    return {
      series: file.series, timestamps: rows.map((r) => r.ts as number),
      detected: readings.map((r) => r?.fired ?? false), scores: readings.map((r) => r?.score ?? null),
    };
  });
}

/**
 * What scoring left out, per file: a file with no reading scored at all (shorter than the
 * training day before the first model, or ending before it), and readings on days no model
 * could be trained for (nothing in the 7 days before: a gap longer than the window).
 */
export function scoringNotes(input: readonly NabInputFile[], scored: ReadonlyMap<string, ReadonlyMap<number, ScoredReading>>, from: number): InputNote[] {
  return input.flatMap((file): InputNote[] => {
    const eligible = file.rows.filter((r) => r.scored);
    const done = eligible.filter((r) => readingOf(scored, file.series, r.ts as number) !== undefined).length;
    if (done === 0) return [{ file: file.series, note: NOTE.unscored, rows: eligible.length }];
    // A file's own first UTC day only trains, wherever it falls in the corpus.
    const firstDay = Math.floor(Math.min(...eligible.map((r) => r.ts as number)) / DAY) * DAY;
    const scoredFrom = Math.max(from, firstDay + DAY);
    const missed = eligible.filter((r) => (r.ts as number) >= scoredFrom && readingOf(scored, file.series, r.ts as number) === undefined).length;
    return missed > 0 ? [{ file: file.series, note: NOTE.noModel, rows: missed }] : [];
  });
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

/**
 * `OUT/<series>.csv`: timestamp,value,anomaly_score,label — one row per input row in input
 * order, its timestamp and value as written; label 1 inside a window. A row set aside on
 * loading (nab-load.ts) has no score of its own: a repeated timestamp gets the kept row's
 * score below 0.5, the others 0.
 */
export async function writeNabResults(out: string, dir: string, input: readonly NabInputFile[], scored: ReadonlyMap<string, ReadonlyMap<number, ScoredReading>>): Promise<string[]> {
  const windows = await readNabWindows(dir);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  for (const file of input) {
    const own = windows[file.series] ?? [];
    const lines = ['timestamp,value,anomaly_score,label'];
    for (const row of file.rows) {
      const ts = row.ts;
      const reading = ts === null ? undefined : readingOf(scored, file.series, ts);
      const label = ts !== null && own.some(([start, end]) => ts >= start && ts <= end) ? 1 : 0;
      const score = nabAnomalyScore(reading?.score ?? null, row.scored && (reading?.fired ?? false));
      lines.push(`${row.text},${row.value ?? ''},${score},${label}`);
    }
    const path = join(out, file.series);
    await writeFile(path, `${lines.join('\n')}\n`);
    written.push(path);
  }
  return written;
}
