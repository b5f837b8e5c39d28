// The speed layer's hot sink, run inside the batch's transaction: valid records inserted
// into readings_hot in bulk (UNNEST arrays) skipping event_ids already stored; then the
// realtime views (per-minute host and region aggregates, latest reading per host) merged
// from exactly the rows that were new. A re-delivered batch therefore changes nothing.

import type { PoolClient } from '../infra/index.ts';
import { METRICS, type TelemetryRecord } from '../telemetry/index.ts';
import { aggregateMinutes, latestPerHost, type MinuteAggregate } from './minute-aggregates.ts';

export interface HotRecord extends TelemetryRecord {
  partition: number;
  offset: string;
}

// Column lists come from the METRICS constant (an allowlist), never from input.
const METRIC_LIST = METRICS.join(', ');
const metricArrays = (first: number) => METRICS.map((_, i) => `$${first + i}::float8[]`).join(', ');

export const INSERT_ROWS_SQL = `
INSERT INTO readings_hot (event_id, ts, region, host_id, source, kafka_partition, kafka_offset, ${METRIC_LIST}, ingested_at)
SELECT t.*, clock_timestamp() FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], ${metricArrays(8)})
  AS t(event_id, ts, region, host_id, source, kafka_partition, kafka_offset, ${METRIC_LIST})
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id`;

const AGGREGATE_COLUMNS = METRICS.flatMap((m) => [`${m}_n`, `${m}_sum`, `${m}_min`, `${m}_max`]);
const AGGREGATE_TYPES = METRICS.flatMap(() => ['bigint', 'float8', 'float8', 'float8']);
const AGGREGATE_MERGE = METRICS.flatMap((m) => [
  `${m}_n = t.${m}_n + excluded.${m}_n`,
  `${m}_sum = CASE WHEN t.${m}_sum IS NULL THEN excluded.${m}_sum WHEN excluded.${m}_sum IS NULL THEN t.${m}_sum ELSE t.${m}_sum + excluded.${m}_sum END`,
  `${m}_min = LEAST(t.${m}_min, excluded.${m}_min)`,
  `${m}_max = GREATEST(t.${m}_max, excluded.${m}_max)`,
]).join(',\n  ');

function upsertMinutesSql(table: 'rt_host_minute' | 'rt_region_minute', key: string[], keyTypes: string[]): string {
  const columns = [...key, 'n', ...AGGREGATE_COLUMNS];
  const arrays = [...keyTypes, 'bigint', ...AGGREGATE_TYPES].map((type, i) => `$${i + 1}::${type}[]`);
  return `
INSERT INTO ${table} AS t (${columns.join(', ')})
SELECT * FROM UNNEST(${arrays.join(', ')})
ON CONFLICT (${key.join(', ')}) DO UPDATE SET
  n = t.n + excluded.n,
  ${AGGREGATE_MERGE}`;
}

export const UPSERT_HOST_MINUTES_SQL = upsertMinutesSql('rt_host_minute', ['region', 'host_id', 'minute'], ['text', 'text', 'timestamptz']);
export const UPSERT_REGION_MINUTES_SQL = upsertMinutesSql('rt_region_minute', ['region', 'minute', 'shard'], ['text', 'timestamptz', 'int']);

export const UPSERT_LATEST_SQL = `
INSERT INTO rt_host_latest AS t (region, host_id, ts, event_id, ${METRIC_LIST})
SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[], ${metricArrays(5)})
ON CONFLICT (region, host_id) DO UPDATE SET ts = excluded.ts, event_id = excluded.event_id,
  ${METRICS.map((m) => `${m} = excluded.${m}`).join(', ')}
WHERE excluded.ts >= t.ts`;

const iso = (ms: number) => new Date(ms).toISOString();

function aggregateArrays(rows: readonly MinuteAggregate[]): unknown[] {
  return [rows.map((r) => r.n), ...METRICS.flatMap((m) => [
    rows.map((r) => r.metrics[m].n), rows.map((r) => r.metrics[m].sum), rows.map((r) => r.metrics[m].min), rows.map((r) => r.metrics[m].max),
  ])];
}

/** Insert the records and update the realtime views; resolves to the event_ids that were new. */
export async function storeHotRecords(client: PoolClient, records: readonly HotRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const inserted = await client.query<{ event_id: string }>(INSERT_ROWS_SQL, [
    records.map((r) => r.event_id), records.map((r) => iso(r.ts)), records.map((r) => r.region), records.map((r) => r.host_id),
    records.map((r) => r.source), records.map((r) => r.partition), records.map((r) => r.offset), ...METRICS.map((m) => records.map((r) => r[m])),
  ]);
  const ids = new Set(inserted.rows.map((r) => r.event_id));
  const fresh = ids.size === records.length ? records : records.filter((r) => ids.has(r.event_id));
  if (fresh.length === 0) return ids;
  const { hosts, regions } = aggregateMinutes(fresh, (fresh[0] as HotRecord).partition);
  await client.query(UPSERT_HOST_MINUTES_SQL, [hosts.map((h) => h.region), hosts.map((h) => h.hostId), hosts.map((h) => iso(h.minute)), ...aggregateArrays(hosts)]);
  await client.query(UPSERT_REGION_MINUTES_SQL, [regions.map((r) => r.region), regions.map((r) => iso(r.minute)), regions.map((r) => r.shard), ...aggregateArrays(regions)]);
  const latest = latestPerHost(fresh);
  await client.query(UPSERT_LATEST_SQL, [
    latest.map((r) => r.region), latest.map((r) => r.host_id), latest.map((r) => iso(r.ts)), latest.map((r) => r.event_id), ...METRICS.map((m) => latest.map((r) => r[m])),
  ]);
  return ids;
}

const COUNT_REJECTS_SQL = `
INSERT INTO rt_rejects_minute AS t (minute, reason, n)
SELECT date_trunc('minute', $1::timestamptz), reason, n FROM UNNEST($2::text[], $3::bigint[]) AS r(reason, n)
ON CONFLICT (minute, reason) DO UPDATE SET n = t.n + excluded.n`;

/** Count refused messages per reason, in the minute they arrived. */
export async function countRejects(client: PoolClient, at: number, perReason: ReadonlyMap<string, number>): Promise<void> {
  if (perReason.size === 0) return;
  await client.query(COUNT_REJECTS_SQL, [new Date(at).toISOString(), [...perReason.keys()], [...perReason.values()]]);
}
