// The serving layer's questions to PostgreSQL: parameterized statements over the merged
// batch + realtime views. Identifiers come only from validated enums.

import { cpuLevel, type Metric } from '../telemetry/index.ts';
import { RUNNING_SPEED_INSTANCE, type Pool } from '../infra/index.ts';
import { hostBuckets, iso, regionMinutes, regionSpans, WATERMARK_CTE } from './merged.ts';
import { MERGED_ALERTS_SQL, MERGED_ANOMALIES_SQL } from './merged-alerts.ts';
import type { Origin, VolumeResponse } from '../telemetry/index.ts';

export interface Range { from: number; to: number }

const interval = (ms: number) => `${ms} milliseconds`;

export async function timeseriesByRegion(pool: Pool, metric: Metric, range: Range, region: string | null, stepMs: number) {
  const sql = `WITH ${WATERMARK_CTE}, ${regionMinutes(metric)}
    SELECT region, date_bin($4::interval, minute, $1) AS t, sum(n)::bigint AS n,
      sum(${metric}_sum) / nullif(sum(${metric}_n), 0) AS avg, min(${metric}_min) AS min, max(${metric}_max) AS max
    FROM minutes GROUP BY 1, 2 ORDER BY 2, 1`;
  const result = await pool.query(sql, [iso(range.from), iso(range.to), region, interval(stepMs)]);
  return result.rows.map((r) => ({ series: r.region as string, t: (r.t as Date).toISOString(), n: Number(r.n), avg: r.avg, min: r.min, max: r.max }));
}

export async function timeseriesByHost(pool: Pool, metric: Metric, range: Range, region: string | null, host: string | null, stepMs: number) {
  const sql = `WITH ${WATERMARK_CTE}, ${hostBuckets(metric)}
    SELECT host_id, date_bin($5::interval, t, $1) AS t, region, sum(n)::bigint AS n, sum(weighted) / nullif(sum(weight), 0) AS avg, min(m_min) AS min, max(m_max) AS max
    FROM host_rows GROUP BY 1, 2, 3 ORDER BY 2, 1 LIMIT 20000`;
  const result = await pool.query(sql, [iso(range.from), iso(range.to), region, host, interval(stepMs)]);
  return result.rows.map((r) => ({ series: r.host_id as string, region: r.region as string, t: (r.t as Date).toISOString(), n: Number(r.n), avg: r.avg, min: r.min, max: r.max }));
}

/** Readings and average temperature, CPU and disk per region over the range, long ranges from hourly rows (regionSpans). */
async function regionAverages(pool: Pool, range: Range, region: string | null) {
  const sql = `WITH ${WATERMARK_CTE}, ${regionSpans('temp_c', 'cpu_pct', 'disk_pct')}
    SELECT region, sum(n)::bigint AS readings, sum(temp_c_sum) / nullif(sum(temp_c_n), 0) AS temp_c, sum(cpu_pct_sum) / nullif(sum(cpu_pct_n), 0) AS cpu_pct,
      sum(disk_pct_sum) / nullif(sum(disk_pct_n), 0) AS disk_pct
    FROM spans GROUP BY region`;
  const result = await pool.query(sql, [iso(range.from), iso(range.to), region]);
  return new Map(result.rows.map((r) => [r.region as string, { temp_c: r.temp_c as number | null, cpu_pct: r.cpu_pct as number | null, disk_pct: r.disk_pct as number | null, readings: Number(r.readings) }]));
}

/**
 * Hosts with a reading in [$1, $2) per region: each known host (one that has a daily health
 * row or has reported live) is probed by its primary key in the hourly batch view before the
 * watermark and the realtime minutes from it on, so the cost follows the number of hosts,
 * not the length of the window.
 */
const ACTIVE_HOSTS_SQL = `WITH ${WATERMARK_CTE}, known AS (
    SELECT DISTINCT region, host_id FROM gold_host_health WHERE ($3::text IS NULL OR region = $3)
    UNION SELECT region, host_id FROM rt_host_latest WHERE ($3::text IS NULL OR region = $3)
  )
  SELECT region, count(*)::int AS hosts FROM known k, w
  WHERE EXISTS (SELECT 1 FROM gold_host_hour g WHERE g.region = k.region AND g.host_id = k.host_id AND g.hour >= $1 AND g.hour < $2 AND g.hour < w.w)
     OR EXISTS (SELECT 1 FROM rt_host_minute r WHERE r.region = k.region AND r.host_id = k.host_id AND r.minute >= $1 AND r.minute < $2 AND r.minute >= w.w)
  GROUP BY 1`;

/** The overview's questions about the range: region averages now and over the span before, and hosts active in it. */
export async function overviewOfRange(pool: Pool, range: Range, region: string | null) {
  const span = range.to - range.from;
  // Independent questions, asked at once on separate connections.
  const [now, before, active] = await Promise.all([
    regionAverages(pool, range, region),
    regionAverages(pool, { from: range.from - span, to: range.from }, region),
    pool.query(ACTIVE_HOSTS_SQL, [iso(range.from), iso(range.to), region]),
  ]);
  return { now, before, active: new Map(active.rows.map((r) => [r.region as string, r.hosts as number])) };
}

/** The overview's regions, from the range's answers and the hosts' latest readings. */
export function overviewRegions(ranged: Awaited<ReturnType<typeof overviewOfRange>>, hosts: Awaited<ReturnType<typeof latestHosts>>) {
  const { now, before, active } = ranged;
  const regions = [...new Set([...now.keys(), ...active.keys(), ...hosts.map((h) => h.region as string)])].sort();
  const delta = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a - b);
  return regions.map((name) => {
    const latest = hosts.filter((h) => h.region === name);
    const levels = { HIGH: 0, MEDIUM: 0, NORMAL: 0 };
    for (const h of latest) {
      const level = cpuLevel(h.cpu_pct as number | null);
      if (level) levels[level] += 1;
    }
    const current = now.get(name);
    const previous = before.get(name);
    return {
      region: name, readings: current?.readings ?? 0,
      temp_c: current?.temp_c ?? null, temp_c_delta: delta(current?.temp_c, previous?.temp_c),
      cpu_pct: current?.cpu_pct ?? null, cpu_pct_delta: delta(current?.cpu_pct, previous?.cpu_pct), disk_pct: current?.disk_pct ?? null,
      power_kw: latest.some((h) => h.power_w !== null) ? latest.reduce((sum, h) => sum + ((h.power_w as number | null) ?? 0), 0) / 1000 : null,
      active_hosts: active.get(name) ?? 0, cpu_levels: levels,
    };
  });
}

/** The whole overview, uncached (the live stream asks it once per interval for all its viewers). */
export async function overview(pool: Pool, range: Range, region: string | null) {
  const [ranged, hosts] = await Promise.all([overviewOfRange(pool, range, region), latestHosts(pool, region)]);
  return overviewRegions(ranged, hosts);
}

export async function volume(pool: Pool, range: Range, stepMs: number): Promise<VolumeResponse> {
  const buckets = await pool.query(`WITH ${WATERMARK_CTE}, ${regionMinutes()}
    SELECT region, date_bin($4::interval, minute, $1) AS t, origin, sum(n)::bigint AS n FROM minutes GROUP BY 1, 2, 3 ORDER BY 2, 1, 3`,
  [iso(range.from), iso(range.to), null, interval(stepMs)]);
  const rejects = await pool.query(`SELECT reason, sum(n)::bigint AS n FROM rt_rejects_minute WHERE minute >= $1 AND minute < $2 GROUP BY 1 ORDER BY 1`, [iso(range.from), iso(range.to)]);
  const rate = await pool.query(`SELECT coalesce(sum(rate_in), 0) AS rate FROM speed_status WHERE ${RUNNING_SPEED_INSTANCE}`);
  const series = buckets.rows.map((r) => ({ region: r.region as string, t: (r.t as Date).toISOString(), origin: r.origin as Origin, n: Number(r.n) }));
  const totals = { batch: 0, realtime: 0 };
  for (const s of series) totals[s.origin] += s.n;
  return { series, totals, ingest_rate: Number(rate.rows[0]?.rate ?? 0), rejects: Object.fromEntries(rejects.rows.map((r) => [r.reason, Number(r.n)])) };
}

export async function histogram(pool: Pool, range: Range, region: string | null, bins: number) {
  const result = await pool.query(`WITH ${WATERMARK_CTE}
    SELECT bin_c, sum(n)::bigint AS n FROM (
      SELECT bin_c, n FROM gold_temp_hist_hour, w WHERE hour >= $1 AND hour < $2 AND hour < w.w AND ($3::text IS NULL OR region = $3)
      UNION ALL
      SELECT floor(temp_c)::int, 1 FROM readings_hot, w WHERE ts >= $1 AND ts < $2 AND ts >= w.w AND temp_c IS NOT NULL AND ($3::text IS NULL OR region = $3)
    ) b GROUP BY 1 ORDER BY 1`, [iso(range.from), iso(range.to), region]);
  const counts = result.rows.map((r) => ({ bin: Number(r.bin_c), n: Number(r.n) }));
  if (counts.length === 0) return { bins: [] };
  const lo = counts[0]!.bin;
  const hi = counts.at(-1)!.bin + 1;
  const width = (hi - lo) / bins;
  const out = Array.from({ length: bins }, (_, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, n: 0 }));
  for (const c of counts) out[Math.min(bins - 1, Math.floor((c.bin - lo) / width))]!.n += c.n;
  return { bins: out };
}

/** Each host's latest reading (its CPU level, power): also the live part of the overview, whatever the range. */
export async function latestHosts(pool: Pool, region: string | null) {
  const result = await pool.query(`SELECT * FROM rt_host_latest WHERE ($1::text IS NULL OR region = $1) ORDER BY region, host_id`, [region]);
  return result.rows.map((r) => ({ ...r, ts: (r.ts as Date).toISOString(), cpu_level: cpuLevel(r.cpu_pct as number | null) }));
}

/** Alert episodes open at some time in the range: batch episodes before the watermark, realtime ones from it (merged-alerts.ts). */
export async function alerts(pool: Pool, status: string, kind: string, range: Range, region: string | null, limit: number) {
  const result = await pool.query(MERGED_ALERTS_SQL, [iso(range.from), iso(range.to), region, status, kind, limit]);
  return result.rows.map((r) => ({ ...r, alert_id: Number(r.alert_id), duration_s: ((r.resolved_at ?? new Date()).getTime() - r.opened_at.getTime()) / 1000 }));
}

/** Anomalous readings, batch-scored before the watermark and speed-scored from it; the highest scores first when more than `limit` fall in the range. */
export async function anomalies(pool: Pool, range: Range, region: string | null, host: string | null, limit: number) {
  const result = await pool.query(MERGED_ANOMALIES_SQL, [iso(range.from), iso(range.to), region, host, limit]);
  return result.rows.map((r) => ({ ...r, ts: (r.ts as Date).toISOString(), model_version: r.model_version === null ? null : Number(r.model_version) }));
}

/** The model the speed layer scores with: its version and thresholds, not its trees. */
export async function anomalyModel(pool: Pool) {
  const result = await pool.query(`SELECT version, run_id, trained_at, trained_through, training_rows, hosts, features,
      (model->>'isolationThreshold')::float8 AS isolation_threshold, (model->>'zThreshold')::float8 AS z_threshold, (model->>'contamination')::float8 AS contamination
    FROM anomaly_models ORDER BY version DESC LIMIT 1`);
  const row = result.rows[0];
  return row ? { ...row, version: Number(row.version), training_rows: Number(row.training_rows) } : null;
}

export async function healthScores(pool: Pool, date: string | null, region: string | null, limit: number) {
  const result = await pool.query(`SELECT region, host_id, day::text AS day, n, avg_cpu_pct, avg_mem_pct, memory_basis, high_util_pct, health_score
    FROM gold_host_health WHERE day = coalesce($1::date, (SELECT max(day) FROM gold_host_health)) AND ($2::text IS NULL OR region = $2)
    ORDER BY health_score ASC NULLS LAST, region, host_id LIMIT $3`, [date, region, limit]);
  return result.rows.map((r) => ({ ...r, n: Number(r.n) }));
}
