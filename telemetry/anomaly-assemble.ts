// Assembling an anomaly model from its baselines and a training sample (the batch layer and
// `pulse eval` call this): each host's conditioned lines, the Isolation Forest over the sample
// standardized, and thresholds calibrated so that `contamination` of the sample exceeds each.

import { fitIsolationForest, compileForest, compiledScore } from './isolation-forest.ts';
import { conditionedPairs, fitConditioning, type Conditioning } from './anomaly-conditioning.ts';
import {
  ANOMALY_MODEL_FORMAT, AnomalyScorer, DEFAULT_CONTAMINATION, entityKey, MIN_HOST_SAMPLE, MIN_HOST_Z, sortedQuantile, type AnomalyModel,
} from './anomaly.ts';

const ISOLATION_CALIBRATION_ROWS = 20_000;
const round = (v: number) => Math.round(v * 1e6) / 1e6;

export interface TrainingSample { region: string; host: string; ts: number; values: (number | null)[] }

export interface ModelParts {
  features: string[];
  trainedThrough: number;
  trainingRows: number;
  hosts: AnomalyModel['hosts'];
  regions: AnomalyModel['regions'];
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
  const conditioning = fitHostConditioning(parts.features, sample);
  if (Object.keys(conditioning).length > 0) draft.conditioning = conditioning;
  const scorer = new AnomalyScorer(draft);
  // Each sample row standardized, and its largest |z| kept per host (the sample comes host by host).
  const byHost = new Map<string, HostSample>();
  let current: { region: string; host: string; list: number[] } | null = null;
  const rows = sample.map((s) => {
    const row = new Float64Array(parts.features.length);
    const worst = Math.abs(scorer.standardize(s.region, s.host, s.ts, s.values, row)?.z ?? 0);
    if (current === null || current.host !== s.host || current.region !== s.region) {
      const key = entityKey(s.region, s.host);
      current = { region: s.region, host: s.host, list: byHost.get(key)?.list ?? [] };
      byHost.set(key, { region: s.region, list: current.list });
    }
    current.list.push(worst);
    return row;
  });
  const forest = fitIsolationForest(rows, { trees: options.trees ?? 100, sampleSize: 256, seed: options.seed ?? 42 });
  const compiled = compileForest(forest);
  // The isolation threshold from an evenly strided 20,000 of them: a quantile needs no more, and scoring is 100 tree walks each.
  const stride = Math.max(1, Math.floor(rows.length / ISOLATION_CALIBRATION_ROWS));
  const scores = Float64Array.from(rows.filter((_, i) => i % stride === 0), (row) => compiledScore(compiled, row)).sort();
  const { fleetZ, zThresholds } = hostZThresholds(byHost, contamination);
  return {
    ...draft, forest, zThresholds,
    isolationThreshold: round(sortedQuantile(scores, 1 - contamination)),
    zThreshold: round(fleetZ),
  };
}

interface HostSample { region: string; list: number[] }

/**
 * Hosts differ in how heavy their tails are (a disk that bursts vs a steady CPU): each gets the
 * |z| its own training readings exceed with the contamination share, from at least 200 of them;
 * from fewer than 1 / contamination, their largest: a few days of a heavy tail understate it.
 * Never above its region's (a host whose week held an incident is not excused the next one),
 * and never below MIN_HOST_Z. The cap is its region's, not the fleet's: where regions hold
 * different kinds of series (each NAB file is one), a bursty disk capped by steady CPUs'
 * tails would fire on every burst of its kind.
 */
function hostZThresholds(byHost: ReadonlyMap<string, HostSample>, contamination: number): { fleetZ: number; zThresholds: Record<string, number> } {
  const tailOf = (lists: readonly number[][]) => Math.max(MIN_HOST_Z, sortedQuantile(Float64Array.from(lists.flat()).sort(), 1 - contamination));
  const byRegion = new Map<string, number[][]>();
  for (const { region, list } of byHost.values()) {
    const lists = byRegion.get(region);
    if (lists) lists.push(list);
    else byRegion.set(region, [list]);
  }
  const regionZ = new Map([...byRegion].map(([region, lists]) => [region, tailOf(lists)]));
  const zThresholds: Record<string, number> = {};
  for (const [key, { region, list }] of byHost) {
    if (list.length < MIN_HOST_SAMPLE) continue;
    const own = sortedQuantile(Float64Array.from(list).sort(), 1 - Math.max(contamination, 1 / list.length));
    zThresholds[key] = round(Math.max(MIN_HOST_Z, Math.min(regionZ.get(region) as number, own)));
  }
  return { fleetZ: tailOf([...byHost.values()].map((h) => h.list)), zThresholds };
}

/** Per host, the lines of the pairs the features allow, where they explain enough (the sample comes host by host). */
function fitHostConditioning(features: readonly string[], sample: readonly TrainingSample[]): Record<string, Conditioning[]> {
  const pairs = conditionedPairs(features);
  const found: Record<string, Conditioning[]> = {};
  if (pairs.length === 0) return found;
  let from = 0;
  for (let i = 1; i <= sample.length; i += 1) {
    const first = sample[from] as TrainingSample;
    const next = sample[i];
    if (next && next.host === first.host && next.region === first.region) continue;
    const rows = sample.slice(from, i).map((s) => s.values);
    const lines = pairs.map((p) => fitConditioning(rows, p.feature, p.on)).filter((c): c is Conditioning => c !== null);
    if (lines.length > 0) found[entityKey(first.region, first.host)] = lines;
    from = i;
  }
  return found;
}
