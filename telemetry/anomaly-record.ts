// New extremes: a reading beyond the most extreme one of the whole training window. Bursty and
// heavy-tailed series (a disk that writes in bursts, network traffic) defeat a z score: their
// bursts are thousands of σ of their quiet readings, so a host's threshold is set by the bursts
// of its training week and an incident of the same kind passes under it, or a burst a little
// beyond them fires. Bursts that recur stay within the range the week already reached; an
// incident is often simply larger than anything that week held. Judged only on a baseline that
// spans two days or more (the range of a few hours is too narrow to call what exceeds it
// anomalous), and only where the reading is also far out by the host's ordinary spread: in
// steady, light-tailed series (most of the fleet's readings) the week's extreme is only ~4σ out,
// and beating it by a little is a matter of chance that the z score already judges.

import { ANOMALY_SEVERE, MAX_Z, MIN_HOST_Z, type FeatureBaseline } from './anomaly.ts';

/** How far past the week's extreme (as a share of its distance from the median) a reading must be. */
export const RECORD_MARGIN = 0.1;
/** Training days a host's baseline must span before its range can be broken. */
export const MIN_RECORD_DAYS = 2;

/**
 * How far `value` lies beyond the training range, as a multiple of the range's distance from
 * the median (1: at the extreme), upwards only where `upwardOnly`. 0 inside the range, on a
 * side where the range has no extent, where the reading is less than MIN_HOST_Z of the host's
 * robust σ from its median, and on a baseline of fewer than MIN_RECORD_DAYS days (or one
 * trained before records were judged, which did not count its days).
 */
export function recordRatio(baseline: FeatureBaseline, value: number, upwardOnly: boolean): number {
  if ((baseline.days ?? 0) < MIN_RECORD_DAYS) return 0;
  const { median, min, max, scale } = baseline;
  const least = MIN_HOST_Z * scale;
  const up = max > median && value - median >= least ? (value - median) / (max - median) : 0;
  const down = !upwardOnly && median > min && median - value >= least ? (median - value) / (median - min) : 0;
  return Math.max(up, down);
}

/**
 * The feature of a reading that breaks its training range furthest, scored from ANOMALY_SEVERE
 * up (a record fires at once: it is a lone spike as often as not), or null where none does.
 * Features judged by what another predicts (power by CPU) are left to that line: the power a
 * CPU spike draws can be a record, and is no power anomaly.
 */
export function strongestRecord(
  baselines: readonly (FeatureBaseline | null)[], values: readonly (number | null)[], upwardOnly: readonly boolean[],
  judges: (baseline: FeatureBaseline) => boolean, conditioned: readonly boolean[],
): { index: number; score: number } | null {
  let best: { index: number; score: number } | null = null;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    const baseline = baselines[i];
    if (value === null || value === undefined || !baseline || !judges(baseline) || conditioned[i] === true) continue;
    const ratio = recordRatio(baseline, value, upwardOnly[i] === true);
    if (ratio < 1 + RECORD_MARGIN) continue;
    const score = ANOMALY_SEVERE * Math.min(MAX_Z, ratio / (1 + RECORD_MARGIN));
    if (best === null || score > best.score) best = { index: i, score };
  }
  return best;
}
