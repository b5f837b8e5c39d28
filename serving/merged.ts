// Lambda serving: batch views answer before the watermark, realtime views from it on.
// The watermark is read inside the same statement as the views, so a query sees one
// consistent state even while a batch run swaps its views in.

import type { Metric } from '../telemetry/index.ts';

/** The current watermark, or -infinity before the first batch run. */
export const WATERMARK_CTE = `w AS (SELECT coalesce((SELECT watermark FROM batch_watermark), '-infinity'::timestamptz) AS w)`;

/**
 * Per-minute, per-region rows over [$1, $2), optionally of one region ($3): columns region,
 * minute, n, the count/sum/min/max columns of each metric asked for, and origin
 * ('batch' | 'realtime'). Metrics come from the validated METRICS enum, never from raw input.
 */
export function regionMinutes(...metrics: Metric[]): string {
  const cols = ['region', 'minute', 'n', ...metrics.flatMap((m) => [`${m}_n`, `${m}_sum`, `${m}_min`, `${m}_max`])].join(', ');
  return `minutes AS (
    SELECT ${cols}, 'batch' AS origin FROM gold_region_minute, w
    WHERE minute >= $1 AND minute < $2 AND minute < w.w AND ($3::text IS NULL OR region = $3)
    UNION ALL
    SELECT ${cols}, 'realtime' AS origin FROM rt_region_minute, w
    WHERE minute >= $1 AND minute < $2 AND minute >= w.w AND ($3::text IS NULL OR region = $3)
  )`;
}

/**
 * Per-host rows of one metric over [$1, $2) for region $3 and host $4 (either may be NULL):
 * hours of the batch view before the watermark, minutes of the realtime view from it on,
 * each weighted by the readings that have the metric, as the realtime view's sum and count are.
 */
export function hostBuckets(metric: Metric): string {
  return `host_rows AS (
    SELECT region, host_id, hour AS t, n, ${metric}_avg * coalesce(${metric}_n, n) AS weighted, coalesce(${metric}_n, n) AS weight, ${metric}_min AS m_min, ${metric}_max AS m_max FROM gold_host_hour, w
    WHERE hour >= $1 AND hour < $2 AND hour < w.w AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR host_id = $4)
    UNION ALL
    SELECT region, host_id, minute AS t, n, ${metric}_sum, ${metric}_n, ${metric}_min, ${metric}_max FROM rt_host_minute, w
    WHERE minute >= $1 AND minute < $2 AND minute >= w.w AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR host_id = $4)
  )`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Like regionMinutes, for totals over a range (columns region, n, <metric>_n, <metric>_sum):
 * the whole hours of the batch view inside the range come from gold_region_hour (an hour's
 * sum is its average times the readings that have the metric), the minutes at either edge
 * from gold_region_minute, and realtime minutes from the watermark on. A 7-day window reads
 * some 500 hourly rows instead of 30,000 minutes.
 */
export function regionSpans(...metrics: Metric[]): string {
  const hourCols = metrics.flatMap((m) => [`coalesce(${m}_n, n) AS ${m}_n`, `${m}_avg * coalesce(${m}_n, n) AS ${m}_sum`]).join(', ');
  const minuteCols = metrics.flatMap((m) => [`${m}_n`, `${m}_sum`]).join(', ');
  // Bounds as scalar subqueries (InitPlans), so each branch is an index range scan.
  const bound = (expr: string) => `(SELECT ${expr} FROM bounds)`;
  const inRegion = `($3::text IS NULL OR region = $3)`;
  return `bounds AS (
    SELECT h0, greatest(h0, date_trunc('hour', lim)) AS h1, lim FROM (
      SELECT date_trunc('hour', $1::timestamptz + interval '1 hour' - interval '1 microsecond') AS h0, least($2::timestamptz, (SELECT w FROM w)) AS lim) b
  ), spans AS (
    SELECT region, n, ${hourCols} FROM gold_region_hour WHERE hour >= ${bound('h0')} AND hour < ${bound('h1')} AND ${inRegion}
    UNION ALL
    SELECT region, n, ${minuteCols} FROM gold_region_minute WHERE minute >= $1 AND minute < ${bound('least(h0, lim)')} AND ${inRegion}
    UNION ALL
    SELECT region, n, ${minuteCols} FROM gold_region_minute WHERE minute >= ${bound('greatest(h1, $1::timestamptz)')} AND minute < ${bound('lim')} AND ${inRegion}
    UNION ALL
    SELECT region, n, ${minuteCols} FROM rt_region_minute, w WHERE minute >= $1 AND minute < $2 AND minute >= w.w AND ${inRegion}
  )`;
}
