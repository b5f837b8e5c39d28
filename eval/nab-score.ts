// NAB's standard score (Lavin & Ahmad 2015, and NAB's scorer), written for Pulse: per file,
// each labeled window earns the scaled sigmoid of its earliest detection (A_TP at the window's
// start, falling towards 0 at its end) or costs A_FN when nothing detects it; each detection
// outside every window costs A_FP, less so shortly after a window. The first 15 % of a file
// (at most 750 rows) is probationary: nothing there counts. Totals are normalized so that the
// null detector (never detects) scores 0 and the perfect one (each window at its start) 100.

import { PulseError } from '../telemetry/index.ts';

export interface CostProfile { tp: number; fp: number; fn: number }
/** NAB's standard application profile. */
export const STANDARD_PROFILE: CostProfile = Object.freeze({ tp: 1.0, fp: 0.11, fn: 1.0 });
/** Share of each file (capped at 15 % of 5,000 rows) a detector may learn in before its detections count. */
export const PROBATION_SHARE = 0.15;

/** 2σ(−5x) − 1: ~0.987 at a window's start (x = −1), 0 at its end (x = 0), towards −1 past it; −1 beyond x = 3. */
export function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 / (1 + Math.exp(5 * position)) - 1;
}

export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(PROBATION_SHARE * rows), PROBATION_SHARE * 5000);
}

/** A window as inclusive row positions. */
interface RowWindow { first: number; last: number }

/**
 * Windows (inclusive [start, end] epoch ms) as row positions of ascending `timestamps`: the
 * rows whose time falls inside. NAB itself only finds windows whose start and end are exact
 * row times; on such files the two agree, and a window holding no row is dropped.
 */
export function rowWindows(timestamps: readonly number[], windows: readonly (readonly [number, number])[]): RowWindow[] {
  const found: RowWindow[] = [];
  for (const [start, end] of [...windows].sort((a, b) => a[0] - b[0])) {
    const first = lowerBound(timestamps, start);
    const last = lowerBound(timestamps, end + 1) - 1;
    if (first <= last) found.push({ first, last });
  }
  return found;
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface NabFileScore {
  /** Raw (unnormalized) score of the file. */
  score: number;
  /** Rows after probation: detected inside a window, detected outside, quiet outside, quiet inside (NAB's TP/FP/TN/FN). */
  tp: number; fp: number; tn: number; fn: number;
  /** Windows with at least one row after probation: the only ones that can score. */
  scorableWindows: number;
  /** The file's raw score if it detected nothing, and if it detected each window at its start. */
  nullScore: number; perfectScore: number;
}

/** What each row is worth if detected: inside a window by its position, outside by its distance past the previous window. */
function rowRewards(rows: number, windows: readonly RowWindow[], profile: CostProfile): { reward: Float64Array; window: Int32Array } {
  const reward = new Float64Array(rows);
  const window = new Int32Array(rows).fill(-1);
  const maxTp = scaledSigmoid(-1);
  let next = 0;
  let previous: RowWindow | null = null;
  for (let i = 0; i < rows; i += 1) {
    while (next < windows.length && (windows[next] as RowWindow).last < i) previous = windows[next++] as RowWindow;
    const current = next < windows.length && (windows[next] as RowWindow).first <= i ? windows[next] as RowWindow : null;
    if (current) {
      const width = current.last - current.first + 1;
      reward[i] = (scaledSigmoid(-(current.last - i + 1) / width) * profile.tp) / maxTp;
      window[i] = next;
    } else if (previous === null) {
      reward[i] = -profile.fp;
    } else {
      // A detection just after a window is likely the same event seen late: it costs less.
      const width = previous.last - previous.first + 1;
      reward[i] = scaledSigmoid(Math.abs(previous.last - i) / (width - 1)) * profile.fp;
    }
  }
  return { reward, window };
}

/**
 * Score one file: `detected[i]` says whether row i is a detection (NAB: anomaly_score ≥ threshold).
 * `timestamps` ascending, one per row (a repeated time is a row of its own, as in NAB's files).
 */
export function scoreNabFile(
  timestamps: readonly number[], detected: ArrayLike<boolean>, windows: readonly (readonly [number, number])[], profile: CostProfile = STANDARD_PROFILE,
): NabFileScore {
  if (detected.length !== timestamps.length) throw new PulseError('INVALID_ARGUMENT', `${detected.length} detections for ${timestamps.length} rows`);
  const rows = rowWindows(timestamps, windows);
  const { reward, window } = rowRewards(timestamps.length, rows, profile);
  const probation = probationaryRows(timestamps.length);
  const best = new Map<number, number>();
  let falsePositives = 0;
  const tally = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = Math.ceil(probation); i < timestamps.length; i += 1) {
    const w = window[i] as number;
    if (w >= 0 && !best.has(w)) best.set(w, -profile.fn);
    if (!detected[i]) {
      if (w >= 0) tally.fn += 1;
      else tally.tn += 1;
      continue;
    }
    if (w >= 0) {
      tally.tp += 1;
      best.set(w, Math.max(best.get(w) as number, reward[i] as number));
    } else {
      tally.fp += 1;
      falsePositives += reward[i] as number;
    }
  }
  let score = falsePositives;
  for (const value of best.values()) score += value;
  return { score, ...tally, scorableWindows: best.size, nullScore: -profile.fn * best.size, perfectScore: profile.tp * best.size };
}

/**
 * A corpus' NAB score: 100 × (raw − null) / (perfect − null), the null detector detecting
 * nothing and the perfect one scoring A_TP for every labeled window (as NAB counts it: all
 * windows, also those that fall in a probationary period).
 */
export function normalizedNabScore(files: readonly NabFileScore[], labeledWindows: number, profile: CostProfile = STANDARD_PROFILE): number {
  const raw = files.reduce((sum, f) => sum + f.score, 0);
  const none = files.reduce((sum, f) => sum + f.nullScore, 0);
  const perfect = labeledWindows * profile.tp;
  return perfect === none ? 0 : (100 * (raw - none)) / (perfect - none);
}
