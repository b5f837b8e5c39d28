// What the detector's newer parts promise: thresholds that stay below the bound however bursty
// a host, a value an hour reached on several days held back as a habit, no judgement from a
// baseline of too few readings, and models of the older format still scored.

import { describe, expect, it } from 'vitest';
import {
  ANOMALY_FEATURES, AnomalyScorer, advanceAnomaly, initialAnomalyState, assembleModel, checkAnomalyModel, MAX_Z, MIN_TRAINING_READINGS, RECURRING_Z, type AnomalyModel, type FeatureBaseline,
} from './index.ts';

const HOUR = 3_600_000;
const hours = (median: number, scale: number, extra: object = {}) => Array.from({ length: 24 }, () => ({ median, scale, ...extra }));
const baseline = (median: number, scale: number, readings: number, extra: object = {}): FeatureBaseline => (
  { median, scale, readings, hours: hours(median, scale, extra), longRun: 2, min: 0, max: 1e12 });

function modelOf(cpu: FeatureBaseline, sample: number[], regions: AnomalyModel['regions'] = {}): AnomalyModel {
  const rows = sample.map((v, i) => ({ region: 'lab', host: 'h1', ts: i * 300_000, values: [v, null, null, null] }));
  return assembleModel({ features: [...ANOMALY_FEATURES], trainedThrough: rows.length * 300_000, trainingRows: rows.length, hosts: { 'lab/h1': [cpu, null, null, null] }, regions }, rows);
}

describe('the anomaly detector', () => {
  it('gives a disk idle most of the time a threshold below the bound of |z|, so a burst beyond its training bursts still fires', () => {
    // Idle (0) but for bursts of 10⁶–10⁸ bytes in 5 % of readings: MAD 0, so the scale is its floor.
    const sample = Array.from({ length: 4_000 }, (_, i) => (i % 20 === 0 ? 1e6 * (1 + ((i * 7919) % 100)) : 0));
    const model = modelOf(baseline(0, 1e-3, 4_000), sample);
    const threshold = model.zThresholds['lab/h1'] ?? model.zThreshold;
    expect(threshold).toBeLessThan(MAX_Z / 10);
    const scorer = new AnomalyScorer(model);
    expect(scorer.score('lab', 'h1', 0, [5e7, null, null, null]).score).toBeLessThan(1);
    expect(scorer.score('lab', 'h1', 0, [1e10, null, null, null]).score).toBeGreaterThan(1);
  });

  it('caps a host\'s threshold by its own region\'s tail, not by other regions\' (each kind of series keeps its own)', () => {
    // A disk bursting in 1 % of its readings, and 15 steady CPUs: the bursts are under 0.1 % of all readings.
    const disk = Array.from({ length: 4_000 }, (_, i) => (i % 100 === 0 ? 1e6 * (1 + (((i / 100) * 7919) % 100)) : 0));
    const steady = Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2);
    const rows = (region: string, host: string, values: number[]) => values.map((v, i) => ({ region, host, ts: i * 300_000, values: [v, null, null, null] }));
    const modelWithCpusIn = (region: string) => {
      const cpus = Array.from({ length: 15 }, (_, c) => `c${c}`);
      const hosts = Object.fromEntries([['disks/d1', [baseline(0, 1e-3, 4_000), null, null, null]], ...cpus.map((c) => [`${region}/${c}`, [baseline(20, 2, 4_000), null, null, null]])]);
      const sample = [...rows('disks', 'd1', disk), ...cpus.flatMap((c) => rows(region, c, steady))];
      return assembleModel({ features: [...ANOMALY_FEATURES], trainedThrough: 4_000 * 300_000, trainingRows: sample.length, hosts, regions: {} }, sample, { trees: 10 });
    };
    const burstZ = 5e7 / 1e-3; // a burst like its training ones
    // In a region of its own, the disk's threshold is its bursts' tail: such a burst stays below it.
    expect(modelWithCpusIn('cpus').zThresholds['disks/d1']).toBeGreaterThan(burstZ);
    // Sharing its region with the CPUs, their tail caps it, and every burst of its kind would fire.
    expect(modelWithCpusIn('disks').zThresholds['disks/d1']).toBeLessThan(burstZ);
  });

  it('holds a value its hour reached on two training days to a small |z| (a nightly job), but not one beyond it', () => {
    const cpu = baseline(20, 2, 4_000, { lo: 18, hi: 60 });
    const scorer = new AnomalyScorer(modelOf(cpu, Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2)));
    expect(Math.abs(scorer.score('lab', 'h1', 3 * HOUR, [58, null, null, null]).z ?? 0)).toBeLessThanOrEqual(RECURRING_Z);
    expect(scorer.score('lab', 'h1', 3 * HOUR, [95, null, null, null]).score).toBeGreaterThan(1);
  });

  it('judges nothing from a baseline of too few readings, unless its region has enough (a fleet prior)', () => {
    const young = baseline(20, 2, MIN_TRAINING_READINGS - 1);
    const sample = Array.from({ length: 400 }, (_, i) => 20 + ((i * 7919) % 5) - 2);
    const alone = new AnomalyScorer(modelOf(young, sample)).score('lab', 'h1', 0, [95, null, null, null]);
    expect(alone).toMatchObject({ score: 0, metric: null, z: null });
    const fleet = { lab: [{ median: 20, scale: 2, readings: 100_000 }, null, null, null] };
    const judged = new AnomalyScorer(modelOf(young, sample, fleet)).score('lab', 'h1', 0, [95, null, null, null]);
    expect(judged.score).toBeGreaterThan(1);
    expect(judged.metric).toBe('cpu_pct');
  });

  it('sums a shift in units of the host\'s tail: 4.5σ for hours shifts a steady host, not one whose |z| threshold is 600 (ten times the limit)', () => {
    const sample = Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2);
    const model = modelOf(baseline(20, 2, 4_000), sample);
    const shiftIn = (threshold: number) => {
      const scorer = new AnomalyScorer({ ...model, zThresholds: { 'lab/h1': threshold } });
      const state = initialAnomalyState(ANOMALY_FEATURES.length);
      const reasons = new Set<string>();
      for (let i = 0; i < 120; i += 1) {
        const step = advanceAnomaly(scorer, state, { region: 'lab', host: 'h1', ts: i * 60_000, values: [20 + 4.5 * 2 + (i % 2) * 0.01, null, null, null] }, 3);
        if (step.score.score >= 1) reasons.add(step.score.reason);
      }
      return [...reasons];
    };
    expect(shiftIn(5)).toEqual(['shift']);
    expect(shiftIn(50)).toEqual(['shift']); // below the limit: σ as they are
    expect(shiftIn(600)).toEqual([]);
  });

  it('counts a fleet metric only above its baseline (a fault raises it), and a generic series both ways', () => {
    const sample = Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2);
    const cpu = new AnomalyScorer(modelOf(baseline(20, 2, 4_000), sample));
    // The day after an incident a host reads below the hour the incident lifted: no anomaly.
    expect(cpu.score('lab', 'h1', 0, [0, null, null, null])).toMatchObject({ z: 0 });
    expect(cpu.score('lab', 'h1', 0, [0, null, null, null]).score).toBeLessThan(1);
    expect(cpu.score('lab', 'h1', 0, [40, null, null, null]).score).toBeGreaterThan(1);
    // Nor does a low level that holds for hours pass for a shift (varying, so not stuck either).
    const state = initialAnomalyState(ANOMALY_FEATURES.length);
    let fired = false;
    for (let i = 0; i < 600; i += 1) fired ||= advanceAnomaly(cpu, state, { region: 'lab', host: 'h1', ts: i * 60_000, values: [8 + (i % 3), null, null, null] }, 3).score.score >= 1;
    expect(fired).toBe(false);
    const rows = sample.map((v, i) => ({ region: 'lab', host: 'h1', ts: i * 300_000, values: [v] }));
    const generic = new AnomalyScorer(assembleModel({ features: ['value'], trainedThrough: rows.length * 300_000, trainingRows: rows.length, hosts: { 'lab/h1': [baseline(20, 2, 4_000)] }, regions: {} }, rows));
    expect(generic.score('lab', 'h1', 0, [0]).score).toBeGreaterThan(1);
  });

  it('still scores a model of the older format (no counts, ranges or lines: each taken as absent), and refuses an unknown one', () => {
    const model = modelOf(baseline(20, 2, 4_000), Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2));
    const older = { ...model, format: 'pulse-anomaly/1' } as unknown as AnomalyModel;
    expect(new AnomalyScorer(older).score('lab', 'h1', 0, [95, null, null, null]).score).toBeGreaterThan(1);
    expect(() => new AnomalyScorer({ ...model, format: 'pulse-anomaly/9' } as unknown as AnomalyModel)).toThrow(/unknown format pulse-anomaly\/9/);
  });

  it('refuses a corrupt model with its reason, and accepts the older format with a note', () => {
    const model = modelOf(baseline(20, 2, 4_000), Array.from({ length: 4_000 }, (_, i) => 20 + ((i * 7919) % 5) - 2));
    const text = JSON.stringify(model);
    expect(checkAnomalyModel(text)).toMatchObject({ ok: true, note: null });
    expect(checkAnomalyModel(text.slice(0, text.length / 2))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(checkAnomalyModel('[]')).toMatchObject({ ok: false, reason: expect.stringMatching(/not a JSON object/) });
    expect(checkAnomalyModel({ ...model, zThreshold: Number.NaN })).toMatchObject({ ok: false, reason: expect.stringMatching(/zThreshold/) });
    expect(checkAnomalyModel({ ...model, hosts: { 'lab/h1': [null] } })).toMatchObject({ ok: false, reason: expect.stringMatching(/1 baselines for 4 features/) });
    const counted = (extra: object) => ({ ...model, hosts: { 'lab/h1': [{ ...baseline(20, 2, 4_000), days: 7, ...extra }, null, null, null] } });
    expect(checkAnomalyModel(counted({}))).toMatchObject({ ok: true });
    expect(checkAnomalyModel(counted({ days: 'seven' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/day count/) });
    expect(checkAnomalyModel(counted({ max: null }))).toMatchObject({ ok: false, reason: expect.stringMatching(/numeric range/) });
    expect(checkAnomalyModel({ ...model, forest: { trees: [], features: 2 } })).toMatchObject({ ok: false, reason: expect.stringMatching(/forest/) });
    expect(checkAnomalyModel({ ...model, format: 'pulse-anomaly/1' })).toMatchObject({ ok: true, note: expect.stringMatching(/older model format/) });
    expect(() => new AnomalyScorer({ ...model, zThresholds: { 'lab/h1': 0 } })).toThrow(/host threshold/);
  });
});
