// What a day of readings says about normal, summarized once: per host and feature the
// day's median, MAD, range and long runs, by UTC hour and overall, and per region. A
// walk-forward model is trained on the 7 days before its day; it combines those days'
// profiles instead of reading 7 days of readings again for every day it is trained for,
// so training costs one day's work however often the window moves. The batch layer keeps
// each day's profile with the day's alert views; `pulse eval` builds them the same way.

import { entityKey, longRunOf, MAD_TO_SIGMA, type FeatureBaseline, type Spread } from './anomaly.ts';

export const DAY_PROFILE_FORMAT = 'pulse-day-profile/1';

/** Median and MAD of one group of readings; hour cells also keep their range (absent in older profiles). */
export interface CellStats { n: number; median: number; mad: number; lo?: number; hi?: number }

export interface FeatureDay extends CellStats {
  min: number; max: number;
  /** The 99.9th percentile of run lengths of one unchanged value this day (longRunOf). */
  longRun: number | null;
  /** By UTC hour of day; null where the hour had no reading. */
  hours: (CellStats | null)[];
}

export interface DayProfile {
  format: typeof DAY_PROFILE_FORMAT;
  /** Epoch ms of the day's start (UTC). */
  day: number;
  features: string[];
  rows: number;
  /** Per host (key: entityKey), one entry per feature (null: no reading of it that day). */
  hosts: Record<string, (FeatureDay | null)[]>;
  regions: Record<string, (CellStats | null)[]>;
}

/** A day's readings in (region, host, time) order: `hosts` are runs of positions; NaN where a reading lacks the feature. */
export interface ProfileInput {
  day: number;
  features: readonly string[];
  ts: Float64Array;
  values: readonly Float64Array[];
  hosts: readonly { region: string; host: string; from: number; to: number }[];
}

/** Median and MAD of `values` (reordered in place); the median of an even count is the mean of the middle two. */
export function medianAndMad(values: Float64Array): CellStats | null {
  const n = values.length;
  if (n === 0) return null;
  const median = middle(values);
  for (let i = 0; i < n; i += 1) values[i] = Math.abs((values[i] as number) - median);
  return { n, median, mad: middle(values) };
}

function middle(values: Float64Array): number {
  const n = values.length;
  if (n <= 64) {
    values.sort();
    return n % 2 === 1 ? (values[(n - 1) / 2] as number) : ((values[n / 2 - 1] as number) + (values[n / 2] as number)) / 2;
  }
  const k = (n - (n % 2 === 1 ? 1 : 2)) / 2;
  const low = select(values, k);
  if (n % 2 === 1) return low;
  let high = Number.POSITIVE_INFINITY; // the next order statistic: the least of what select left above k
  for (let i = k + 1; i < n; i += 1) if ((values[i] as number) < high) high = values[i] as number;
  return (low + high) / 2;
}

/** The k-th smallest of `values` (0-based), moving it to position k with the smaller ones before it (Hoare's selection). */
function select(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const a = values[lo] as number;
    const b = values[(lo + hi) >>> 1] as number;
    const c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b); // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i += 1;
      while ((values[j] as number) > pivot) j -= 1;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k] as number;
  }
  return values[k] as number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One feature of one host's run of readings [from, to). */
function featureDay(input: ProfileInput, column: Float64Array, from: number, to: number): FeatureDay | null {
  const buckets: number[][] = Array.from({ length: 24 }, () => []);
  const all: number[] = [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let r = from; r < to; r += 1) {
    const value = column[r] as number;
    if (value !== value) continue;
    all.push(value);
    buckets[Math.floor(((input.ts[r] as number) - input.day) / HOUR)]?.push(value);
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const overall = medianAndMad(Float64Array.from(all));
  if (!overall) return null;
  return { ...overall, min, max, longRun: longRunOf(column, from, to), hours: buckets.map(hourCell) };
}

function hourCell(values: readonly number[]): CellStats | null {
  if (values.length === 0) return null;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { ...(medianAndMad(Float64Array.from(values)) as CellStats), lo, hi };
}

/** The profile of one day of readings. */
export function profileDay(input: ProfileInput): DayProfile {
  const hosts: DayProfile['hosts'] = {};
  const byRegion = new Map<string, number[][]>();
  for (const run of input.hosts) {
    hosts[entityKey(run.region, run.host)] = input.values.map((column) => featureDay(input, column, run.from, run.to));
    const lists = byRegion.get(run.region) ?? input.features.map(() => []);
    input.values.forEach((column, f) => {
      const list = lists[f] as number[];
      for (let r = run.from; r < run.to; r += 1) if (column[r] === column[r]) list.push(column[r] as number);
    });
    byRegion.set(run.region, lists);
  }
  const regions: DayProfile['regions'] = {};
  for (const [region, lists] of byRegion) regions[region] = lists.map((list) => medianAndMad(Float64Array.from(list)));
  return { format: DAY_PROFILE_FORMAT, day: input.day, features: [...input.features], rows: input.ts.length, hosts, regions };
}

/** Readings an hour-of-day cell needs over the window before its own median is trusted over the host's. */
const MIN_HOUR_READINGS = 10;
const MIN_HOST_READINGS = 30;

/** The median of `values` weighted by `weights` (the lower one where the weight splits evenly). */
function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const half = weights.reduce((sum, w) => sum + w, 0) / 2;
  let seen = 0;
  for (const i of order) {
    seen += weights[i] as number;
    if (seen >= half) return values[i] as number;
  }
  return values[order.at(-1) as number] as number;
}

/**
 * Several days' stats of one group as one spread: the median weighted by readings of the
 * days' medians, and a scale from the days' typical MAD and how far their medians wander
 * from day to day (both matter to a reading of a new day). Null without readings.
 */
export function combineCells(cells: readonly (CellStats | null | undefined)[], floor: number): (Spread & { n: number }) | null {
  const days = cells.filter((c): c is CellStats => c !== null && c !== undefined && c.n > 0);
  if (days.length === 0) return null;
  const weights = days.map((c) => c.n);
  const median = weightedMedian(days.map((c) => c.median), weights);
  const within = weightedMedian(days.map((c) => c.mad), weights);
  const between = weightedMedian(days.map((c) => Math.abs(c.median - median)), weights);
  const mad = Math.sqrt(within * within + between * between);
  return { n: weights.reduce((sum, w) => sum + w, 0), median, scale: Math.max(MAD_TO_SIGMA * mad, floor) };
}

export interface WindowBaselines {
  trainingRows: number;
  hosts: Record<string, (FeatureBaseline | null)[]>;
  regions: Record<string, (Spread | null)[]>;
}

/**
 * The baselines of a model trained on the readings of `profiles` (the days before its day,
 * any order): long runs come from the day just before `before`, as a sensor's habits are
 * local; the rest from every day of the window.
 */
export function baselinesOf(profiles: readonly DayProfile[], features: readonly string[], before: number): WindowBaselines {
  const used = profiles.filter((p) => p.features.length === features.length && p.features.every((f, i) => f === features[i]));
  const lastDay = used.find((p) => p.day === before - DAY);
  const regions: WindowBaselines['regions'] = {};
  for (const region of new Set(used.flatMap((p) => Object.keys(p.regions)))) {
    regions[region] = features.map((_, f) => counted(combineCells(used.map((p) => p.regions[region]?.[f]), 1e-3)));
  }
  const hosts: WindowBaselines['hosts'] = {};
  for (const key of new Set(used.flatMap((p) => Object.keys(p.hosts)))) {
    hosts[key] = features.map((_, f) => hostBaseline(used.map((p) => p.hosts[key]?.[f] ?? null), lastDay?.hosts[key]?.[f]?.longRun ?? null));
  }
  return { trainingRows: used.reduce((sum, p) => sum + p.rows, 0), hosts, regions };
}

const spread = (s: (Spread & { n: number }) | null): Spread | null => (s ? { median: s.median, scale: s.scale } : null);
const counted = (s: (Spread & { n: number }) | null): Spread | null => (s ? { median: s.median, scale: s.scale, readings: s.n } : null);

/** Days an hour needs before the range it reached on two of them is taken as its habit. */
const MIN_RECURRING_DAYS = 2;

/**
 * The range an hour of day reached on at least two days: the second-highest of its daily
 * highs and the second-lowest of its daily lows (so one day's incident does not widen it).
 */
function recurringRange(cells: readonly (CellStats | null | undefined)[]): { lo: number; hi: number } | Record<string, never> {
  const his = cells.flatMap((c) => (c?.hi === undefined ? [] : [c.hi])).sort((a, b) => b - a);
  const los = cells.flatMap((c) => (c?.lo === undefined ? [] : [c.lo])).sort((a, b) => a - b);
  if (his.length < MIN_RECURRING_DAYS || los.length < MIN_RECURRING_DAYS) return {};
  return { lo: los[1] as number, hi: his[1] as number };
}

function hostBaseline(days: readonly (FeatureDay | null)[], longRun: number | null): FeatureBaseline | null {
  const present = days.filter((d): d is FeatureDay => d !== null);
  const readings = present.reduce((sum, d) => sum + d.n, 0);
  if (readings < MIN_HOST_READINGS) return null;
  const level = weightedMedian(present.map((d) => d.median), present.map((d) => d.n));
  // A host whose sensor barely moves still needs a scale: 1 % of its level, at least 0.001.
  const overall = combineCells(present, Math.max(1e-3, 0.01 * Math.abs(level))) as Spread & { n: number };
  const hours = Array.from({ length: 24 }, (_, h) => {
    const cells = present.map((d) => d.hours[h]);
    const cell = combineCells(cells, overall.scale);
    return cell && cell.n >= MIN_HOUR_READINGS ? { ...spread(cell) as Spread, ...recurringRange(cells) } : null;
  });
  return {
    readings, days: present.length, median: overall.median, scale: overall.scale, hours, longRun: longRun ?? 1,
    min: Math.min(...present.map((d) => d.min)), max: Math.max(...present.map((d) => d.max)),
  };
}
