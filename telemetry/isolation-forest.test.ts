import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { averagePathLength, fitIsolationForest, isolationScore } from './isolation-forest.ts';

function normalCloud(n: number, seed: number): number[][] {
  let state = seed;
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => [next() + next() + next() - 1.5, next() + next() + next() - 1.5]);
}

describe('isolation forest', () => {
  const data = normalCloud(2000, 7);
  const forest = fitIsolationForest(data, { trees: 100, sampleSize: 256, seed: 1 });

  it('scores a far outlier well above points of the cloud', () => {
    const outlier = isolationScore(forest, [6, -6]);
    const typical = isolationScore(forest, [0, 0]);
    expect(outlier).toBeGreaterThan(0.7);
    expect(typical).toBeLessThan(0.5);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const again = fitIsolationForest(data, { trees: 100, sampleSize: 256, seed: 1 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(forest));
    const restored = JSON.parse(JSON.stringify(forest));
    expect(isolationScore(restored, [3, 3])).toBe(isolationScore(forest, [3, 3]));
  });

  it('always scores within (0, 1]', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x, y) => {
      const s = isolationScore(forest, [x, y]);
      return s > 0 && s <= 1;
    }));
  });

  it('uses the standard average path length c(n)', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(256)).toBeCloseTo(10.24, 1);
  });

  it('copes with constant columns and tiny samples', () => {
    const flat = fitIsolationForest([[1, 2], [1, 2], [1, 2]], { trees: 10 });
    expect(isolationScore(flat, [1, 2])).toBeGreaterThan(0);
  });
});
