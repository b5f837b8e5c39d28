// Threshold alerts evaluated per host with state (telemetry's stepAlert), persisted in
// PostgreSQL inside the batch's transaction and announced with NOTIFY. Planning works on
// a copy of the state, adopted only once the transaction commits, so a retried batch
// never advances an alert twice.

import { ALERTS_CHANNEL, type PoolClient } from '../infra/index.ts';
import { INACTIVE, stepAlert, THRESHOLD_RULES, type AlertChange, type AlertState, type TelemetryRecord, type ThresholdRule } from '../telemetry/index.ts';

export { ALERTS_CHANNEL };

interface AlertKey { region: string; host_id: string; rule: ThresholdRule }
export interface AlertOp extends AlertKey {
  change: AlertChange;
  /** Threshold alerts unless said otherwise; anomaly alerts carry their score and contributing metric in detail. */
  kind?: 'threshold' | 'anomaly';
  detail?: Record<string, unknown>;
}
export interface AlertPlan { ops: AlertOp[]; states: Map<string, AlertState> }

const keyOf = (region: string, host: string, rule: string) => `${region}\u0000${host}\u0000${rule}`;

export class AlertTracker {
  private readonly states = new Map<string, AlertState>();
  private readonly forReadings: number;

  constructor(forReadings: number) {
    this.forReadings = forReadings;
  }

  /** Adopt the alerts already firing in the database (at start and after a rebalance). */
  async load(client: Pick<PoolClient, 'query'>): Promise<number> {
    const firing = await client.query<{ region: string; host_id: string; rule: string; peak_value: number; opened_at: Date }>(
      `SELECT region, host_id, rule, peak_value, opened_at FROM alerts WHERE status = 'firing' AND kind = 'threshold'`);
    this.states.clear();
    for (const row of firing.rows) {
      this.states.set(keyOf(row.region, row.host_id, row.rule), { phase: 'firing', breaches: 0, since: row.opened_at.getTime(), peak: row.peak_value });
    }
    return firing.rowCount ?? 0;
  }

  /** What these records (in arrival order) do to the alerts, without changing this tracker yet. */
  plan(records: readonly TelemetryRecord[]): AlertPlan {
    const states = new Map<string, AlertState>();
    const ops: AlertOp[] = [];
    for (const record of records) {
      for (const rule of THRESHOLD_RULES) {
        const key = keyOf(record.region, record.host_id, rule.id);
        const before = states.get(key) ?? this.states.get(key) ?? INACTIVE;
        const { state, change } = stepAlert(before, rule, record[rule.metric], record.ts, this.forReadings);
        if (state !== before) states.set(key, state);
        if (change) ops.push({ region: record.region, host_id: record.host_id, rule, change });
      }
    }
    return { ops, states };
  }

  commit(plan: AlertPlan): void {
    for (const [key, state] of plan.states) {
      if (state.phase === 'inactive') this.states.delete(key);
      else this.states.set(key, state);
    }
  }
}

const OPEN_SQL = `
INSERT INTO alerts (region, host_id, rule, severity, metric, status, opened_at, peak_value, last_value, fire_above, clear_below, detail, kind)
VALUES ($1, $2, $3, $4, $5, 'firing', $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (region, host_id, rule) WHERE status = 'firing'
DO UPDATE SET peak_value = GREATEST(alerts.peak_value, excluded.peak_value), last_value = excluded.last_value
RETURNING alert_id`;

const PEAK_SQL = `
UPDATE alerts SET peak_value = GREATEST(peak_value, $4), last_value = $4
WHERE region = $1 AND host_id = $2 AND rule = $3 AND status = 'firing'`;

const RESOLVE_SQL = `
UPDATE alerts SET status = 'resolved', resolved_at = $4, peak_value = GREATEST(peak_value, $5), last_value = $6
WHERE region = $1 AND host_id = $2 AND rule = $3 AND status = 'firing'
RETURNING alert_id, opened_at`;

/** NOTIFY is database-wide, so the payload names the schema for listeners to filter on. */
async function notify(client: PoolClient, payload: Record<string, unknown>): Promise<void> {
  await client.query(`SELECT pg_notify($1, jsonb_set($2::jsonb, '{schema}', to_jsonb(current_schema()))::text)`, [ALERTS_CHANNEL, JSON.stringify(payload)]);
}

/** Write the planned alert changes; peaks are coalesced to one update per alert. */
export async function applyAlertOps(client: PoolClient, ops: readonly AlertOp[]): Promise<void> {
  const peaks = new Map<string, AlertOp>();
  for (const op of ops) {
    const key = keyOf(op.region, op.host_id, op.rule.id);
    const { change, rule } = op;
    const identity = [op.region, op.host_id, rule.id];
    if (change.type === 'peaked') {
      peaks.set(key, op);
      continue;
    }
    const pendingPeak = peaks.get(key);
    if (pendingPeak) {
      await client.query(PEAK_SQL, [...identity, pendingPeak.change.peak]);
      peaks.delete(key);
    }
    if (change.type === 'fired') {
      const opened = await client.query<{ alert_id: string }>(OPEN_SQL, [
        ...identity, rule.severity, rule.metric, new Date(change.at), change.peak, change.value, rule.fireAbove, rule.clearBelow,
        JSON.stringify({ pending_since: new Date(change.since).toISOString(), ...op.detail }), op.kind ?? 'threshold',
      ]);
      await notify(client, {
        event: 'opened', alert_id: Number(opened.rows[0]?.alert_id), region: op.region, host_id: op.host_id, rule: rule.id, kind: op.kind ?? 'threshold',
        metric: rule.metric, value: change.value, at: new Date(change.at).toISOString(), ...(op.detail ? { detail: op.detail } : {}),
      });
    } else {
      const resolved = await client.query<{ alert_id: string }>(RESOLVE_SQL, [...identity, new Date(change.at), change.peak, change.value]);
      if (resolved.rows[0]) await notify(client, { event: 'resolved', alert_id: Number(resolved.rows[0].alert_id), region: op.region, host_id: op.host_id, rule: rule.id, peak: change.peak, at: new Date(change.at).toISOString() });
    }
  }
  for (const op of peaks.values()) await client.query(PEAK_SQL, [op.region, op.host_id, op.rule.id, op.change.peak]);
}
