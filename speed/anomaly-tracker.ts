// Anomaly scoring in the speed layer: every new reading is scored with the newest model the
// batch layer published (loaded at start and again when a watermark NOTIFY names a newer
// version, so no restart), anomalous readings are kept in anomaly_points, and each host's
// anomaly alert steps through the same pending/firing/resolved lifecycle as threshold alerts.
// Like AlertTracker, planning works on copies adopted only once the transaction commits.

import type { Pool, PoolClient } from '../infra/index.ts';
import {
  advanceAnomaly, ANOMALY_RULE, AnomalyScorer, cloneAnomalyState, INACTIVE, initialAnomalyState, type AnomalyModel, type AnomalyScore, type HostAnomalyState, type Metric,
  type TelemetryRecord,
} from '../telemetry/index.ts';
import type { AlertOp } from './alert-tracker.ts';

export interface AnomalyPoint { record: TelemetryRecord; score: AnomalyScore }
export interface AnomalyPlan { ops: AlertOp[]; points: AnomalyPoint[]; states: Map<string, HostAnomalyState>; scored: number }

const keyOf = (region: string, host: string) => `${region}\u0000${host}`;
const EMPTY_PLAN: AnomalyPlan = Object.freeze({ ops: [], points: [], states: new Map(), scored: 0 });

export async function loadNewestModel(pool: Pick<Pool, 'query'>): Promise<AnomalyScorer | null> {
  const result = await pool.query<{ version: string; model: AnomalyModel }>('SELECT version, model FROM anomaly_models ORDER BY version DESC LIMIT 1');
  const row = result.rows[0];
  return row ? new AnomalyScorer(row.model, Number(row.version)) : null;
}

export class AnomalyTracker {
  private scorer: AnomalyScorer | null = null;
  private readonly states = new Map<string, HostAnomalyState>();
  private readonly forReadings: number;

  constructor(forReadings: number) {
    this.forReadings = forReadings;
  }

  get modelVersion(): number | null {
    return this.scorer?.version ?? null;
  }

  /** Score with this model from now on; host states carry over unless the features changed. */
  use(scorer: AnomalyScorer | null): void {
    if (scorer && this.scorer && scorer.model.features.join() !== this.scorer.model.features.join()) this.states.clear();
    this.scorer = scorer;
  }

  /** Adopt the anomaly alerts already firing (at start and after a rebalance). */
  async load(client: Pick<PoolClient, 'query'>): Promise<void> {
    const firing = await client.query<{ region: string; host_id: string; peak_value: number; opened_at: Date }>(
      `SELECT region, host_id, peak_value, opened_at FROM alerts WHERE status = 'firing' AND kind = 'anomaly'`);
    for (const [key, state] of this.states) if (state.alert.phase === 'firing') this.states.set(key, { ...state, alert: INACTIVE });
    const features = this.scorer?.model.features.length ?? 0;
    for (const row of firing.rows) {
      const key = keyOf(row.region, row.host_id);
      const state = this.states.get(key) ?? initialAnomalyState(features);
      this.states.set(key, { ...state, alert: { phase: 'firing', breaches: 0, since: row.opened_at.getTime(), peak: row.peak_value } });
    }
  }

  plan(records: readonly TelemetryRecord[]): AnomalyPlan {
    const scorer = this.scorer;
    if (!scorer || records.length === 0) return EMPTY_PLAN;
    const features = scorer.model.features as Metric[];
    // Each host's state is copied on its first reading in the plan and then advanced in
    // place: the committed states stay as they were until commit (a retried batch must not
    // advance a host twice), and a host's later readings copy nothing.
    const planned = new Map<string, Map<string, HostAnomalyState>>();
    const states = new Map<string, HostAnomalyState>();
    const ops: AlertOp[] = [];
    const points: AnomalyPoint[] = [];
    const values: (number | null)[] = features.map(() => null);
    const reading = { region: '', host: '', ts: 0, values };
    for (const record of records) {
      let byHost = planned.get(record.region);
      if (!byHost) planned.set(record.region, (byHost = new Map()));
      let state = byHost.get(record.host_id);
      if (!state) {
        const key = keyOf(record.region, record.host_id);
        state = cloneAnomalyState(this.states.get(key) ?? initialAnomalyState(features.length), features.length);
        byHost.set(record.host_id, state);
        states.set(key, state);
      }
      for (let f = 0; f < features.length; f += 1) values[f] = record[features[f] as Metric] ?? null;
      reading.region = record.region;
      reading.host = record.host_id;
      reading.ts = record.ts;
      const { score, change, silenced } = advanceAnomaly(scorer, state, reading, this.forReadings);
      if (score.score >= 1) points.push({ record, score });
      if (silenced) ops.push({ region: record.region, host_id: record.host_id, kind: 'anomaly', change: silenced, rule: { ...ANOMALY_RULE, metric: features[0] as Metric, severity: 'warning' } });
      if (change) {
        ops.push({
          region: record.region, host_id: record.host_id, kind: 'anomaly', change,
          rule: { ...ANOMALY_RULE, metric: (score.metric ?? features[0]) as Metric, severity: 'warning' },
          detail: { score: round(score.score), metric: score.metric, z: score.z === null ? null : round(score.z), reason: score.reason, model_version: scorer.version },
        });
      }
    }
    return { ops, points, states, scored: records.length };
  }

  commit(plan: AnomalyPlan): void {
    for (const [key, state] of plan.states) this.states.set(key, state);
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

const INSERT_POINTS_SQL = `
INSERT INTO anomaly_points (event_id, ts, region, host_id, score, metric, value, z, reason, model_version)
SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::float8[], $8::float8[], $9::text[], $10::bigint[])
ON CONFLICT (event_id) DO NOTHING`;

/** Keep the readings that scored as anomalous, for the dashboard's marks. */
export async function storeAnomalyPoints(client: PoolClient, points: readonly AnomalyPoint[], modelVersion: number | null): Promise<void> {
  if (points.length === 0) return;
  const valueOf = (p: AnomalyPoint) => (p.score.metric && p.score.metric in p.record ? p.record[p.score.metric as Metric] : null);
  await client.query(INSERT_POINTS_SQL, [
    points.map((p) => p.record.event_id), points.map((p) => new Date(p.record.ts).toISOString()), points.map((p) => p.record.region),
    points.map((p) => p.record.host_id), points.map((p) => p.score.score), points.map((p) => p.score.metric), points.map(valueOf),
    points.map((p) => p.score.z), points.map((p) => p.score.reason), points.map(() => modelVersion ?? 0),
  ]);
}
