// Alerts and anomaly points merged at the watermark, like every other view: before it the
// batch views (episodes the batch layer recomputed from silver with the speed layer's own
// rules), from it on the speed layer's tables. An episode the batch view saw still firing at
// the watermark is continued by the realtime alert that was open then (its status, end and
// last value), so an alert that straddles the watermark is reported once, with its one
// opening time. Parameters: $1 from, $2 to, $3 region, $4 status, $5 kind, $6 limit.

import { WATERMARK_CTE } from './merged.ts';

/** A batch episode's id: stable across runs, negative so it never meets a realtime alert_id. */
const BATCH_ALERT_ID = `-(('x' || substr(md5(s.region || '/' || s.host_id || '/' || s.rule || '/' || s.opened_at::text), 1, 12))::bit(48)::bigint)`;

export const MERGED_ALERTS_SQL = `WITH ${WATERMARK_CTE},
segments AS (
  SELECT region, host_id, rule, kind, opened_at, max(segment_peak) AS peak_value, max(resolved_at) AS resolved_at,
    (array_agg(last_value ORDER BY day DESC) FILTER (WHERE last_value IS NOT NULL))[1] AS last_value,
    min(severity) AS severity, min(metric) AS metric, min(fire_above) AS fire_above, min(clear_below) AS clear_below,
    (array_agg(detail ORDER BY day))[1] AS detail, max(closed_by) AS closed_by
  FROM batch_alert_segments, w
  WHERE opened_at < w.w AND opened_at < $2 AND ($3::text IS NULL OR region = $3) AND ($5 = 'all' OR kind = $5)
  GROUP BY region, host_id, rule, kind, opened_at
),
batch AS (
  SELECT ${BATCH_ALERT_ID} AS alert_id, s.region, s.host_id, s.rule, s.kind, s.severity, s.metric,
    CASE WHEN s.resolved_at IS NOT NULL THEN 'resolved' ELSE coalesce(rt.status, 'firing') END AS status, s.opened_at,
    coalesce(s.resolved_at, rt.resolved_at) AS resolved_at, greatest(s.peak_value, rt.peak_value) AS peak_value,
    coalesce(CASE WHEN s.resolved_at IS NULL THEN rt.last_value END, s.last_value, s.peak_value) AS last_value,
    CASE WHEN s.closed_by IS NULL THEN s.detail ELSE s.detail || jsonb_build_object('closed_by', s.closed_by) END AS detail, 'batch' AS origin
  FROM segments s LEFT JOIN LATERAL (
    SELECT a.status, a.resolved_at, a.peak_value, a.last_value FROM alerts a, w
    WHERE s.resolved_at IS NULL AND a.region = s.region AND a.host_id = s.host_id AND a.rule = s.rule AND a.kind = s.kind
      AND a.opened_at < w.w AND (a.resolved_at IS NULL OR a.resolved_at >= w.w)
    ORDER BY a.opened_at DESC LIMIT 1) rt ON true
),
realtime AS (
  SELECT alert_id, region, host_id, rule, kind, severity, metric, status, opened_at, resolved_at, peak_value, last_value, detail, 'realtime' AS origin
  FROM alerts, w WHERE opened_at >= w.w AND opened_at < $2 AND ($3::text IS NULL OR region = $3) AND ($5 = 'all' OR kind = $5)
)
SELECT * FROM (SELECT * FROM batch UNION ALL SELECT * FROM realtime) merged
WHERE ($4 = 'all' OR status = $4) AND (resolved_at IS NULL OR resolved_at >= $1)
ORDER BY opened_at DESC, alert_id LIMIT $6`;

export const MERGED_ANOMALIES_SQL = `WITH ${WATERMARK_CTE}
SELECT * FROM (
  SELECT event_id, ts, region, host_id, score, metric, value, z, reason, NULL::bigint AS model_version, 'batch' AS origin FROM batch_anomaly_points, w
  WHERE ts >= $1 AND ts < $2 AND ts < w.w AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR host_id = $4)
  UNION ALL
  SELECT event_id, ts, region, host_id, score, metric, value, z, reason, model_version, 'realtime' AS origin FROM anomaly_points, w
  WHERE ts >= $1 AND ts < $2 AND ts >= w.w AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR host_id = $4)
  ORDER BY score DESC LIMIT $5
) top ORDER BY ts`;
