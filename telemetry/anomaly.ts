// What normal looks like, and how far a reading is from it. The batch layer learns robust
// baselines per host and metric by hour of day (median and MAD, so a nightly backup is
// normal at 2 am) and an Isolation Forest over readings standardized against them; the
// speed layer and `pulse eval` score every reading with these same functions. A sensor that
// repeats one value far longer than it ever did in training is anomalous too (stuck sensor),
// which no point-wise score can see.

import { INACTIVE, silenceAlert, stepAlert, type AlertChange, type AlertState } from './alerts.ts';
import { compileForest, compiledScore, fitIsolationForest, type CompiledForest, type IsolationForest } from './isolation-forest.ts';
import type { Metric } from './record.ts';

export const ANOMALY_MODEL_FORMAT = 'pulse-anomaly/1';
/** Metrics the fleet model standardizes and isolates (where a host reports them). */
export const ANOMALY_FEATURES: readonly Metric[] = ['cpu_pct', 'mem_pct', 'temp_c', 'power_w'];
/**
 * Share of training readings taken as anomalous: sets the thresholds. The original model used
 * 0.01 on a handful of readings; at one reading per host per minute that flags ~14 a day per
 * host, so Pulse defaults to 0.001 (see `pulse eval` figures in the README).
 */
export const DEFAULT_CONTAMINATION = 0.001;
/** 1.4826 × MAD estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;
const ISOLATION_CALIBRATION_ROWS = 20_000;
/** Training readings a host needs in the sample before it gets a |z| threshold of its own. */
export const MIN_HOST_SAMPLE = 200;
/** The least |z| threshold a host gets: a few thousand quiet readings understate how far normal noise wanders. */
export const MIN_HOST_Z = 5;
/** Robust |z| some metric must reach before the isolation score alone can call a reading anomalous. */
export const MIN_ISOLATED_Z = 3;

export interface Spread { median: number; scale: number }

export interface FeatureBaseline extends Spread {
  /** By UTC hour of day; null where that hour had too few readings to trust. */
  hours: (Spread | null)[];
  /** A long run of one unchanged value in training (99.9th percentile of run lengths), in readings. */
  longRun: number;
  /** Range seen in training: a sensor resting at its limit (CPU at 0 %) is clamped, not stuck. */
  min: number;
  max: number;
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
  reason: 'isolation' | 'flatline';
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
  return runs.length === 0 ? null : quantile(runs.sort((a, b) => a - b), 0.999);
}

/** Readings in a row with one value before a sensor counts as stuck: twice its long runs in training, at least 6. */
export function flatlineRunLength(longRun: number): number {
  return Math.max(6, 2 * longRun);
}

/** A model ready to score: the forest compiled once, run lengths derived once. */
export class AnomalyScorer {
  readonly model: AnomalyModel;
  readonly version: number | null;
  private readonly forest: CompiledForest;
  private readonly row: Float64Array;
  private readonly entities = new Map<string, Entity>();
  /** The host asked about last: readings come host by host, so most lookups are this one. */
  private last: { region: string; host: string; entity: Entity } | null = null;

  constructor(model: AnomalyModel, version: number | null = null) {
    if (model.format !== ANOMALY_MODEL_FORMAT) throw new TypeError(`unknown anomaly model format ${String(model.format)}`);
    this.model = model;
    this.version = version;
    this.forest = compileForest(model.forest);
    this.row = new Float64Array(model.features.length);
  }

  /** What the model knows of one host, resolved once per host rather than per feature and reading. */
  private entity(region: string, host: string): Entity {
    const last = this.last;
    if (last !== null && last.host === host && last.region === region) return last.entity;
    const key = entityKey(region, host);
    let entity = this.entities.get(key);
    if (!entity) {
      entity = { hosts: this.model.hosts[key] ?? null, region: this.model.regions[region] ?? null, zThreshold: this.model.zThresholds[key] ?? this.model.zThreshold };
      this.entities.set(key, entity);
    }
    this.last = { region, host, entity };
    return entity;
  }

  /** Robust z of each feature into `out` (0 where unknown); returns the most deviating feature. */
  standardize(region: string, host: string, ts: number, values: readonly (number | null)[], out: Float64Array): { index: number; z: number } | null {
    return this.standardizeFor(this.entity(region, host), ts, values, out);
  }

  private standardizeFor(entity: Entity, ts: number, values: readonly (number | null)[], out: Float64Array): { index: number; z: number } | null {
    const hour = utcHour(ts);
    let worst: { index: number; z: number } | null = null;
    for (let i = 0; i < out.length; i += 1) {
      const value = values[i];
      const baseline = entity.hosts?.[i];
      const spread = value === null || value === undefined ? null : baseline ? (baseline.hours[hour] ?? baseline) : (entity.region?.[i] ?? null);
      const z = spread === null ? 0 : Math.max(-1e3, Math.min(1e3, ((value as number) - spread.median) / spread.scale));
      out[i] = z;
      if (spread !== null && (worst === null || Math.abs(z) > Math.abs(worst.z))) worst = { index: i, z };
    }
    return worst;
  }

  score(region: string, host: string, ts: number, values: readonly (number | null)[]): AnomalyScore {
    const entity = this.entity(region, host);
    const worst = this.standardizeFor(entity, ts, values, this.row);
    const deviation = Math.abs(worst?.z ?? 0);
    // The forest may flag an unusual combination, but only where some metric is off by 3σ or
    // more: alone it fires on unremarkable points at the edge of the training cloud. Below
    // 2.25σ its part could not reach the clear level (0.75) either, so it is not consulted:
    // most readings skip the 100 tree walks.
    const isolation = deviation >= MIN_ISOLATED_Z * ANOMALY_CLEAR_BELOW ? compiledScore(this.forest, this.row) : null;
    const isolated = isolation === null ? 0 : Math.min(isolation / this.model.isolationThreshold, deviation / MIN_ISOLATED_Z);
    const score = Math.max(isolated, deviation / entity.zThreshold);
    return { score, isolation, metric: worst ? (this.model.features[worst.index] as string) : null, z: worst?.z ?? null, reason: 'isolation' };
  }

  /** Readings in a row with this unchanged value that mark this host's feature as stuck. */
  runLength(region: string, host: string, feature: number, value: number | null): number {
    const baseline = this.entity(region, host).hosts?.[feature];
    if (!baseline || value === null || value <= baseline.min || value >= baseline.max) return Number.POSITIVE_INFINITY;
    return flatlineRunLength(baseline.longRun);
  }
}

interface Entity { hosts: (FeatureBaseline | null)[] | null; region: (Spread | null)[] | null; zThreshold: number }

/** Anomaly alerts share the threshold alerts' lifecycle, on the score's scale. */
export const ANOMALY_RULE = { id: 'anomaly', fireAbove: 1, clearBelow: ANOMALY_CLEAR_BELOW } as const;

/** Where one host stands: its anomaly alert, and how long each feature has repeated. */
export interface HostAnomalyState { alert: AlertState; last: (number | null)[]; runs: number[]; lastSeen: number | null }

export function initialAnomalyState(features: number): HostAnomalyState {
  return { alert: INACTIVE, last: new Array<number | null>(features).fill(null), runs: new Array<number>(features).fill(0), lastSeen: null };
}

/**
 * One reading's effect: its score (a stuck feature outranks the forest), and the anomaly
 * alert stepped with the same pending/firing/resolved lifecycle as threshold alerts.
 * `silenced` is the resolution of an alert the host's silence before this reading ended.
 */
export function stepAnomaly(
  scorer: AnomalyScorer, state: HostAnomalyState, reading: { region: string; host: string; ts: number; values: readonly (number | null)[] }, forReadings: number,
): { state: HostAnomalyState; score: AnomalyScore; change: AlertChange | null; silenced: AlertChange | null } {
  // A host that fell silent ends its anomaly alert as it ends threshold alerts (alerts.ts).
  const silenced = silenceAlert(state.alert, state.lastSeen, reading.ts);
  const last = state.last.slice();
  const runs = state.runs.slice();
  let score = scorer.score(reading.region, reading.host, reading.ts, reading.values);
  for (let i = 0; i < reading.values.length; i += 1) {
    const value = reading.values[i] ?? null;
    runs[i] = value === null ? 0 : value === last[i] ? (runs[i] as number) + 1 : 1;
    last[i] = value;
    const stuck = (runs[i] as number) / scorer.runLength(reading.region, reading.host, i, value);
    if (stuck >= 1 && stuck > score.score) score = { ...score, score: stuck, metric: scorer.model.features[i] as string, z: 0, reason: 'flatline' };
  }
  const stepped = stepAlert(silenced.state, ANOMALY_RULE, score.score, reading.ts, score.score >= ANOMALY_SEVERE ? 1 : forReadings);
  const lastSeen = Math.max(state.lastSeen ?? Number.NEGATIVE_INFINITY, reading.ts);
  return { state: { alert: stepped.state, last, runs, lastSeen }, score, change: stepped.change, silenced: silenced.change };
}

export interface TrainingSample { region: string; host: string; ts: number; values: (number | null)[] }

export interface ModelParts {
  features: string[];
  trainedThrough: number;
  trainingRows: number;
  hosts: AnomalyModel['hosts'];
  regions: AnomalyModel['regions'];
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 1;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at] as number;
}

/**
 * Fit the forest on training readings standardized by the baselines, and set the threshold
 * so that `contamination` of them score above each.
 */
export function assembleModel(parts: ModelParts, sample: readonly TrainingSample[], options: { contamination?: number; seed?: number; trees?: number } = {}): AnomalyModel {
  const contamination = options.contamination ?? DEFAULT_CONTAMINATION;
  const draft: AnomalyModel = {
    format: ANOMALY_MODEL_FORMAT, features: parts.features, trainedThrough: new Date(parts.trainedThrough).toISOString(),
    trainingRows: parts.trainingRows, hosts: parts.hosts, regions: parts.regions, forest: { trees: [], sampleSize: 1, features: parts.features.length },
    isolationThreshold: 1, zThreshold: 1, zThresholds: {}, contamination,
  };
  const scorer = new AnomalyScorer(draft);
  // Each sample row standardized, and its largest |z| kept per host (the sample comes host by host).
  const byHost = new Map<string, number[]>();
  let current: { region: string; host: string; list: number[] } | null = null;
  const rows = sample.map((s) => {
    const row = new Float64Array(parts.features.length);
    const worst = Math.abs(scorer.standardize(s.region, s.host, s.ts, s.values, row)?.z ?? 0);
    if (current === null || current.host !== s.host || current.region !== s.region) {
      const key = entityKey(s.region, s.host);
      current = { region: s.region, host: s.host, list: byHost.get(key) ?? [] };
      byHost.set(key, current.list);
    }
    current.list.push(worst);
    return row;
  });
  const forest = fitIsolationForest(rows, { trees: options.trees ?? 100, sampleSize: 256, seed: options.seed ?? 42 });
  const compiled = compileForest(forest);
  // The isolation threshold from an evenly strided 20,000 of them: a quantile needs no more, and scoring is 100 tree walks each.
  const stride = Math.max(1, Math.floor(rows.length / ISOLATION_CALIBRATION_ROWS));
  const scores = Float64Array.from(rows.filter((_, i) => i % stride === 0), (row) => compiledScore(compiled, row)).sort();
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  // Hosts differ in how heavy their tails are (a disk that bursts vs a steady CPU): each gets the
  // |z| its own training readings exceed with the contamination share, from at least 200 of them.
  const all = Float64Array.from([...byHost.values()].flat()).sort();
  const fleetZ = Math.max(MIN_HOST_Z, quantile(all, 1 - contamination));
  const zThresholds: Record<string, number> = {};
  for (const [key, list] of byHost) {
    if (list.length < MIN_HOST_SAMPLE) continue;
    zThresholds[key] = round(Math.max(MIN_HOST_Z, Math.min(fleetZ, quantile(Float64Array.from(list).sort(), 1 - Math.max(contamination, 2 / list.length)))));
  }
  return {
    ...draft, forest, zThresholds,
    isolationThreshold: round(quantile(scores, 1 - contamination)),
    zThreshold: round(fleetZ),
  };
}
