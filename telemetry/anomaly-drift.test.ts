import { describe, expect, it } from 'vitest';
import { DRIFT_CLIP_Z, DRIFT_LIMIT, DRIFT_SLACK_Z, driftScore, NO_DRIFT, stepDrift, type DriftSums } from './index.ts';

const run = (zs: readonly (number | null)[], from: DriftSums = NO_DRIFT) => zs.reduce<DriftSums>((sums, z) => stepDrift(sums, z), from);

describe('level-shift detection (CUSUM on robust z)', () => {
  it('lets noise within the slack drain away however long it lasts', () => {
    const noise = Array.from({ length: 10_000 }, (_, i) => (((i * 7919) % 13) / 13 - 0.5) * 2 * DRIFT_SLACK_Z);
    expect(driftScore(run(noise))).toBe(0);
  });

  it('reaches the limit for a shift held long enough, upwards and downwards', () => {
    const excess = 2; // σ beyond the slack per reading
    const needed = Math.ceil(DRIFT_LIMIT / excess);
    expect(driftScore(run(new Array(needed - 1).fill(DRIFT_SLACK_Z + excess)))).toBeLessThan(1);
    expect(driftScore(run(new Array(needed).fill(DRIFT_SLACK_Z + excess)))).toBeGreaterThanOrEqual(1);
    expect(driftScore(run(new Array(needed).fill(-DRIFT_SLACK_Z - excess)))).toBeGreaterThanOrEqual(1);
  });

  it('counts one spike as no more than a clipped reading, so a spike is never a shift', () => {
    expect(run([1e9]).up).toBe(DRIFT_CLIP_Z - DRIFT_SLACK_Z);
    expect(driftScore(run([1e9, 1e9, 1e9]))).toBeLessThan(1);
  });

  it('caps its sums, so a recognised shift clears soon after it ends', () => {
    const shifted = run(new Array(10_000).fill(DRIFT_CLIP_Z));
    const after = run(new Array(Math.ceil((1.5 * DRIFT_LIMIT) / DRIFT_SLACK_Z)).fill(0), shifted);
    expect(driftScore(after)).toBe(0);
  });

  it('ignores readings without the feature', () => {
    const sums = run([DRIFT_CLIP_Z, DRIFT_CLIP_Z]);
    expect(run([null, Number.NaN], sums)).toEqual(sums);
  });
});
