import { describe, expect, it } from 'vitest';
import { ANOMALY_SEVERE, type FeatureBaseline } from './anomaly.ts';
import { MIN_RECORD_DAYS, RECORD_MARGIN, recordRatio, strongestRecord } from './anomaly-record.ts';

/** A bursty disk's week: mostly idle (median 0, σ at its floor), bursts up to 100 MB. */
const disk: FeatureBaseline = { median: 0, scale: 1e-3, readings: 2000, days: 7, hours: [], longRun: 50, min: 0, max: 100e6 };
/** A steady sensor's week: 40 ± 1, its extreme ~4σ out. */
const steady: FeatureBaseline = { median: 40, scale: 1, readings: 10_000, days: 7, hours: [], longRun: 3, min: 36, max: 44 };
const always = () => true;

describe('records: readings beyond the training week', () => {
  it('measures how far past the extreme a reading is, as a multiple of the extreme\'s distance from the median', () => {
    expect(recordRatio(disk, 150e6, true)).toBeCloseTo(1.5);
    expect(recordRatio(disk, 80e6, true)).toBeCloseTo(0.8);
  });

  it('breaks a bursty series\' range only with a burst larger than every one of its week, by the margin', () => {
    expect(strongestRecord([disk], [100e6 * (1 + RECORD_MARGIN) * 1.01], [true], always, [false])).toMatchObject({ index: 0 });
    expect(strongestRecord([disk], [100e6 * (1 + RECORD_MARGIN) * 0.99], [true], always, [false])).toBeNull();
  });

  it('scores a record from ANOMALY_SEVERE up, so that it fires at once', () => {
    const record = strongestRecord([disk], [300e6], [true], always, [false]);
    expect(record?.score).toBeGreaterThanOrEqual(ANOMALY_SEVERE);
    expect(record?.score).toBeCloseTo((ANOMALY_SEVERE * 3) / (1 + RECORD_MARGIN));
  });

  it('leaves a light-tailed series to its z score: beating its ~4σ extreme by a little is chance', () => {
    expect(recordRatio(steady, 44.6, true)).toBe(0); // 1.15 × the extreme's distance, but 4.6σ
    expect(recordRatio(steady, 45.5, true)).toBeCloseTo(5.5 / 4); // 5.5σ: judged
  });

  it('judges nothing on a baseline of too few days, nor on one that did not count its days', () => {
    expect(recordRatio({ ...disk, days: MIN_RECORD_DAYS - 1 }, 1e9, true)).toBe(0);
    const { days: _days, ...uncounted } = disk;
    expect(recordRatio(uncounted, 1e9, true)).toBe(0);
  });

  it('counts downwards only for features that faults do not only raise', () => {
    expect(recordRatio(steady, 30, true)).toBe(0);
    expect(recordRatio(steady, 30, false)).toBeCloseTo(10 / 4);
  });

  it('finds no record where the range has no extent on that side', () => {
    const flat: FeatureBaseline = { ...steady, min: 40, max: 40 };
    expect(recordRatio(flat, 100, false)).toBe(0);
    expect(recordRatio(flat, -100, false)).toBe(0);
  });

  it('leaves a feature judged by another to that line (the power a CPU spike draws is no power anomaly)', () => {
    const conditioned = [false, true]; // the second feature is judged by a line on the first
    expect(strongestRecord([steady, disk], [40, 1e9], [true, true], always, conditioned)).toBeNull();
    expect(strongestRecord([steady, disk], [60, 1e9], [true, true], always, conditioned)).toMatchObject({ index: 0 });
  });

  it('takes the feature that breaks its range furthest, and skips missing readings and untrusted baselines', () => {
    expect(strongestRecord([steady, disk], [60, 1e9], [true, true], always, [false, false])).toMatchObject({ index: 1 }); // 10 × its extreme, against 5 ×
    expect(strongestRecord([steady, disk], [null, 500e6], [true, true], (b) => b !== disk, [false, false])).toBeNull();
  });
});
