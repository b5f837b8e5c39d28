// One table for Pulse and NAB's published detectors on the same files: the NAB standard
// score, and window precision/recall/F1 by one rule for everyone (an alert onset — a detected
// row after an undetected one — inside a window, ends included, hits it; each onset outside
// every window is a false positive; every labeled window counts).

import { counts, type Counts } from './windows.ts';
import { normalizedNabScore, scoreNabFile, STANDARD_PROFILE, type CostProfile, type NabFileScore } from './nab-score.ts';
import { readDetectorResults, readThresholds, type NabWindows } from './nab-files.ts';

/** One detector's verdict on one series: ascending times and a detection flag per row. */
export interface SeriesDetections { series: string; timestamps: readonly number[]; detected: ArrayLike<boolean> }

export interface NabFileSummary { series: string; nab: NabFileScore; windows: Counts }
export interface NabSummary { detector: string; score: number; windows: Counts; files: NabFileSummary[] }

/** Positions of rows that start a run of detections. */
export function onsets(detected: ArrayLike<boolean>): number[] {
  const found: number[] = [];
  for (let i = 0; i < detected.length; i += 1) if (detected[i] && (i === 0 || !detected[i - 1])) found.push(i);
  return found;
}

function windowCounts(timestamps: readonly number[], detected: ArrayLike<boolean>, windows: readonly [number, number][]): Counts {
  const hit = new Set<number>();
  let falsePositives = 0;
  for (const i of onsets(detected)) {
    const at = timestamps[i] as number;
    const inside = windows.findIndex(([start, end]) => at >= start && at <= end);
    if (inside >= 0) hit.add(inside);
    else falsePositives += 1;
  }
  return counts(hit.size, falsePositives, windows.length - hit.size);
}

export function summarizeNab(detector: string, series: readonly SeriesDetections[], windows: NabWindows, profile: CostProfile = STANDARD_PROFILE): NabSummary {
  const files = series.map((s) => {
    const own = windows[s.series] ?? [];
    return { series: s.series, nab: scoreNabFile(s.timestamps, s.detected, own, profile), windows: windowCounts(s.timestamps, s.detected, own) };
  });
  const labeled = series.reduce((n, s) => n + (windows[s.series]?.length ?? 0), 0);
  const sum = (pick: (c: Counts) => number) => files.reduce((n, f) => n + pick(f.windows), 0);
  return { detector, score: normalizedNabScore(files.map((f) => f.nab), labeled, profile), windows: counts(sum((c) => c.tp), sum((c) => c.fp), sum((c) => c.fn)), files };
}

/** Each published detector of `dir` (results/thresholds.json), scored from its result files on the series `only` names (all if absent). */
export async function publishedSummaries(dir: string, windows: NabWindows, only?: ReadonlySet<string>): Promise<NabSummary[]> {
  const thresholds = await readThresholds(dir).catch(() => ({} as Record<string, number>));
  const summaries: NabSummary[] = [];
  for (const [detector, threshold] of Object.entries(thresholds)) {
    const results = await readDetectorResults(dir, detector).catch(() => []);
    const kept = results.filter((r) => !only || only.has(r.series));
    if (kept.length === 0) continue;
    summaries.push(summarizeNab(detector, kept.map((r) => ({ series: r.series, timestamps: r.timestamps, detected: r.scores.map((s) => s >= threshold) })), windows));
  }
  return summaries.sort((a, b) => b.score - a.score);
}
