// Training the anomaly model from silver: DuckDB computes the robust baselines (median and
// MAD per host, metric and UTC hour, per host, per region) and how often each sensor repeats
// its previous value; a deterministic sample of standardized readings then trains the forest
// (telemetry/anomaly.ts). The same function trains for the batch run and for `pulse eval`.

import {
  ANOMALY_FEATURES, assembleModel, entityKey, longRunOf, MAD_TO_SIGMA, type AnomalyModel, type FeatureBaseline, type Spread, type TrainingSample,
} from '../telemetry/index.ts';
import { sqlIdentifier as ident, type Duck } from './duck.ts';

export interface TrainingOptions {
  /** A DuckDB table or view with event_id, ts_ms, region, host_id and the feature columns (silver). */
  table?: string;
  features?: readonly string[];
  /** Train on readings strictly before this instant (epoch ms)… */
  before: number;
  /** …and no older than this (default: 7 days — a week of recent normal, at a cost bounded however long the history). */
  windowMs?: number;
  contamination?: number;
  seed?: number;
  /** Readings sampled for the forest and the thresholds (default: 2,000 per host, at most 300,000). */
  sampleRows?: number;
}

/** Readings an hour-of-day cell needs before its own median is trusted over the host's. */
const MIN_HOUR_READINGS = 10;
const MIN_HOST_READINGS = 30;
const TRAINING_WINDOW_MS = 7 * 86_400_000;
/** Run lengths are a local property: the last day shows them, at a bounded cost however long the history. */
const RUN_WINDOW_MS = 86_400_000;

const nullIfNaN = (v: number): number | null => (v === v ? v : null);

interface HostRun { region: string; host: string; key: string; from: number; to: number }

/** The hosts of `rows` in (region, host) order, each with the range of positions its rows take in that order. */
async function hostRuns(duck: Duck, rows: string): Promise<HostRun[]> {
  const hosts = await duck.rows<{ region: string; host_id: string; n: bigint }>(`SELECT region, host_id, count(*) AS n FROM ${rows} GROUP BY 1, 2 ORDER BY 1, 2`);
  let at = 0;
  return hosts.map((h) => {
    const from = at;
    at += Number(h.n);
    return { region: h.region, host: h.host_id, key: entityKey(h.region, h.host_id), from, to: at };
  });
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

interface SpreadRow { region: string; host_id: string | null; h: number | null; [column: string]: unknown }

function spreadOf(row: SpreadRow, i: number, floor: number): Spread | null {
  const median = num(row[`med_${i}`]);
  const mad = num(row[`mad_${i}`]);
  if (median === null || mad === null) return null;
  return { median, scale: Math.max(MAD_TO_SIGMA * mad, floor) };
}

/** The model, or null when there is nothing before `before` to learn from. */
export async function trainAnomalyModel(duck: Duck, options: TrainingOptions): Promise<AnomalyModel | null> {
  const table = options.table ?? 'silver';
  const features = [...(options.features ?? ANOMALY_FEATURES)];
  const since = Math.trunc(options.before - (options.windowMs ?? TRAINING_WINDOW_MS));
  const base = `(SELECT event_id, ts_ms, region, host_id, hour(epoch_ms(ts_ms)) AS h, ${features.map(ident).join(', ')}
    FROM ${table} WHERE ts_ms < ${Math.trunc(options.before)} AND ts_ms >= ${since})`;
  const stats = features.map((f, i) => `count(${ident(f)}) AS n_${i}, median(${ident(f)}) AS med_${i}, mad(${ident(f)}) AS mad_${i},
    min(${ident(f)}) AS lo_${i}, max(${ident(f)}) AS hi_${i}`).join(', ');
  const spreads = await duck.rows<SpreadRow>(`SELECT region, host_id, h, count(*) AS rows, ${stats} FROM ${base}
    GROUP BY GROUPING SETS ((region, host_id, h), (region, host_id), (region))`);
  // Runs of one unchanged value, per host and feature: how long a sensor normally repeats
  // itself. (A day suffices; the sort this needs is the most expensive step of training.)
  const lastDay = `${base} WHERE ts_ms >= ${Math.trunc(options.before - RUN_WINDOW_MS)}`;
  const runHosts = await hostRuns(duck, lastDay);
  const runColumns = await duck.doubles(`SELECT ${features.map((f) => `${ident(f)}::DOUBLE AS ${ident(f)}`).join(', ')} FROM ${lastDay} ORDER BY region, host_id, ts_ms, event_id`);
  const longRuns = new Map<string, number>();
  for (const run of runHosts) {
    features.forEach((f) => {
      const long = longRunOf(runColumns[f] as Float64Array, run.from, run.to);
      if (long !== null) longRuns.set(`${run.key}\u0000${f}`, long);
    });
  }
  const regionRows = spreads.filter((r) => r.host_id === null);
  const trainingRows = regionRows.reduce((sum, r) => sum + Number(r.rows), 0);
  if (trainingRows === 0) return null;
  const regions: AnomalyModel['regions'] = {};
  for (const row of regionRows) regions[row.region] = features.map((_, i) => spreadOf(row, i, 1e-3));

  const hosts: AnomalyModel['hosts'] = {};
  const hostRows = spreads.filter((r) => r.host_id !== null && r.h === null);
  const hourRows = new Map<string, SpreadRow[]>();
  for (const row of spreads.filter((r) => r.h !== null)) {
    const key = entityKey(row.region, row.host_id as string);
    const cells = hourRows.get(key) ?? [];
    cells.push(row);
    hourRows.set(key, cells);
  }
  for (const row of hostRows) {
    const key = entityKey(row.region, row.host_id as string);
    hosts[key] = features.map((_, i): FeatureBaseline | null => {
      if ((num(row[`n_${i}`]) ?? 0) < MIN_HOST_READINGS) return null;
      const median = num(row[`med_${i}`]) as number;
      // A host whose sensor barely moves still needs a scale: 1 % of its level, at least 0.001.
      const overall = spreadOf(row, i, Math.max(1e-3, 0.01 * Math.abs(median))) as Spread;
      const hours: (Spread | null)[] = new Array<Spread | null>(24).fill(null);
      for (const cell of hourRows.get(key) ?? []) {
        if ((num(cell[`n_${i}`]) ?? 0) >= MIN_HOUR_READINGS) hours[cell.h as number] = spreadOf(cell, i, 1.0 * overall.scale);
      }
      return {
        ...overall, hours, longRun: longRuns.get(`${key}\u0000${features[i]}`) ?? 1, min: num(row[`lo_${i}`]) as number, max: num(row[`hi_${i}`]) as number,
      };
    });
  }

  // A deterministic sample: rows whose id hashes below a cut, no sort needed (~2,000 per host, at most 300,000).
  const wanted = Math.min(options.sampleRows ?? 300_000, 2_000 * Math.max(1, hostRows.length));
  const cut = Math.min(1, wanted / trainingRows);
  // Read as columns (a few hundred thousand row objects would cost seconds), in a fixed order:
  // the forest draws its samples by position, and parallel scans return rows in any order.
  const sampledRows = `${base} WHERE hash(event_id || ${Math.trunc(options.seed ?? 42)}::VARCHAR) % 1000000 < ${Math.ceil(cut * 1_000_000)}`;
  const sampleHosts = await hostRuns(duck, sampledRows);
  const sampled = await duck.doubles(`SELECT ts_ms::DOUBLE AS ts_ms, ${features.map((f) => `${ident(f)}::DOUBLE AS ${ident(f)}`).join(', ')}
    FROM ${sampledRows} ORDER BY region, host_id, ts_ms, event_id`);
  const featureColumns = features.map((f) => sampled[f] as Float64Array);
  const sample: TrainingSample[] = [];
  for (const run of sampleHosts) {
    for (let i = run.from; i < run.to; i += 1) {
      sample.push({ region: run.region, host: run.host, ts: sampled.ts_ms?.[i] as number, values: featureColumns.map((c) => nullIfNaN(c[i] as number)) });
    }
  }
  return assembleModel({ features, trainedThrough: options.before, trainingRows, hosts, regions }, sample, {
    ...(options.contamination !== undefined ? { contamination: options.contamination } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}
