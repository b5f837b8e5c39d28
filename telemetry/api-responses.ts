// The JSON bodies the serving API answers with: the contract between serving/ (whose routes
// build them, and whose index.ts re-exports them) and the dashboard, declared once. They live
// here rather than in serving/ so that the dashboard, type-checked in the browser's world,
// imports them without compiling the Express server and Node's types. Types only, no code.
// Times are ISO-8601 strings; PostgreSQL bigint columns passed through unconverted arrive as
// decimal strings and are typed so.

import type { CpuLevel } from './alerts.ts';
import type { Metric } from './record.ts';

/** Which side of the watermark a row comes from. */
export type Origin = 'batch' | 'realtime';

export interface Probe { ok: boolean; detail: string }

export interface SpeedInstance {
  instance_id: string;
  updated_at: string;
  events_in: string;
  events_stored: string;
  events_rejected: string;
  rate_in: number;
  rate_stored: number;
  lag: string;
  rejects: Record<string, number>;
  sink_errors: Record<string, { count: number; last: string; at: string }>;
}

export interface LastBatch {
  run_id: string | null;
  finished_at: string | null;
  rows_read: string | null;
  rows_kept: string | null;
  rows_quarantined: string | null;
  seconds: number | null;
  watermark: string;
}

/** GET /api/health */
export interface HealthResponse {
  status: 'ok' | 'degraded' | 'down';
  kafka: Probe;
  postgres: Probe;
  speed: { instances: SpeedInstance[]; lag: number; rate_in: number } | null;
  batch: LastBatch | null;
}

export interface RegionOverview {
  region: string;
  readings: number;
  temp_c: number | null;
  temp_c_delta: number | null;
  cpu_pct: number | null;
  cpu_pct_delta: number | null;
  disk_pct: number | null;
  power_kw: number | null;
  active_hosts: number;
  cpu_levels: Record<CpuLevel, number>;
}

/** GET /api/overview */
export interface OverviewResponse { from: string; to: string; regions: RegionOverview[] }

/** One series' bucket: `series` is the region, or the host (then with its region). */
export interface SeriesPoint { series: string; region?: string; t: string; n: number; avg: number | null; min: number | null; max: number | null }

/** GET /api/timeseries (as JSON) */
export interface TimeseriesResponse { metric: Metric; group: 'region' | 'host'; step_ms: number; points: SeriesPoint[] }

export interface HistogramBin { from: number; to: number; n: number }

/** GET /api/histogram */
export interface HistogramResponse { metric: Metric; bins: HistogramBin[] }

export interface VolumeRow { region: string; t: string; origin: Origin; n: number }

/** GET /api/volume: readings per region, bucket and origin, the ingest rate and today's rejects by reason. */
export interface VolumeResponse { series: VolumeRow[]; totals: Record<Origin, number>; ingest_rate: number; rejects: Record<string, number> }

/** A host's latest reading (rt_host_latest) with its CPU level. */
export interface HostLatest {
  region: string;
  host_id: string;
  ts: string;
  event_id: string;
  temp_c: number | null;
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  net_in_kbps: number | null;
  net_out_kbps: number | null;
  voltage_v: number | null;
  power_w: number | null;
  cpu_level: CpuLevel | null;
}

/** GET /api/hosts */
export interface HostsResponse { hosts: HostLatest[] }

export interface AlertRow {
  alert_id: number;
  region: string;
  host_id: string;
  rule: string;
  kind: string;
  severity: string;
  metric: string;
  status: 'firing' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
  peak_value: number | null;
  last_value: number | null;
  detail: Record<string, unknown> | null;
  origin: Origin;
  duration_s: number;
}

/** GET /api/alerts */
export interface AlertsResponse { alerts: AlertRow[] }

export interface AnomalyPoint {
  event_id: string;
  ts: string;
  region: string;
  host_id: string;
  score: number;
  metric: Metric | null;
  value: number | null;
  z: number | null;
  reason: string;
  model_version: number | null;
  origin: Origin;
}

/** The model the speed layer scores with: its version and thresholds, not its trees. */
export interface AnomalyModelSummary {
  version: number;
  run_id: string;
  trained_at: string;
  trained_through: string;
  training_rows: number;
  hosts: number;
  features: string[];
  isolation_threshold: number | null;
  z_threshold: number | null;
  contamination: number | null;
}

/** GET /api/anomalies */
export interface AnomaliesResponse { model: AnomalyModelSummary | null; points: AnomalyPoint[] }

export interface HealthScore {
  region: string;
  host_id: string;
  day: string;
  n: number;
  avg_cpu_pct: number | null;
  avg_mem_pct: number | null;
  memory_basis: string;
  high_util_pct: number | null;
  health_score: number | null;
}

/** GET /api/health-scores */
export interface HealthScoresResponse { scores: HealthScore[] }

/** POST /api/control/rate (202) */
export interface ControlRateResponse { rate: number }

/** Every refusal and failure: the code is the PulseError's code in lower case. */
export interface ErrorResponse { error: { code: string; message: string } }
