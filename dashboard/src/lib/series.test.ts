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

import { anomalyMarks, barsReached, volumeBars } from './panels.ts';

describe('anomaly marks', () => {
  it('mark where a run of anomalous readings begins, not every reading of it', () => {
    const line = { label: 'h1', points: Array.from({ length: 60 }, (_, m) => ({ x: m * 60_000, y: 10 })) };
    const run = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ host_id: 'h1', ts: new Date((from + i) * 60_000).toISOString(), score: 1 + i / 100, metric: 'cpu_pct', z: 5 }));
    const marks = anomalyMarks([line], [...run(5, 25), ...run(40, 42)], 3_600_000);
    expect(marks.map((m) => m.x / 60_000)).toEqual([5, 40]);
  });
});

describe('volume bars in playback', () => {
  const volume = { series: ['2026-11-01T00:00:00Z', '2026-11-01T00:30:00Z', '2026-11-01T01:00:00Z'].flatMap((t) => [
    { t, region: 'india', origin: 'batch', n: 10 }, { t, region: 'usa', origin: 'batch', n: 20 },
  ]) };

  it('keep every bar of the window, with the time each stands for', () => {
    const bars = volumeBars(volume);
    expect(bars.times).toEqual([0, 30, 60].map((m) => Date.parse('2026-11-01T00:00:00Z') + m * 60_000));
    expect(bars.datasets.map((d) => d.data)).toEqual([[10, 10, 10], [20, 20, 20]]);
  });

  it('count as reached the bars whose time the cursor is at or past', () => {
    const { times } = volumeBars(volume);
    const at = (iso: string) => barsReached(times, Date.parse(iso));
    expect([at('2026-10-31T23:59:00Z'), at('2026-11-01T00:00:00Z'), at('2026-11-01T00:45:00Z'), at('2026-11-01T02:00:00Z')]).toEqual([0, 1, 2, 3]);
  });
});
