// The native shapes readings arrive in, one versioned schema per region and version,
// described as data: which field holds the host, the time (and in what form), the region,
// and each metric with its unit conversion. The TypeScript decoder interprets these
// specs, and the batch layer generates its DuckDB SQL from the very same specs, so the
// two cannot drift apart. Adding a version means adding an entry here.

import { METRICS, type Metric } from './record.ts';

/** Kafka header that names a payload's schema, e.g. "usa/v2". */
export const SCHEMA_HEADER = 'pulse-schema';

export type NativeFormat = 'csv' | 'jsonl' | 'parquet' | 'socket' | 'json';

/** How a native time field encodes the instant. */
export type TimeEncoding =
  | 'ist_text' // "YYYY-MM-DD HH:MM:SS" wall-clock time in Asia/Kolkata (+05:30)
  | 'iso_zoned' // ISO-8601 text with a zone designator
  | 'epoch_seconds'
  | 'epoch_millis'
  | 'flexible'; // epoch seconds or ms (a number), ISO with a zone, or zone-less text at the legacy offset

/** How a native metric value becomes the canonical unit. */
export type Conversion = 'none' | 'fahrenheit_to_celsius' | 'kelvin_to_celsius' | 'fraction_to_percent';

export interface MetricField { readonly field: string; readonly metric: Metric; readonly conversion: Conversion }

/** Where the region comes from: fixed by the schema, a required field, or an optional one with a default. */
export type RegionSource =
  | { readonly kind: 'fixed'; readonly region: string }
  | { readonly kind: 'required'; readonly field: string }
  | { readonly kind: 'optional'; readonly field: string; readonly fallback: string };

export interface NativeSchema {
  readonly tag: string;
  /** The region every record of this schema belongs to, or null when records name it. */
  readonly region: string | null;
  readonly version: number;
  readonly format: NativeFormat;
  /** Every native field, in the order the original system wrote them. */
  readonly fields: readonly string[];
  /** Fields whose presence selects this schema when no tag is given. */
  readonly identity: readonly string[];
  readonly hostField: string;
  readonly time: { readonly field: string; readonly encoding: TimeEncoding };
  readonly regionSource: RegionSource;
  /** Metrics in the order they are read (which decides the reason when several are bad). */
  readonly metrics: readonly MetricField[];
}

const metric = (field: string, m: Metric, conversion: Conversion = 'none'): MetricField => ({ field, metric: m, conversion });
const fixed = (region: string): RegionSource => ({ kind: 'fixed', region });

const indiaV1: NativeSchema = {
  tag: 'india/v1', region: 'india', version: 1, format: 'csv',
  fields: ['server_code', 'timestamp_ist', 'temp_celsius', 'cpu_usage_percent'],
  identity: ['server_code', 'timestamp_ist'],
  hostField: 'server_code', time: { field: 'timestamp_ist', encoding: 'ist_text' }, regionSource: fixed('india'),
  metrics: [metric('temp_celsius', 'temp_c'), metric('cpu_usage_percent', 'cpu_pct')],
};

/** India v2 reorders the columns and adds memory use. */
const indiaV2: NativeSchema = {
  ...indiaV1, tag: 'india/v2', version: 2,
  fields: ['timestamp_ist', 'server_code', 'cpu_usage_percent', 'temp_celsius', 'mem_usage_percent'],
  identity: ['server_code', 'timestamp_ist', 'mem_usage_percent'],
  metrics: [...indiaV1.metrics, metric('mem_usage_percent', 'mem_pct')],
};

const usaV1: NativeSchema = {
  tag: 'usa/v1', region: 'usa', version: 1, format: 'jsonl',
  fields: ['instance_id', 'time_utc', 'temp_fahrenheit', 'load_fraction', 'voltage_v'],
  identity: ['instance_id', 'time_utc'],
  hostField: 'instance_id', time: { field: 'time_utc', encoding: 'iso_zoned' }, regionSource: fixed('usa'),
  metrics: [metric('temp_fahrenheit', 'temp_c', 'fahrenheit_to_celsius'), metric('load_fraction', 'cpu_pct', 'fraction_to_percent'), metric('voltage_v', 'voltage_v')],
};

/** USA v2 adds the power draw. */
const usaV2: NativeSchema = {
  ...usaV1, tag: 'usa/v2', version: 2,
  fields: [...usaV1.fields, 'power_watts'],
  identity: ['instance_id', 'time_utc', 'power_watts'],
  metrics: [...usaV1.metrics, metric('power_watts', 'power_w')],
};

const germanyV1: NativeSchema = {
  tag: 'germany/v1', region: 'germany', version: 1, format: 'parquet',
  fields: ['node_name', 'epoch_time', 'temp_kelvin', 'power_watts'],
  identity: ['node_name', 'epoch_time'],
  hostField: 'node_name', time: { field: 'epoch_time', encoding: 'epoch_seconds' }, regionSource: fixed('germany'),
  metrics: [metric('temp_kelvin', 'temp_c', 'kelvin_to_celsius'), metric('power_watts', 'power_w')],
};

/** Germany v2 switches to epoch milliseconds under a new name and adds CPU and disk use. */
const germanyV2: NativeSchema = {
  ...germanyV1, tag: 'germany/v2', version: 2,
  fields: ['node_name', 'epoch_ms', 'temp_kelvin', 'power_watts', 'cpu_percent', 'disk_used_pct'],
  identity: ['node_name', 'epoch_ms'],
  time: { field: 'epoch_ms', encoding: 'epoch_millis' },
  metrics: [...germanyV1.metrics, metric('cpu_percent', 'cpu_pct'), metric('disk_used_pct', 'disk_pct')],
};

/** The original system's TCP socket line; it names no region unless it carries one. */
const legacyV1: NativeSchema = {
  tag: 'legacy/v1', region: null, version: 1, format: 'socket',
  fields: ['host_id', 'timestamp', 'temp_c', 'cpu_load', 'voltage', 'power_watts'],
  identity: ['host_id', 'timestamp'],
  hostField: 'host_id', time: { field: 'timestamp', encoding: 'flexible' }, regionSource: { kind: 'optional', field: 'region', fallback: 'legacy' },
  metrics: [metric('temp_c', 'temp_c'), metric('cpu_load', 'cpu_pct'), metric('voltage', 'voltage_v'), metric('power_watts', 'power_w')],
};

/** Pulse's own canonical JSON, produced by the host agent and any modern producer. */
const pulseV1: NativeSchema = {
  tag: 'pulse/v1', region: null, version: 1, format: 'json',
  fields: ['event_id', 'ts', 'region', 'host_id', ...METRICS, 'source'],
  identity: ['host_id', 'ts', 'region'],
  hostField: 'host_id', time: { field: 'ts', encoding: 'flexible' }, regionSource: { kind: 'required', field: 'region' },
  metrics: METRICS.map((m) => metric(m, m)),
};

/** Every known schema, newest version of each family first (detection order). */
export const SCHEMAS: readonly NativeSchema[] = [
  pulseV1, indiaV2, indiaV1, usaV2, usaV1, germanyV2, germanyV1, legacyV1,
];

export const HISTORY_REGIONS = ['india', 'usa', 'germany'] as const;
export type HistoryRegion = (typeof HISTORY_REGIONS)[number];

export function schemaByTag(tag: string): NativeSchema | undefined {
  return SCHEMAS.find((s) => s.tag === tag);
}

/** The schema whose identifying fields are all present (present-but-null counts). */
export function detectSchema(fields: Readonly<Record<string, unknown>>): NativeSchema | undefined {
  return SCHEMAS.find((s) => s.identity.every((name) => Object.hasOwn(fields, name)));
}

/** Detection from a list of column names (a CSV header, a Parquet schema). */
export function detectSchemaByColumns(columns: readonly string[]): NativeSchema | undefined {
  const present = new Set(columns);
  return SCHEMAS.find((s) => s.identity.every((name) => present.has(name)));
}

/** The schemas of one region, oldest version first. */
export function regionSchemas(region: HistoryRegion): NativeSchema[] {
  return SCHEMAS.filter((s) => s.region === region).sort((a, b) => a.version - b.version);
}
