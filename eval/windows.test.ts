import { describe, expect, it } from 'vitest';
import { scoreDetections, type Detection, type LabeledWindow } from './windows.ts';

describe('event-window scoring', () => {
  const windows: LabeledWindow[] = [
    { entity: 'a', kind: 'overheat', start: 100, end: 200 },
    { entity: 'a', kind: 'cpu_saturation', start: 500, end: 600 },
    { entity: 'b', kind: 'overheat', start: 100, end: 200 },
  ];
  const at = (entity: string, when: number, metric = 'temp_c'): Detection => ({ entity, at: when, metric, score: 2, reason: 'isolation', z: 5 });

  it('counts a window once however many detections it holds, a detection outside every window of its host as a false positive', () => {
    const scores = scoreDetections(windows, [at('a', 120), at('a', 150), at('a', 199), at('a', 300), at('b', 150, 'cpu_pct'), at('b', 250)], () => ['overheat']);
    expect(scores.overall).toMatchObject({ tp: 2, fp: 2, fn: 1 });
    expect(scores.overall.precision).toBeCloseTo(0.5);
    expect(scores.overall.recall).toBeCloseTo(2 / 3);
    expect(scores.overall.f1).toBeCloseTo(4 / 7);
  });

  it('charges a window with no detection to its kind as a false negative, and a false positive to the kinds named for it', () => {
    const scores = scoreDetections(windows, [at('a', 150), at('a', 700, 'cpu_pct')], (d) => (d.metric === 'cpu_pct' ? ['cpu_saturation'] : ['overheat']));
    expect(scores.byKind['overheat']).toMatchObject({ tp: 1, fp: 0, fn: 1 });
    expect(scores.byKind['cpu_saturation']).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 });
  });

  it('counts a window end-inclusive, as NAB does: a detection at its end is inside, one just after is outside', () => {
    expect(scoreDetections(windows.slice(0, 1), [at('a', 200)], () => []).overall).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(scoreDetections(windows.slice(0, 1), [at('a', 201)], () => []).overall).toMatchObject({ tp: 0, fp: 1, fn: 1 });
  });
});
