// Training the anomaly model from silver: the robust baselines (median and MAD per host,
// metric and UTC hour, per host, per region) and how long each sensor repeats its value come
// from the window days' profiles (telemetry/anomaly-profile.ts); a deterministic sample of
// standardized readings then trains the forest (telemetry/anomaly.ts). The same function
// trains for the batch run and for `pulse eval`.

import { ANOMALY_FEATURES, assembleModel, baselinesOf, profileDay, type AnomalyModel, type DayProfile, type TrainingSample } from '../telemetry/index.ts';
import { sqlIdentifier as ident, type Duck } from './duck.ts';

export interface TrainingOptions {
  /** A DuckDB table or view with event_id, ts_ms, region, host_id and the feature columns (silver). */
  table?: string;
  features?: readonly string[];
  /** Train for the UTC day starting here (epoch ms, midnight UTC), on the 7 days before it: a week of recent normal, at a cost bounded however long the history. */
  before: number;
  /** Each window day's profile (null: no readings); by default computed from `table`. */
  profileOf?: (day: number) => Promise<DayProfile | null>;
  contamination?: number;
  seed?: number;
  /** Readings sampled for the forest and the thresholds (default: 2,000 per host, at most 300,000). */
  sampleRows?: number;
}

const DAY = 86_400_000;
const TRAINING_WINDOW_DAYS = 7;

const nullIfNaN = (v: number): number | null => (v === v ? v : null);

interface HostRun { region: string; host: string; from: number; to: number }

/** The hosts of `rows` in (region, host) order, each with the range of positions its rows take in that order. */
async function hostRuns(duck: Duck, rows: string): Promise<HostRun[]> {
  const hosts = await duck.rows<{ region: string; host_id: string; n: bigint }>(`SELECT region, host_id, count(*) AS n FROM ${rows} GROUP BY 1, 2 ORDER BY 1, 2`);
  let at = 0;
  return hosts.map((h) => {
    const from = at;
    at += Number(h.n);
    return { region: h.region, host: h.host_id, from, to: at };
  });
}

const asDoubles = (features: readonly string[]) => features.map((f) => `${ident(f)}::DOUBLE AS ${ident(f)}`).join(', ');

/** The profile of the UTC day starting at `day` of a table's readings (any table with region, host_id, ts_ms, event_id and the features). */
export async function profileFromTable(duck: Duck, table: string, day: number, features: readonly string[]): Promise<DayProfile> {
  const rows = `(SELECT * FROM ${table} WHERE ts_ms >= ${day} AND ts_ms < ${day + DAY})`;
  const hosts = await hostRuns(duck, rows);
  const columns = await duck.doubles(`SELECT ts_ms::DOUBLE AS ts_ms, ${asDoubles(features)} FROM ${rows} ORDER BY region, host_id, ts_ms, event_id`);
  return profileDay({ day, features, ts: columns.ts_ms ?? new Float64Array(), values: features.map((f) => columns[f] as Float64Array), hosts });
}

/**
 * The model of the day starting at `before`, trained on the 7 days before it, or null when
 * they hold nothing to learn from. The baselines come from the days' profiles (`profileOf`;
 * by default computed from `table`); a deterministic sample of the window's readings, no
 * sort of the window needed, trains the forest and calibrates the thresholds.
 */
export async function trainAnomalyModel(duck: Duck, options: TrainingOptions): Promise<AnomalyModel | null> {
  const table = options.table ?? 'silver';
  const features = [...(options.features ?? ANOMALY_FEATURES)];
  if (options.before % DAY !== 0) throw new TypeError(`a model is trained for a UTC day: ${new Date(options.before).toISOString()} is not midnight UTC`);
  const days = Array.from({ length: TRAINING_WINDOW_DAYS }, (_, i) => options.before - (TRAINING_WINDOW_DAYS - i) * DAY);
  const profileOf = options.profileOf ?? ((day: number) => profileFromTable(duck, table, day, features));
  const profiles: DayProfile[] = [];
  for (const day of days) { // one after another: they share the DuckDB connection
    const profile = await profileOf(day);
    if (profile !== null && profile.rows > 0) profiles.push(profile);
  }
  const baselines = baselinesOf(profiles, features, options.before);
  if (baselines.trainingRows === 0) return null;

  // A deterministic sample: rows whose id hashes below a cut (~2,000 per host, at most 300,000).
  const wanted = Math.min(options.sampleRows ?? 300_000, 2_000 * Math.max(1, Object.keys(baselines.hosts).length));
  const cut = Math.min(1, wanted / baselines.trainingRows);
  const sampledRows = `(SELECT * FROM ${table} WHERE ts_ms < ${options.before} AND ts_ms >= ${days[0]}
    AND hash(event_id || ${Math.trunc(options.seed ?? 42)}::VARCHAR) % 1000000 < ${Math.ceil(cut * 1_000_000)})`;
  // Read as typed columns in a fixed order: the forest draws its samples by position, and parallel scans return rows in any order.
  await duck.run(`CREATE OR REPLACE TEMP TABLE training_sample AS SELECT region, host_id, ts_ms, event_id, ${features.map(ident).join(', ')} FROM ${sampledRows}`);
  const sampleHosts = await hostRuns(duck, 'training_sample');
  const sampled = await duck.doubles(`SELECT ts_ms::DOUBLE AS ts_ms, ${asDoubles(features)} FROM training_sample ORDER BY region, host_id, ts_ms, event_id`);
  await duck.run('DROP TABLE training_sample');
  const featureColumns = features.map((f) => sampled[f] as Float64Array);
  const sample: TrainingSample[] = [];
  for (const run of sampleHosts) {
    for (let i = run.from; i < run.to; i += 1) {
      sample.push({ region: run.region, host: run.host, ts: sampled.ts_ms?.[i] as number, values: featureColumns.map((c) => nullIfNaN(c[i] as number)) });
    }
  }
  return assembleModel({ features, trainedThrough: options.before, ...baselines }, sample, {
    ...(options.contamination !== undefined ? { contamination: options.contamination } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}
