// Level shifts and slow drifts: a two-sided CUSUM (Page 1954) on each feature's robust z.
// A point score sees one reading at a time, so a shift of 3σ that holds for hours never
// crosses a threshold set for spikes, and a drift creeps under it; summed over readings it
// does. Each reading's z is clipped first, so one spike cannot pass for a shift, and only the
// part beyond the slack accumulates, so ordinary noise drains away. A heavy-tailed host (a
// disk that bursts, whose |z| threshold is in the thousands) reaches the clip with every burst
// and would sum its bursts into shifts: where its threshold exceeds the limit, its z is summed in
// units of threshold ÷ limit (AnomalyScorer.lastShiftZ).

/** |z| above which a reading counts no more towards a shift: a spike is the point score's business. */
export const DRIFT_CLIP_Z = 8;
/** The per-reading allowance: a mean shift smaller than this many σ is not pursued. */
export const DRIFT_SLACK_Z = 3;
/** Accumulated σ past the slack at which the shift is anomalous (score 1). */
export const DRIFT_LIMIT = 60;
/** The sums stop growing here, so a shift that has been recognised clears soon after it ends. */
const DRIFT_CAP = 1.5 * DRIFT_LIMIT;

/**
 * Advance feature `i`'s sums in `drift` (upward at 2i, downward at 2i + 1, in σ) by a reading
 * of robust z (null: no reading of the feature, nothing changes), in place: this runs for
 * every feature of every reading. Returns the feature's shift score, 1 at the limit.
 */
export function stepDrift(drift: number[], i: number, z: number | null): number {
  const at = 2 * i;
  if (z !== null && z === z) {
    const clipped = Math.max(-DRIFT_CLIP_Z, Math.min(DRIFT_CLIP_Z, z));
    drift[at] = Math.min(DRIFT_CAP, Math.max(0, (drift[at] as number) + clipped - DRIFT_SLACK_Z));
    drift[at + 1] = Math.min(DRIFT_CAP, Math.max(0, (drift[at + 1] as number) - clipped - DRIFT_SLACK_Z));
  }
  return Math.max(drift[at] as number, drift[at + 1] as number) / DRIFT_LIMIT;
}
