// Threshold alerts evaluated per host with state (telemetry's stepAlert), persisted in
// PostgreSQL inside the batch's transaction and announced with NOTIFY. Planning works on
// a copy of the state, adopted only once the transaction commits, so a retried batch
// never advances an alert twice.

import { ALERTS_CHANNEL, type PoolClient } from '../infra/index.ts';
import { ALERT_SILENCE_MS, NO_HOST_ALERTS, stepHostAlerts, THRESHOLD_RULES, type AlertChange, type HostAlerts, type TelemetryRecord, type ThresholdRule } from '../telemetry/index.ts';

export { ALERTS_CHANNEL };

interface AlertKey { region: string; host_id: string; rule: ThresholdRule }
export interface AlertOp extends AlertKey {
  change: AlertChange;
  /** Threshold alerts unless said otherwise; anomaly alerts carry their score and contributing metric in detail. */
  kind?: 'threshold' | 'anomaly';
  detail?: Record<string, unknown>;
}
export interface AlertPlan { ops: AlertOp[]; states: Map<string, HostAlerts> }

const keyOf = (region: string, host: string) => `${region}\u0000${host}`;

/** Each host's threshold alerts, stepped by telemetry's stepHostAlerts (the batch layer runs the same). */
export class AlertTracker {
  private readonly states = new Map<string, HostAlerts>();
  private readonly forReadings: number;

  constructor(forReadings: number) {
    this.forReadings = forReadings;
  }

  /** Adopt the alerts already firing in the database (at start and after a rebalance), with when each host was last heard from. */
  async load(client: Pick<PoolClient, 'query'>): Promise<number> {
    const firing = await client.query<{ region: string; host_id: string; rule: string; peak_value: number; opened_at: Date; last_seen: Date | null }>(
      `SELECT a.region, a.host_id, a.rule, a.peak_value, a.opened_at, h.ts AS last_seen FROM alerts a
       LEFT JOIN rt_host_latest h ON h.region = a.region AND h.host_id = a.host_id WHERE a.status = 'firing' AND a.kind = 'threshold'`);
    this.states.clear();
    for (const row of firing.rows) {
      const index = THRESHOLD_RULES.findIndex((r) => r.id === row.rule);
      if (index < 0) continue;
      const key = keyOf(row.region, row.host_id);
      const host = this.states.get(key) ?? NO_HOST_ALERTS;
      const rules = [...host.rules];
      rules[index] = { phase: 'firing', breaches: 0, since: row.opened_at.getTime(), peak: row.peak_value };
      this.states.set(key, { lastSeen: row.last_seen?.getTime() ?? host.lastSeen, rules });
    }
    return firing.rowCount ?? 0;
  }

  /** What these records (in arrival order) do to the alerts, without changing this tracker yet. */
  plan(records: readonly TelemetryRecord[]): AlertPlan {
    const states = new Map<string, HostAlerts>();
    const ops: AlertOp[] = [];
    for (const record of records) {
      const key = keyOf(record.region, record.host_id);
      const before = states.get(key) ?? this.states.get(key) ?? NO_HOST_ALERTS;
      const { host, changes } = stepHostAlerts(before, record, this.forReadings);
      states.set(key, host);
      for (const { rule, change } of changes) ops.push({ region: record.region, host_id: record.host_id, rule, change });
    }
    return { ops, states };
  }

  commit(plan: AlertPlan): void {
    for (const [key, host] of plan.states) {
      if (host.rules.every((r) => r.phase === 'inactive')) this.states.delete(key);
      else this.states.set(key, host);
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
UPDATE alerts SET status = 'resolved', resolved_at = $4, peak_value = GREATEST(peak_value, $5), last_value = coalesce($6, last_value),
  detail = CASE WHEN $7::boolean THEN coalesce(detail, '{}'::jsonb) || '{"closed_by": "silence"}'::jsonb ELSE detail END
WHERE region = $1 AND host_id = $2 AND rule = $3 AND status = 'firing'
RETURNING alert_id, opened_at`;

/** NOTIFY is database-wide, so the payload names the schema for listeners to filter on. */
async function notify(client: Pick<PoolClient, 'query'>, payload: Record<string, unknown>): Promise<void> {
  await client.query(`SELECT pg_notify($1, jsonb_set($2::jsonb, '{schema}', to_jsonb(current_schema()))::text)`, [ALERTS_CHANNEL, JSON.stringify(payload)]);
}

/** Write the planned alert changes; peaks are coalesced to one update per alert. */
export async function applyAlertOps(client: PoolClient, ops: readonly AlertOp[]): Promise<void> {
  const peaks = new Map<string, AlertOp>();
  for (const op of ops) {
    const key = `${keyOf(op.region, op.host_id)}\u0000${op.rule.id}`;
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
      const resolved = await client.query<{ alert_id: string }>(RESOLVE_SQL, [...identity, new Date(change.at), change.peak, change.value, change.silent === true]);
      if (resolved.rows[0]) await notify(client, { event: 'resolved', alert_id: Number(resolved.rows[0].alert_id), region: op.region, host_id: op.host_id, rule: rule.id, peak: change.peak, at: new Date(change.at).toISOString() });
    }
  }
  for (const op of peaks.values()) await client.query(PEAK_SQL, [op.region, op.host_id, op.rule.id, op.change.peak]);
}

/**
 * Alerts of hosts that fell silent, closed by telemetry's silence rule at their last reading
 * + ALERT_SILENCE_MS, once the fleet's own clock (its newest reading) has passed that: a
 * speed layer replaying a backlog closes nothing early. The tracker catches up through the
 * same rule at the host's next reading.
 */
const CLOSE_SILENT_SQL = `
UPDATE alerts a SET status = 'resolved', resolved_at = h.ts + $1 * interval '1 millisecond',
  detail = coalesce(a.detail, '{}'::jsonb) || '{"closed_by": "silence"}'::jsonb
FROM rt_host_latest h
WHERE a.status = 'firing' AND h.region = a.region AND h.host_id = a.host_id
  AND h.ts + $1 * interval '1 millisecond' < (SELECT max(ts) FROM rt_host_latest)
RETURNING a.alert_id, a.region, a.host_id, a.rule, a.peak_value, a.resolved_at`;

export async function closeSilentAlerts(client: Pick<PoolClient, 'query'>): Promise<number> {
  const closed = await client.query<{ alert_id: string; region: string; host_id: string; rule: string; peak_value: number; resolved_at: Date }>(CLOSE_SILENT_SQL, [ALERT_SILENCE_MS]);
  for (const row of closed.rows) {
    await notify(client, { event: 'resolved', alert_id: Number(row.alert_id), region: row.region, host_id: row.host_id, rule: row.rule, peak: row.peak_value, at: row.resolved_at.toISOString(), closed_by: 'silence' });
  }
  return closed.rowCount ?? 0;
}
