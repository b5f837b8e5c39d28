import { describe, expect, it } from 'vitest';
import { DRIFT_CLIP_Z, DRIFT_LIMIT, DRIFT_SLACK_Z, stepDrift } from './index.ts';

/** Feature 0's sums after `zs`, from `from`, and its last score. */
function run(zs: readonly (number | null)[], from: number[] = [0, 0]): { sums: number[]; score: number } {
  const sums = from.slice();
  let score = stepDrift(sums, 0, null);
  for (const z of zs) score = stepDrift(sums, 0, z);
  return { sums, score };
}

describe('level-shift detection (CUSUM on robust z)', () => {
  it('lets noise within the slack drain away however long it lasts', () => {
    const noise = Array.from({ length: 10_000 }, (_, i) => (((i * 7919) % 13) / 13 - 0.5) * 2 * DRIFT_SLACK_Z);
    expect(run(noise).score).toBe(0);
  });

  it('reaches the limit for a shift held long enough, upwards and downwards', () => {
    const excess = 2; // σ beyond the slack per reading
    const needed = Math.ceil(DRIFT_LIMIT / excess);
    expect(run(new Array(needed - 1).fill(DRIFT_SLACK_Z + excess)).score).toBeLessThan(1);
    expect(run(new Array(needed).fill(DRIFT_SLACK_Z + excess)).score).toBeGreaterThanOrEqual(1);
    expect(run(new Array(needed).fill(-DRIFT_SLACK_Z - excess)).score).toBeGreaterThanOrEqual(1);
  });

  it('counts one spike as no more than a clipped reading, so a spike is never a shift', () => {
    expect(run([1e9]).sums[0]).toBe(DRIFT_CLIP_Z - DRIFT_SLACK_Z);
    expect(run([1e9, 1e9, 1e9]).score).toBeLessThan(1);
  });

  it('caps its sums, so a recognised shift clears soon after it ends', () => {
    const shifted = run(new Array(10_000).fill(DRIFT_CLIP_Z)).sums;
    expect(run(new Array(Math.ceil((1.5 * DRIFT_LIMIT) / DRIFT_SLACK_Z)).fill(0), shifted).score).toBe(0);
  });

  it('ignores readings without the feature, and keeps each feature\'s sums apart', () => {
    const { sums } = run([DRIFT_CLIP_Z, DRIFT_CLIP_Z]);
    expect(run([null, Number.NaN], sums).sums).toEqual(sums);
    const two = [0, 0, 0, 0];
    stepDrift(two, 1, DRIFT_CLIP_Z);
    expect(two).toEqual([0, 0, DRIFT_CLIP_Z - DRIFT_SLACK_Z, 0]);
  });
});
