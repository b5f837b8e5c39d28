import { describe, expect, it } from 'vitest';
import { groupSeries, typicalStep, withGaps } from './series.ts';

describe('chart series', () => {
  it('groups rows by series in one pass, each sorted by time', () => {
    const rows = [{ s: 'a', t: 2, v: 2 }, { s: 'b', t: 1, v: 10 }, { s: 'a', t: 1, v: 1 }];
    expect(groupSeries(rows, (r) => r.s, (r) => r.t, (r) => r.v, 1)).toEqual([
      { label: 'a', points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] },
      { label: 'b', points: [{ x: 1, y: 10 }] },
    ]);
  });

  it('breaks the line where data is missing for longer than its step', () => {
    const minute = 60_000;
    const points = [0, 1, 2, 60, 61].map((m) => ({ x: m * minute, y: m }));
    expect(typicalStep(points.map((p) => p.x), 1)).toBe(minute);
    const gapped = withGaps(points, minute);
    expect(gapped.map((p) => p.y)).toEqual([0, 1, 2, null, 60, 61]);
    expect(gapped[3]?.x).toBe(3 * minute);
  });

  it('keeps a line whole where readings are merely a little late', () => {
    const points = [0, 60, 150, 210].map((s) => ({ x: s * 1000, y: 1 }));
    expect(withGaps(points, 60_000).every((p) => p.y !== null)).toBe(true);
  });
});
