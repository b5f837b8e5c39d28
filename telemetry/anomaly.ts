// What normal looks like, and how far a reading is from it. The batch layer learns robust
// baselines per host and metric by hour of day (median and MAD, so a nightly backup is
// normal at 2 am) and an Isolation Forest over readings standardized against them; the
// speed layer and `pulse eval` score every reading with these same functions. A sensor that
// repeats one value far longer than it ever did in training is anomalous too (stuck sensor),
// which no point-wise score can see. So is a level shift or a drift that no single reading
// makes obvious (anomaly-drift.ts), a power draw its CPU load does not explain
// (anomaly-conditioning.ts) and a reading beyond the week's extremes (anomaly-record.ts). A
// value an hour of day reached on several training days is not a point anomaly then (a short
// job that runs every night). A baseline learned from fewer than
// MIN_TRAINING_READINGS readings judges nothing: its region's does if that has enough (a fleet
// prior), else the reading is not judged (score 0, no metric), as a few hours cannot say what normal is.

import { compileForest, compiledScore, type CompiledForest, type IsolationForest } from './isolation-forest.ts';
import { conditionedZ, type Conditioning } from './anomaly-conditioning.ts';
import { checkAnomalyModel } from './anomaly-model-check.ts';
import { strongestRecord } from './anomaly-record.ts';
import { DRIFT_LIMIT } from './anomaly-drift.ts';
import { PulseError } from './errors.ts';
import type { Metric } from './record.ts';

export const ANOMALY_MODEL_FORMAT = 'pulse-anomaly/2';
/** Models of this older format are still scored: without the parts they lack (see AnomalyModel). */
export const ANOMALY_MODEL_FORMATS_READ: readonly string[] = ['pulse-anomaly/1', ANOMALY_MODEL_FORMAT];
/** Metrics the fleet model standardizes and isolates (where a host reports them). */
export const ANOMALY_FEATURES: readonly Metric[] = ['cpu_pct', 'mem_pct', 'temp_c', 'power_w'];
/**
 * Features whose faults only ever raise them: a leak, an overheat, a surge, a saturation.
 * A reading below its baseline is no fault of these, and below it is exactly where a host
 * reads the day after an incident (the incident lifted that hour's baseline), so their z
 * counts only upwards: point score, forest and shift sums alike. Other features (a NAB
 * series' `value`) count both ways.
 */
export const RAISED_BY_FAULTS: ReadonlySet<string> = new Set<Metric>(['cpu_pct', 'mem_pct', 'temp_c', 'power_w']);
/**
 * Share of training readings taken as anomalous: sets the thresholds. The original model used
 * 0.01 on a handful of readings; at one reading per host per minute that flags ~14 a day per
 * host, so Pulse defaults to 0.001 (see the `pulse eval` figures in bench/RESULTS.md).
 */
export const DEFAULT_CONTAMINATION = 0.001;
/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;
/** Training readings a host needs in the sample before it gets a |z| threshold of its own. */
export const MIN_HOST_SAMPLE = 200;
/** The least |z| threshold a host gets: a few thousand quiet readings understate how far normal noise wanders. */
export const MIN_HOST_Z = 5;
/** Robust |z| some metric must reach before the isolation score alone can call a reading anomalous. */
export const MIN_ISOLATED_Z = 3;
/**
 * |z| is bounded here so that it stays finite where a scale is tiny (a disk idle most of the
 * time): far above any threshold a host's own training readings can set, so no threshold
 * saturates at the bound (at 1,000 a bursty host's threshold became the bound itself).
 */
export const MAX_Z = 1e12;
/** Training readings a baseline needs before it judges: 20 per hour of day, as the hour-of-day cells need them. */
export const MIN_TRAINING_READINGS = 24 * 20;
/** |z| a reading is held to when its hour of day reached its value on at least two training days. */
export const RECURRING_Z = 2;
/**
 * How far past that range (as a share of its distance from the median) still counts as the same
 * habit: such events vary in size. Chosen on NAB (score 39.1 / 44.5 / 42.0 / 40.2 at 1 / 1.25 /
 * 1.5 / 2; the generated history is the same at each).
 */
export const RECURRING_MARGIN = 1.25;

export interface Spread {
  median: number; scale: number;
  /** Host and region baselines: training readings behind them (absent in format 1: taken as enough). */
  readings?: number;
  /** Hour cells: the range this hour reached on at least two training days (absent with fewer than three days, and in format 1). */
  lo?: number; hi?: number;
}

export interface FeatureBaseline extends Spread {
  /** By UTC hour of day; null where that hour had too few readings to trust. */
  hours: (Spread | null)[];
  /** A long run of one unchanged value in training (99.9th percentile of run lengths), in readings. */
  longRun: number;
  /** Range seen in training: a sensor resting at its limit (CPU at 0 %) is clamped, not stuck; beyond it, a record (anomaly-record.ts). */
  min: number;
  max: number;
  /** Training days with readings of this feature (absent in models trained before records were judged: no records then). */
  days?: number;
}

export interface AnomalyModel {
  format: typeof ANOMALY_MODEL_FORMAT;
  features: string[];
  /** Trained on readings before this instant (ISO). */
  trainedThrough: string;
  trainingRows: number;
  /** Per host (key: entityKey), one entry per feature. */
  hosts: Record<string, (FeatureBaseline | null)[]>;
  /** Per region, for hosts the model has not seen yet. */
  regions: Record<string, (Spread | null)[]>;
  forest: IsolationForest;
  /** Isolation scores above this are anomalous (the 1 − contamination quantile in training). */
  isolationThreshold: number;
  /** So are robust |z| above this (likewise calibrated): the forest alone cannot tell z = 5 from z = 50. */
  zThreshold: number;
  /** Per host (key: entityKey), where its sample was large enough; zThreshold elsewhere. */
  zThresholds: Record<string, number>;
  contamination: number;
  /** Per host (key: entityKey): features judged by what another predicts (format 2; absent in format 1). */
  conditioning?: Record<string, Conditioning[]>;
}

/** Score 1 is the model's threshold; an anomaly alert resolves once the score drops below this. */
export const ANOMALY_CLEAR_BELOW = 0.75;
/** A reading this many times over the threshold fires at once: a lone spike is an anomaly too. */
export const ANOMALY_SEVERE = 2;

export interface AnomalyScore {
  /**
   * How far past the model's threshold the reading is: the larger of its isolation score and
   * its largest robust |z|, each over its threshold (and a stuck run over its limit), so 1 is
   * the threshold whichever part spoke. Below 1 is normal.
   */
  score: number;
  /** The forest's score in (0, 1], or null where no metric deviated enough to consult it. */
  isolation: number | null;
  /** The feature that deviated most (largest |z|), or the stuck one. */
  metric: string | null;
  z: number | null;
  reason: 'isolation' | 'flatline' | 'shift' | 'record';
}

export const entityKey = (region: string, host: string) => `${region}/${host}`;
export const utcHour = (ts: number) => Math.floor((((ts % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);

/**
 * How long a sensor normally repeats itself: the 99.9th percentile (discrete) of the lengths
 * of its runs of one unchanged value among `values[from, to)` in time order, NaN (no reading
 * of the metric) skipped. Null when there is no value at all.
 */
export function longRunOf(values: Float64Array, from: number, to: number): number | null {
  const runs: number[] = [];
  let previous = Number.NaN;
  let run = 0;
  for (let i = from; i < to; i += 1) {
    const value = values[i] as number;
    if (value !== value) continue;
    if (run > 0 && value === previous) {
      run += 1;
      continue;
    }
    if (run > 0) runs.push(run);
    run = 1;
    previous = value;
  }
  if (run > 0) runs.push(run);
  return runs.length === 0 ? null : sortedQuantile(runs.sort((a, b) => a - b), 0.999);
}

/** The fewest readings in a row with one value that can make a stuck sensor. */
export const MIN_FLATLINE_RUN = 6;
/** Readings in a row with one value before a sensor counts as stuck: twice its long runs in training, at least MIN_FLATLINE_RUN. */
export function flatlineRunLength(longRun: number): number {
  return Math.max(MIN_FLATLINE_RUN, 2 * longRun);
}

/** A model ready to score: the forest compiled once, run lengths derived once. */
export class AnomalyScorer {
  readonly model: AnomalyModel;
  readonly version: number | null;
  private readonly forest: CompiledForest;
  private readonly row: Float64Array;
  /** By feature: whether only a z above 0 counts (RAISED_BY_FAULTS). */
  private readonly upwardOnly: boolean[];
  private readonly entities = new Map<string, Map<string, Entity>>();
  private shiftUnit = 1;
  /** The host asked about last: readings come host by host, so most lookups are this one. */
  private last: { region: string; host: string; entity: Entity } | null = null;

  constructor(model: AnomalyModel, version: number | null = null) {
    const check = checkAnomalyModel(model);
    if (!check.ok) throw new PulseError('MODEL_INVALID', check.reason);
    this.model = model;
    this.version = version;
    this.forest = compileForest(model.forest);
    this.row = new Float64Array(model.features.length);
    this.upwardOnly = model.features.map((f) => RAISED_BY_FAULTS.has(f));
  }

  /** What the model knows of one host, resolved once per host rather than per feature and reading. */
  private entity(region: string, host: string): Entity {
    const last = this.last;
    if (last !== null && last.host === host && last.region === region) return last.entity;
    // By region, then host: the speed layer's readings interleave hosts, and building the key string for each cost more than scoring.
    let byHost = this.entities.get(region);
    if (!byHost) this.entities.set(region, (byHost = new Map()));
    let entity = byHost.get(host);
    if (!entity) {
      const key = entityKey(region, host);
      const hosts = this.model.hosts[key] ?? null;
      const zThreshold = this.model.zThresholds[key] ?? this.model.zThreshold;
      const conditioning = this.model.conditioning?.[key] ?? [];
      entity = {
        hosts, region: this.model.regions[region] ?? null, zThreshold, conditioning,
        conditioned: this.model.features.map((_, i) => conditioning.some((c) => c.feature === i)), shiftUnit: Math.max(1, zThreshold / DRIFT_LIMIT),
      };
      byHost.set(host, entity);
    }
    if (last === null) this.last = { region, host, entity };
    else {
      last.region = region;
      last.host = host;
      last.entity = entity;
    }
    return entity;
  }

  /** Robust z of each feature into `out` (0 where unknown); returns the most deviating feature. */
  standardize(region: string, host: string, ts: number, values: readonly (number | null)[], out: Float64Array): { index: number; z: number } | null {
    const index = this.standardizeFor(this.entity(region, host), ts, values, out);
    return index < 0 ? null : { index, z: out[index] as number };
  }

  /** Fills `out` (0 where unknown) and returns the index of the most deviating feature, -1 if none had a z: every reading runs this, so it allocates nothing. */
  private standardizeFor(entity: Entity, ts: number, values: readonly (number | null)[], out: Float64Array): number {
    const hour = utcHour(ts);
    let worst = -1;
    let worstAbs = -1;
    for (let i = 0; i < out.length; i += 1) {
      const signed = this.featureZ(entity, hour, i, values);
      const z = signed !== null && this.upwardOnly[i] && signed < 0 ? 0 : signed;
      out[i] = z ?? 0;
      if (z !== null && Math.abs(z) > worstAbs) {
        worst = i;
        worstAbs = Math.abs(z);
      }
    }
    return worst;
  }

  /** One feature's robust z, or null where neither the reading nor a baseline allows one. */
  private featureZ(entity: Entity, hour: number, i: number, values: readonly (number | null)[]): number | null {
    const value = values[i];
    if (value === null || value === undefined) return null;
    for (const c of entity.conditioning) {
      if (c.feature !== i) continue;
      const z = conditionedZ(c, values);
      if (z !== null) return Math.max(-MAX_Z, Math.min(MAX_Z, z));
    }
    const baseline = entity.hosts?.[i];
    const region = entity.region?.[i] ?? null;
    const spread = baseline && trained(baseline) ? (baseline.hours[hour] ?? baseline) : region && trained(region) ? region : null;
    if (!spread) return null;
    const z = Math.max(-MAX_Z, Math.min(MAX_Z, (value - spread.median) / spread.scale));
    // Within (a margin of) what this hour reached on two training days: a recurring event, not a point anomaly.
    const recurring = spread.hi !== undefined && spread.lo !== undefined
      && value <= spread.median + RECURRING_MARGIN * (spread.hi - spread.median) && value >= spread.median - RECURRING_MARGIN * (spread.median - spread.lo);
    return recurring ? Math.max(-RECURRING_Z, Math.min(RECURRING_Z, z)) : z;
  }

  /** Robust z of feature `i` of the reading scored last (score() leaves them here; stepAnomaly reads them at once). */
  lastZ(i: number): number {
    return this.row[i] as number;
  }

  /** lastZ in the shift sums' units: σ, scaled down for a host whose |z| threshold is above their limit (one ordinary reading of its tail would be a shift). */
  lastShiftZ(i: number): number {
    return (this.row[i] as number) / this.shiftUnit;
  }

  score(region: string, host: string, ts: number, values: readonly (number | null)[]): AnomalyScore {
    const entity = this.entity(region, host);
    const worst = this.standardizeFor(entity, ts, values, this.row);
    this.shiftUnit = entity.shiftUnit;
    const z = worst < 0 ? null : (this.row[worst] as number);
    const deviation = Math.abs(z ?? 0);
    // The forest may flag an unusual combination, but only where some metric is off by 3σ or
    // more: alone it fires on unremarkable points at the edge of the training cloud. Below
    // 2.25σ its part could not reach the clear level (0.75) either, so it is not consulted:
    // most readings skip the 100 tree walks.
    const isolation = deviation >= MIN_ISOLATED_Z * ANOMALY_CLEAR_BELOW ? compiledScore(this.forest, this.row) : null;
    const isolated = isolation === null ? 0 : Math.min(isolation / this.model.isolationThreshold, deviation / MIN_ISOLATED_Z);
    const score = Math.max(isolated, deviation / entity.zThreshold);
    const record = entity.hosts ? strongestRecord(entity.hosts, values, this.upwardOnly, trained, entity.conditioned) : null;
    if (record !== null && record.score > score) return { score: record.score, isolation, metric: this.model.features[record.index] as string, z: this.row[record.index] as number, reason: 'record' };
    return { score, isolation, metric: worst < 0 ? null : (this.model.features[worst] as string), z, reason: 'isolation' };
  }

  /** Readings in a row with this unchanged value that mark this host's feature as stuck. */
  runLength(region: string, host: string, feature: number, value: number | null): number {
    const baseline = this.entity(region, host).hosts?.[feature];
    if (!baseline || !trained(baseline) || value === null || value <= baseline.min || value >= baseline.max) return Number.POSITIVE_INFINITY;
    return flatlineRunLength(baseline.longRun);
  }
}

interface Entity {
  hosts: (FeatureBaseline | null)[] | null; region: (Spread | null)[] | null; zThreshold: number; conditioning: Conditioning[];
  /** By feature: whether a conditioned line judges it (resolved once per host, not per reading). */
  conditioned: boolean[];
  shiftUnit: number;
}

/** Whether a baseline rests on enough readings to judge (format 1 kept no count: yes). */
const trained = (spread: Spread) => (spread.readings ?? MIN_TRAINING_READINGS) >= MIN_TRAINING_READINGS;

/** The q-quantile (discrete, upper) of ascending `sorted`; 1 when empty. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 1;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at] as number;
}
