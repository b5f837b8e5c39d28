// Level shifts and slow drifts: a two-sided CUSUM (Page 1954) on each feature's robust z.
// A point score sees one reading at a time, so a shift of 3σ that holds for hours never
// crosses a threshold set for spikes, and a drift creeps under it; summed over readings it
// does. Each reading's z is clipped first, so one spike cannot pass for a shift, and only the
// part beyond the slack accumulates, so ordinary noise drains away.

/** |z| above which a reading counts no more towards a shift: a spike is the point score's business. */
export const DRIFT_CLIP_Z = 8;
/** The per-reading allowance: a mean shift smaller than this many σ is not pursued. */
export const DRIFT_SLACK_Z = 3;
/** Accumulated σ past the slack at which the shift is anomalous (score 1). */
export const DRIFT_LIMIT = 90;
/** The sums stop growing here, so a shift that has been recognised clears soon after it ends. */
const DRIFT_CAP = 1.5 * DRIFT_LIMIT;

/** Upward and downward sums of one feature, in σ. */
export interface DriftSums { up: number; down: number }

export const NO_DRIFT: DriftSums = Object.freeze({ up: 0, down: 0 });

/** The sums after a reading of robust z `z` (null: no reading of the feature, nothing changes). */
export function stepDrift(sums: DriftSums, z: number | null): DriftSums {
  if (z === null || z !== z) return sums;
  const clipped = Math.max(-DRIFT_CLIP_Z, Math.min(DRIFT_CLIP_Z, z));
  return {
    up: Math.min(DRIFT_CAP, Math.max(0, sums.up + clipped - DRIFT_SLACK_Z)),
    down: Math.min(DRIFT_CAP, Math.max(0, sums.down - clipped - DRIFT_SLACK_Z)),
  };
}

/** On the anomaly score's scale: 1 at the limit. */
export const driftScore = (sums: DriftSums) => Math.max(sums.up, sums.down) / DRIFT_LIMIT;
