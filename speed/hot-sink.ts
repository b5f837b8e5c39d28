// The speed layer's hot sink: valid records inserted into readings_hot in bulk (UNNEST
// arrays, one statement), skipping event_ids already stored, and the realtime per-minute
// views updated from exactly the rows that were new, in the same statement. Run inside
// the batch's transaction, so a re-delivered batch changes nothing.

import type { PoolClient } from '../infra/index.ts';
import { METRICS, type TelemetryRecord } from '../telemetry/index.ts';

export interface HotRecord extends TelemetryRecord {
  partition: number;
  offset: string;
}

// Column lists are built from the METRICS constant (an allowlist), never from input.
const AGGREGATE_COLUMNS = METRICS.flatMap((m) => [`${m}_n`, `${m}_sum`, `${m}_min`, `${m}_max`]);
const AGGREGATE_VALUES = METRICS.flatMap((m) => [`count(${m})`, `sum(${m})`, `min(${m})`, `max(${m})`]);
const AGGREGATE_MERGE = METRICS.flatMap((m) => [
  `${m}_n = t.${m}_n + excluded.${m}_n`,
  `${m}_sum = CASE WHEN t.${m}_sum IS NULL THEN excluded.${m}_sum WHEN excluded.${m}_sum IS NULL THEN t.${m}_sum ELSE t.${m}_sum + excluded.${m}_sum END`,
  `${m}_min = LEAST(t.${m}_min, excluded.${m}_min)`,
  `${m}_max = GREATEST(t.${m}_max, excluded.${m}_max)`,
]).join(',\n      ');

/** $1…$7 identity columns, then one float8[] per metric. */
export const STORE_BATCH_SQL = `
WITH incoming AS (
  SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[],
    ${METRICS.map((_, i) => `$${i + 8}::float8[]`).join(', ')})
    AS t(event_id, ts, region, host_id, source, kafka_partition, kafka_offset, ${METRICS.join(', ')})
),
inserted AS (
  INSERT INTO readings_hot (event_id, ts, region, host_id, source, kafka_partition, kafka_offset, ${METRICS.join(', ')}, ingested_at)
  SELECT event_id, ts, region, host_id, source, kafka_partition, kafka_offset, ${METRICS.join(', ')}, clock_timestamp() FROM incoming
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id, ts, region, host_id, ${METRICS.join(', ')}
),
host_minutes AS (
  INSERT INTO rt_host_minute AS t (region, host_id, minute, n, ${AGGREGATE_COLUMNS.join(', ')})
  SELECT region, host_id, date_trunc('minute', ts), count(*), ${AGGREGATE_VALUES.join(', ')}
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (region, host_id, minute) DO UPDATE SET
      n = t.n + excluded.n,
      ${AGGREGATE_MERGE}
),
region_minutes AS (
  INSERT INTO rt_region_minute AS t (region, minute, n, ${AGGREGATE_COLUMNS.join(', ')})
  SELECT region, date_trunc('minute', ts), count(*), ${AGGREGATE_VALUES.join(', ')}
  FROM inserted GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (region, minute) DO UPDATE SET
      n = t.n + excluded.n,
      ${AGGREGATE_MERGE}
)
-- Data-modifying CTEs always run to completion, whether or not the final SELECT reads them.
SELECT event_id FROM inserted`;

function columns(records: readonly HotRecord[]): unknown[] {
  return [
    records.map((r) => r.event_id), records.map((r) => new Date(r.ts).toISOString()), records.map((r) => r.region),
    records.map((r) => r.host_id), records.map((r) => r.source), records.map((r) => r.partition), records.map((r) => r.offset),
    ...METRICS.map((m) => records.map((r) => r[m])),
  ];
}

/** Insert the records; resolves to the event_ids that were new. */
export async function storeHotRecords(client: PoolClient, records: readonly HotRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const result = await client.query<{ event_id: string }>(STORE_BATCH_SQL, columns(records));
  return new Set(result.rows.map((r) => r.event_id));
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
