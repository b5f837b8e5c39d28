import { describe, expect, it } from 'vitest';
import { baselinesOf, combineCells, medianAndMad, MAD_TO_SIGMA, profileDay, type DayProfile } from './index.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const D0 = Date.UTC(2026, 10, 1);

/** One host `lab/h1` reading every minute of the day starting at `day`: cpu from `cpu(minute)`, no memory readings. */
function hostDay(day: number, cpu: (minute: number) => number): DayProfile {
  const ts = Float64Array.from({ length: 1440 }, (_, m) => day + m * MINUTE);
  const values = [Float64Array.from({ length: 1440 }, (_, m) => cpu(m)), new Float64Array(1440).fill(Number.NaN)];
  return profileDay({ day, features: ['cpu_pct', 'mem_pct'], ts, values, hosts: [{ region: 'lab', host: 'h1', from: 0, to: 1440 }] });
}

describe('median and MAD', () => {
  it('takes the mean of the middle two for an even count, and the median absolute deviation from the median', () => {
    expect(medianAndMad(Float64Array.from([1, 2, 3, 10]))).toEqual({ n: 4, median: 2.5, mad: 1 });
    expect(medianAndMad(Float64Array.from([5, 1, 9]))).toEqual({ n: 3, median: 5, mad: 4 });
    expect(medianAndMad(new Float64Array())).toBeNull();
  });

  it('gives the sorted-array answer on large inputs too (selection, not a sort)', () => {
    const values = Float64Array.from({ length: 10_001 }, (_, i) => (i * 7919) % 10_007);
    const sorted = Float64Array.from(values).sort();
    expect(medianAndMad(Float64Array.from(values))?.median).toBe(sorted[5000]);
  });
});

describe('a day profile', () => {
  const profile = hostDay(D0, (m) => (Math.floor(m / 60) === 2 ? 60 : 20) + (m % 2)); // 02:00 UTC is busier

  it('summarizes each host and feature by UTC hour (with the hour\'s range) and overall, with its range and long runs', () => {
    const cpu = profile.hosts['lab/h1']?.[0];
    expect(cpu).toMatchObject({ n: 1440, median: 21, mad: 1, min: 20, max: 61, longRun: 1 });
    expect(cpu?.hours[2]).toEqual({ n: 60, median: 60.5, mad: 0.5, lo: 60, hi: 61 });
    expect(cpu?.hours[3]).toEqual({ n: 60, median: 20.5, mad: 0.5, lo: 20, hi: 21 });
    expect(profile.regions['lab']?.[0]?.n).toBe(1440);
  });

  it('leaves a feature the host never reported as null rather than zero', () => {
    expect(profile.hosts['lab/h1']?.[1]).toBeNull();
    expect(profile.regions['lab']?.[1]).toBeNull();
  });
});

describe('baselines from the profiles of the days before a model\'s day', () => {
  it('equal one day\'s own median and MAD when the window holds one day', () => {
    const day = hostDay(D0, (m) => 20 + (m % 5));
    const cpu = baselinesOf([day], ['cpu_pct', 'mem_pct'], D0 + DAY).hosts['lab/h1']?.[0];
    expect(cpu).toMatchObject({ median: 22, scale: MAD_TO_SIGMA * 1, min: 20, max: 24, longRun: 1 });
    expect(cpu?.hours[5]).toEqual({ median: 22, scale: MAD_TO_SIGMA * 1 });
  });

  it('widen the scale by how far the days\' levels wander, not only by the noise within a day', () => {
    const steady = [0, 1, 2].map((d) => hostDay(D0 + d * DAY, (m) => 20 + (m % 3)));
    const wandering = [0, 1, 2].map((d) => hostDay(D0 + d * DAY, (m) => 20 + 6 * d + (m % 3)));
    const scale = (days: DayProfile[]) => baselinesOf(days, ['cpu_pct', 'mem_pct'], D0 + 3 * DAY).hosts['lab/h1']?.[0]?.scale as number;
    expect(scale(steady)).toBeCloseTo(MAD_TO_SIGMA * 1, 9);
    expect(scale(wandering)).toBeCloseTo(MAD_TO_SIGMA * Math.sqrt(1 + 36), 9);
  });

  it('take long runs from the day just before the model\'s day only', () => {
    const stuckEarly = hostDay(D0, () => 30);
    const lively = hostDay(D0 + DAY, (m) => 20 + (m % 7));
    expect(baselinesOf([stuckEarly, lively], ['cpu_pct', 'mem_pct'], D0 + 2 * DAY).hosts['lab/h1']?.[0]?.longRun).toBe(1);
    expect(baselinesOf([stuckEarly], ['cpu_pct', 'mem_pct'], D0 + DAY).hosts['lab/h1']?.[0]?.longRun).toBe(1440);
    expect(baselinesOf([stuckEarly], ['cpu_pct', 'mem_pct'], D0 + 2 * DAY).hosts['lab/h1']?.[0]?.longRun).toBe(1); // a gap day: no habit known
  });

  it('count the window\'s readings, and trust no host with fewer than 30 readings of a feature', () => {
    const few = profileDay({ day: D0, features: ['cpu_pct'], ts: Float64Array.from({ length: 20 }, (_, i) => D0 + i * MINUTE),
      values: [Float64Array.from({ length: 20 }, () => 5)], hosts: [{ region: 'lab', host: 'h2', from: 0, to: 20 }] });
    const baselines = baselinesOf([few], ['cpu_pct'], D0 + DAY);
    expect(baselines.trainingRows).toBe(20);
    expect(baselines.hosts['lab/h2']).toEqual([null]);
  });

  it('ignore a profile of other features (an older model\'s layout) instead of mixing its columns', () => {
    const other = { ...hostDay(D0, () => 50), features: ['temp_c', 'power_w'] };
    expect(baselinesOf([other], ['cpu_pct', 'mem_pct'], D0 + DAY).trainingRows).toBe(0);
  });

  it('combine cells weighted by their readings, and never below the floor', () => {
    expect(combineCells([{ n: 100, median: 10, mad: 0 }, { n: 1, median: 99, mad: 0 }], 0.5)).toEqual({ n: 101, median: 10, scale: 0.5 });
    expect(combineCells([null, undefined], 1)).toBeNull();
  });
});
