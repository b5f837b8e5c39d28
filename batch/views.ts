// The gold batch views over silver (normalized, valid, deduplicated readings), in DuckDB
// SQL. Gold covers only event times before the watermark; realtime views cover the rest.
// Floating aggregates are rounded so that a re-run over the same inputs publishes
// byte-identical views whatever order parallel aggregation summed them in.

import { CRITICAL_CPU_PCT, CRITICAL_TEMP_C, METRICS } from '../telemetry/index.ts';

const ts = (bucket: 'minute' | 'hour') => `date_trunc('${bucket}', epoch_ms(ts_ms))`;
/** Timestamps leave DuckDB as text with an explicit UTC offset, whatever PostgreSQL's session zone. */
const utc = (expr: string) => `strftime(${expr}, '%Y-%m-%d %H:%M:%S+00')`;
const r = (expr: string, digits = 6) => `round(${expr}, ${digits})`;

const minuteAggregates = METRICS.map((m) => `count(${m}), ${r(`sum(${m})`)}, min(${m}), max(${m})`).join(', ');
const hourStats = METRICS.map((m) => `${r(`avg(${m})`)}, min(${m}), max(${m}), ${r(`quantile_cont(${m}, 0.95)`)}`).join(', ');
/** Per-metric reading counts (the <metric>_n columns of gold_host_hour, migration 0008, and gold_region_hour, 0010). */
const metricCounts = METRICS.map((m) => `count(${m})`).join(', ');
/** Readings past the speed layer's critical thresholds (telemetry/alerts.ts), counted the same way. */
const HOT = `count(*) FILTER (WHERE cpu_pct > ${Number(CRITICAL_CPU_PCT)} OR temp_c > ${Number(CRITICAL_TEMP_C)})`;

/**
 * Each gold table's SELECT over `silver` (a table or relation), columns in the order of its
 * PostgreSQL table (0003_batch_views.sql). Every gold row belongs to one UTC day, so the
 * views of a day are computed from that day's silver alone.
 */
export function goldQueries(watermarkMs: number, silver = 'silver'): Record<GoldTable, string> {
  const covered = `(SELECT * FROM ${silver} WHERE ts_ms < ${watermarkMs})`;
  const health = `(SELECT region, host_id, CAST(epoch_ms(ts_ms) AS DATE) AS day, count(*) AS n,
      avg(cpu_pct) AS cpu, avg(mem_pct) AS mem,
      100.0 * count(*) FILTER (WHERE cpu_pct > 80) / nullif(count(cpu_pct), 0) AS high_util
    FROM ${covered} GROUP BY 1, 2, 3)`;
  const score = `CASE WHEN cpu IS NULL THEN NULL ELSE 100 - (0.4 * cpu + 0.4 * coalesce(mem, cpu) + 0.2 * high_util) END`;
  return {
    gold_region_minute: `SELECT region, ${utc(ts('minute'))}, count(*), ${minuteAggregates} FROM ${covered} GROUP BY region, ${ts('minute')} ORDER BY 1, 2`,
    gold_host_hour: `SELECT region, host_id, ${utc(ts('hour'))}, count(*), ${hourStats}, ${HOT}, ${metricCounts} FROM ${covered} GROUP BY region, host_id, ${ts('hour')} ORDER BY 1, 2, 3`,
    gold_region_hour: `SELECT region, ${utc(ts('hour'))}, count(*), count(DISTINCT host_id), ${hourStats}, ${HOT}, ${metricCounts} FROM ${covered} GROUP BY region, ${ts('hour')} ORDER BY 1, 2`,
    gold_host_health: `SELECT region, host_id, day, n, ${r('cpu', 4)}, ${r('mem', 4)}, CASE WHEN mem IS NULL THEN 'cpu_pct' ELSE 'mem_pct' END,
      ${r('high_util', 4)}, ${r(score, 2)} FROM ${health} ORDER BY 1, 2, 3`,
    gold_region_day: `SELECT s.region, s.day, s.n, s.hosts, ${r('s.avg_temp', 4)}, s.max_temp, ${r('s.avg_cpu', 4)}, ${r('s.p95_cpu', 4)}, ${r('s.avg_power', 4)}, s.critical,
        ${r('h.avg_health', 2)}
      FROM (SELECT region, CAST(epoch_ms(ts_ms) AS DATE) AS day, count(*) AS n, count(DISTINCT host_id) AS hosts, avg(temp_c) AS avg_temp,
          max(temp_c) AS max_temp, avg(cpu_pct) AS avg_cpu, quantile_cont(cpu_pct, 0.95) AS p95_cpu, avg(power_w) AS avg_power, ${HOT} AS critical
        FROM ${covered} GROUP BY 1, 2) s
      LEFT JOIN (SELECT region, day, avg(${score}) AS avg_health FROM ${health} GROUP BY 1, 2) h USING (region, day)
      ORDER BY 1, 2`,
    gold_temp_hist_hour: `SELECT region, ${utc(ts('hour'))}, CAST(floor(temp_c) AS INTEGER), count(*) FROM ${covered} WHERE temp_c IS NOT NULL
      GROUP BY region, ${ts('hour')}, 3 ORDER BY 1, 2, 3`,
  };
}

export const GOLD_TABLES = ['gold_region_minute', 'gold_host_hour', 'gold_region_hour', 'gold_host_health', 'gold_region_day', 'gold_temp_hist_hour'] as const;
export type GoldTable = (typeof GOLD_TABLES)[number];

/** The column that places each gold row in its UTC day (a timestamptz, or a date). */
export const GOLD_DAY_COLUMN: Record<GoldTable, { column: string; type: 'timestamptz' | 'date' }> = {
  gold_region_minute: { column: 'minute', type: 'timestamptz' },
  gold_host_hour: { column: 'hour', type: 'timestamptz' },
  gold_region_hour: { column: 'hour', type: 'timestamptz' },
  gold_host_health: { column: 'day', type: 'date' },
  gold_region_day: { column: 'day', type: 'date' },
  gold_temp_hist_hour: { column: 'hour', type: 'timestamptz' },
};
