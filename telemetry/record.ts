// The canonical telemetry record: the one shape every layer (speed, batch, serving) agrees on.
// Every metric is nullable: a region that does not report a field yields null, never 0.

/** Where a reading entered Pulse. */
export const SOURCES = ['history', 'live', 'agent', 'bridge'] as const;
export type Source = (typeof SOURCES)[number];

/** Metric columns of the canonical record, in storage order. */
export const METRICS = [
  'temp_c',
  'cpu_pct',
  'mem_pct',
  'disk_pct',
  'net_in_kbps',
  'net_out_kbps',
  'voltage_v',
  'power_w',
] as const;
export type Metric = (typeof METRICS)[number];

export type Metrics = { [M in Metric]: number | null };

export interface TelemetryRecord extends Metrics {
  /** Unique per reading; deterministic when derived (see deriveEventId). */
  event_id: string;
  /** Event time as a UTC instant, in epoch milliseconds. */
  ts: number;
  region: string;
  host_id: string;
  source: Source;
}

/** All-null metrics, the starting point of every decoder. */
export function emptyMetrics(): Metrics {
  return {
    temp_c: null,
    cpu_pct: null,
    mem_pct: null,
    disk_pct: null,
    net_in_kbps: null,
    net_out_kbps: null,
    voltage_v: null,
    power_w: null,
  };
}

/**
 * The id of a reading that arrived without one: the same reading re-sent by a
 * reconnecting producer, or read again from history, always gets the same id.
 * Plain text rather than a hash so that DuckDB SQL can build the identical id.
 */
export function deriveEventId(region: string, hostId: string, tsMs: number): string {
  return `${region}:${hostId}:${tsMs}`;
}
