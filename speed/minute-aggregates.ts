// Per-minute aggregates of new rows, computed in the speed process (which has CPU to
// spare while PostgreSQL is the bottleneck) and merged into the realtime views with one
// upsert per table. Sums, counts, minima and maxima merge exactly across batches.

import { METRICS, type Metric, type TelemetryRecord } from '../telemetry/index.ts';

export interface MetricAggregate { n: number; sum: number | null; min: number | null; max: number | null }
export interface MinuteAggregate { region: string; hostId: string | null; shard: number | null; minute: number; n: number; metrics: Record<Metric, MetricAggregate> }

const MINUTE = 60_000;

function emptyAggregate(region: string, hostId: string | null, shard: number | null, minute: number): MinuteAggregate {
  const metrics = {} as Record<Metric, MetricAggregate>;
  for (const m of METRICS) metrics[m] = { n: 0, sum: null, min: null, max: null };
  return { region, hostId, shard, minute, n: 0, metrics };
}

function add(aggregate: MinuteAggregate, record: TelemetryRecord): void {
  aggregate.n += 1;
  for (const m of METRICS) {
    const value = record[m];
    if (value === null) continue;
    const a = aggregate.metrics[m];
    a.n += 1;
    a.sum = (a.sum ?? 0) + value;
    a.min = a.min === null ? value : Math.min(a.min, value);
    a.max = a.max === null ? value : Math.max(a.max, value);
  }
}

/** Aggregates per (region, host, minute) and per (region, minute, shard). */
export function aggregateMinutes(records: readonly TelemetryRecord[], shard: number): { hosts: MinuteAggregate[]; regions: MinuteAggregate[] } {
  const hosts = new Map<string, MinuteAggregate>();
  const regions = new Map<string, MinuteAggregate>();
  for (const record of records) {
    const minute = Math.floor(record.ts / MINUTE) * MINUTE;
    const hostKey = `${record.region}\u0000${record.host_id}\u0000${minute}`;
    const regionKey = `${record.region}\u0000${minute}`;
    let host = hosts.get(hostKey);
    if (!host) hosts.set(hostKey, (host = emptyAggregate(record.region, record.host_id, null, minute)));
    let region = regions.get(regionKey);
    if (!region) regions.set(regionKey, (region = emptyAggregate(record.region, null, shard, minute)));
    add(host, record);
    add(region, record);
  }
  // A stable order keeps concurrent upserts from locking rows in different orders.
  const order = (a: MinuteAggregate, b: MinuteAggregate) => a.region.localeCompare(b.region) || (a.hostId ?? '').localeCompare(b.hostId ?? '') || a.minute - b.minute;
  return { hosts: [...hosts.values()].sort(order), regions: [...regions.values()].sort(order) };
}

/** The latest record of each host among `records`. */
export function latestPerHost(records: readonly TelemetryRecord[]): TelemetryRecord[] {
  const latest = new Map<string, TelemetryRecord>();
  for (const record of records) {
    const key = `${record.region}\u0000${record.host_id}`;
    const seen = latest.get(key);
    if (!seen || record.ts >= seen.ts) latest.set(key, record);
  }
  return [...latest.values()].sort((a, b) => a.region.localeCompare(b.region) || a.host_id.localeCompare(b.host_id));
}
