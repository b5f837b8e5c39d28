// What a speed process counts about itself: events in and stored, rejects per reason,
// consumer lag and committed offsets per partition, sink failures. Reported as a row in
// speed_status every few seconds and in the logs.

import type { Pool } from '../infra/index.ts';

export class SpeedMetrics {
  readonly startedAt = new Date();
  eventsIn = 0;
  eventsStored = 0;
  duplicates = 0;
  batches = 0;
  /** Readings the anomaly model scored at or above its threshold. */
  anomalous = 0;
  readonly rejects = new Map<string, number>();
  readonly lag = new Map<number, number>();
  readonly committed = new Map<number, string>();
  readonly sinkErrors = new Map<string, { count: number; last: string; at: string }>();
  private previous = { at: Date.now(), eventsIn: 0, eventsStored: 0 };

  countRejects(perReason: ReadonlyMap<string, number>): void {
    for (const [reason, n] of perReason) this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + n);
  }

  sinkFailed(sink: string, error: unknown): void {
    const entry = this.sinkErrors.get(sink);
    this.sinkErrors.set(sink, { count: (entry?.count ?? 0) + 1, last: String(error instanceof Error ? error.message : error), at: new Date().toISOString() });
  }

  /** A snapshot with rates since the previous snapshot. */
  snapshot() {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.previous.at) / 1000);
    const snap = {
      eventsIn: this.eventsIn, eventsStored: this.eventsStored, duplicates: this.duplicates, batches: this.batches, anomalous: this.anomalous,
      eventsRejected: [...this.rejects.values()].reduce((a, b) => a + b, 0),
      rateIn: (this.eventsIn - this.previous.eventsIn) / seconds,
      rateStored: (this.eventsStored - this.previous.eventsStored) / seconds,
      rejects: Object.fromEntries(this.rejects),
      lag: [...this.lag.values()].reduce((a, b) => a + b, 0),
      partitions: Object.fromEntries([...this.committed].map(([p, offset]) => [p, { committed: offset, lag: this.lag.get(p) ?? 0 }])),
      sinkErrors: Object.fromEntries(this.sinkErrors),
    };
    this.previous = { at: now, eventsIn: this.eventsIn, eventsStored: this.eventsStored };
    return snap;
  }
}

export type MetricsSnapshot = ReturnType<SpeedMetrics['snapshot']>;

const UPSERT_STATUS_SQL = `
INSERT INTO speed_status (instance_id, consumer_group, topic, updated_at, started_at, events_in, events_stored, events_rejected,
  rate_in, rate_stored, rejects, lag, partitions, sink_errors, stopped_at)
VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14::boolean THEN now() END)
ON CONFLICT (instance_id) DO UPDATE SET updated_at = now(), events_in = excluded.events_in, events_stored = excluded.events_stored,
  events_rejected = excluded.events_rejected, rate_in = excluded.rate_in, rate_stored = excluded.rate_stored,
  rejects = excluded.rejects, lag = excluded.lag, partitions = excluded.partitions, sink_errors = excluded.sink_errors,
  stopped_at = excluded.stopped_at`;

/** Upserts this instance's row; `stopped` marks it as shut down, so health stops listing it. */
export async function writeStatus(pool: Pool, identity: { instanceId: string; group: string; topic: string; startedAt: Date }, snap: MetricsSnapshot, stopped = false): Promise<void> {
  await pool.query(UPSERT_STATUS_SQL, [
    identity.instanceId, identity.group, identity.topic, identity.startedAt, snap.eventsIn, snap.eventsStored, snap.eventsRejected,
    snap.rateIn, snap.rateStored, JSON.stringify(snap.rejects), snap.lag, JSON.stringify(snap.partitions), JSON.stringify(snap.sinkErrors), stopped,
  ]);
}
