// Scoring a dataset the way Pulse runs live: the batch layer retrains on everything before
// each day boundary, and the speed layer scores the following day's readings in time order
// with that model, carrying each host's detector state across model refreshes.

import { profileFromTable, sqlIdentifier as ident, trainAnomalyModel, type Duck } from '../batch/index.ts';
import { AnomalyScorer, entityKey, initialAnomalyState, stepAnomaly, type DayProfile, type HostAnomalyState } from '../telemetry/index.ts';
import type { Detection } from './windows.ts';

export interface WalkForwardOptions {
  table: string;
  features: readonly string[];
  /** Readings in a row above the threshold before an anomaly alert fires (as the speed layer). */
  forReadings: number;
  /** Time before the first scored reading, used only for training. */
  warmupMs: number;
  retrainEveryMs: number;
  contamination?: number;
  seed?: number;
  onStep?: (step: { from: number; to: number; scored: number; detections: number }) => void;
  /** Every scored reading in time order per host: its score, and whether an anomaly alert fired on it. */
  onReading?: (reading: { entity: string; ts: number; score: number; fired: boolean }) => void;
}

export interface WalkForwardResult { detections: Detection[]; scored: number; from: number; to: number; models: number }

export async function walkForward(duck: Duck, options: WalkForwardOptions): Promise<WalkForwardResult> {
  const [range] = await duck.rows<{ lo: bigint | null; hi: bigint | null }>(`SELECT min(ts_ms) AS lo, max(ts_ms) AS hi FROM ${options.table}`);
  const first = Number(range?.lo ?? 0);
  const last = Number(range?.hi ?? 0);
  // Scoring starts on the boundary after the warm-up, counted from the start of the first reading's period.
  const step = options.retrainEveryMs;
  const start = Math.floor(first / step) * step + Math.ceil(options.warmupMs / step) * step;
  const states = new Map<string, HostAnomalyState>();
  const detections: Detection[] = [];
  let scored = 0;
  let models = 0;
  // Each day is profiled once, however many models train on it (as the batch layer keeps them).
  const profiles = new Map<number, DayProfile>();
  const profileOf = async (day: number) => {
    const known = profiles.get(day) ?? await profileFromTable(duck, options.table, day, options.features);
    profiles.set(day, known);
    return known;
  };
  for (let from = start; from <= last; from += options.retrainEveryMs) {
    const to = from + options.retrainEveryMs;
    const model = await trainAnomalyModel(duck, {
      table: options.table, features: options.features, before: from, profileOf,
      ...(options.contamination !== undefined ? { contamination: options.contamination } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    if (!model) continue;
    models += 1;
    const scorer = new AnomalyScorer(model, models);
    const rows = await duck.rows<Record<string, unknown>>(`SELECT region, host_id, ts_ms, ${options.features.map(ident).join(', ')}
      FROM ${options.table} WHERE ts_ms >= ${from} AND ts_ms < ${to} ORDER BY region, host_id, ts_ms`);
    const before = detections.length;
    for (const row of rows) {
      const region = row.region as string;
      const host = row.host_id as string;
      const key = entityKey(region, host);
      const ts = Number(row.ts_ms);
      const values = options.features.map((f) => (row[f] === null || row[f] === undefined ? null : Number(row[f])));
      const stepped = stepAnomaly(scorer, states.get(key) ?? initialAnomalyState(options.features.length), { region, host, ts, values }, options.forReadings);
      states.set(key, stepped.state);
      const fired = stepped.change?.type === 'fired';
      if (fired) detections.push({ entity: key, at: stepped.change!.at, ...stepped.score });
      options.onReading?.({ entity: key, ts, score: stepped.score.score, fired });
    }
    scored += rows.length;
    options.onStep?.({ from, to, scored: rows.length, detections: detections.length - before });
  }
  return { detections, scored, from: start, to: last + 1, models };
}
