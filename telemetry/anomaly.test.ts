import { describe, expect, it } from 'vitest';
import { nightlyBackupModel } from '../test/support/index.ts';
import {
  AnomalyScorer, flatlineRunLength, initialAnomalyState, longRunOf, stepAnomaly, utcHour, type AnomalyModel, type HostAnomalyState,
} from './index.ts';

const HOUR = 3_600_000;

describe('anomaly scoring', () => {
  const model = nightlyBackupModel();
  const scorer = new AnomalyScorer(model, 7);
  const values = (cpu: number, temp = 50) => [cpu, null, temp, null];

  it('judges a reading against its host\'s baseline for that hour of day: the nightly backup is normal', () => {
    expect(scorer.score('lab', 'h1', 2 * HOUR + 600_000, values(61)).score).toBeLessThan(1);
    const atNoon = scorer.score('lab', 'h1', 12 * HOUR, values(61));
    expect(atNoon.score).toBeGreaterThan(1);
    expect(atNoon).toMatchObject({ metric: 'cpu_pct', reason: 'isolation' });
    expect(atNoon.z).toBeCloseTo(20.5, 1);
  });

  it('names the metric that deviated most', () => {
    expect(scorer.score('lab', 'h1', 12 * HOUR, values(21, 58)).metric).toBe('temp_c');
  });

  it('fires an alert after N anomalous readings in a row, holds above 0.75 and resolves below it', () => {
    let state: HostAnomalyState = initialAnomalyState(4);
    const changes: string[] = [];
    // mildly anomalous (1–2× the threshold) for four readings, then back to normal
    const z = model.zThresholds['lab/h1'] ?? model.zThreshold;
    const temps = [50, 50 + 1.2 * z, 50 + 1.3 * z, 50 + 1.5 * z, 50 + 0.8 * z, 50];
    temps.forEach((temp, i) => {
      const step = stepAnomaly(scorer, state, { region: 'lab', host: 'h1', ts: 12 * HOUR + i * 60_000, values: values(20 + i * 0.1, temp) }, 3);
      state = step.state;
      changes.push(step.change?.type ?? '-');
    });
    expect(changes).toEqual(['-', '-', '-', 'fired', '-', 'resolved']);
  });

  it('fires at once for a lone reading far past the threshold (a spike)', () => {
    const step = stepAnomaly(scorer, initialAnomalyState(4), { region: 'lab', host: 'h1', ts: 12 * HOUR, values: values(99) }, 3);
    expect(step.change?.type).toBe('fired');
  });

  it('calls a sensor stuck once it repeats one value twice as long as it ever did in training, unless it rests at its limit', () => {
    expect(flatlineRunLength(2)).toBe(6);
    expect(flatlineRunLength(10)).toBe(20);
    let state = initialAnomalyState(4);
    const reasons: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const step = stepAnomaly(scorer, state, { region: 'lab', host: 'h1', ts: 12 * HOUR + i * 60_000, values: values(20 + (i % 2), 51.3) }, 3);
      state = step.state;
      reasons.push(step.score.reason);
    }
    expect(reasons.slice(0, 5)).not.toContain('flatline');
    expect(reasons[5]).toBe('flatline');
    let clamped = initialAnomalyState(4);
    for (let i = 0; i < 10; i += 1) {
      const step = stepAnomaly(scorer, clamped, { region: 'lab', host: 'h1', ts: 12 * HOUR + i * 60_000, values: values(0, 50 + (i % 2)) }, 3);
      clamped = step.state;
      expect(step.score.reason).not.toBe('flatline');
    }
  });

  it('falls back to the region\'s baseline for a host it has not seen, and scores nothing it has no baseline for', () => {
    const withRegion = new AnomalyScorer({ ...model, regions: { lab: [{ median: 20, scale: 2 }, null, null, null] } });
    expect(withRegion.score('lab', 'new-host', 12 * HOUR, values(80)).metric).toBe('cpu_pct');
    expect(scorer.score('elsewhere', 'new-host', 12 * HOUR, values(80))).toMatchObject({ metric: null, z: null });
  });

  it('sets thresholds so that the contamination share of training readings scores above them', () => {
    expect(model.contamination).toBe(0.001);
    expect(model.zThreshold).toBeGreaterThanOrEqual(3);
    // the host has a threshold of its own (it had enough training readings), never below 5
    expect(model.zThresholds['lab/h1']).toBeGreaterThanOrEqual(5);
    expect(model.isolationThreshold).toBeGreaterThan(0.4);
    expect(model.isolationThreshold).toBeLessThan(1);
  });
});

describe('how long a sensor normally repeats itself (longRunOf)', () => {
  const runs = (...values: number[]) => longRunOf(Float64Array.from(values), 0, values.length);

  it('takes the 99.9th percentile of the lengths of runs of one value, discrete (the longest run below 1,000 runs)', () => {
    expect(runs(1, 1, 1, 2, 3, 3)).toBe(3);
    const many = [...Array.from({ length: 998 }, (_, i) => i), 5000, 5000, 7000, 7000, 7000, 7000];
    expect(runs(...many)).toBe(2); // 1,000 runs: 998 of 1, one of 2, one of 4; the 999th shortest is 2
  });

  it('skips readings without the metric (NaN) inside a run, and is null when there is no value at all', () => {
    expect(runs(4, Number.NaN, 4, 4, 9)).toBe(3);
    expect(runs(Number.NaN, Number.NaN)).toBeNull();
  });

  it('reads only its range [from, to)', () => {
    expect(longRunOf(Float64Array.from([7, 7, 7, 1, 2, 2]), 3, 6)).toBe(2);
  });
});
