// The native shapes readings arrive in, one versioned schema per region and version.
// A schema names its fields in native order (writers use that order) and the fields
// whose presence identifies it, so a decoder can pick the version by shape when no
// schema tag says which. Adding a version = adding an entry here; nothing else changes.

import { emptyMetrics, type Metrics } from './record.ts';
import { parseIsoInstant, parseIstTime, parseLocalTime } from './time.ts';
import {
  FieldRejection, readNumber, readText, requireNumber, requireText, type NativeFields,
} from './fields.ts';
import { reject } from './rejection.ts';

/** Kafka header that names a payload's schema, e.g. "usa/v2". */
export const SCHEMA_HEADER = 'pulse-schema';

export type NativeFormat = 'csv' | 'jsonl' | 'parquet' | 'socket' | 'json';

/** What a schema extracts before ids, rounding and validation are applied. */
export interface Draft {
  host_id: string;
  ts: number;
  /** Null when the schema leaves the region to the payload or the caller. */
  region: string | null;
  metrics: Metrics;
}

export interface DraftContext {
  /** Offset east of UTC used for zone-less legacy socket timestamps. */
  legacyOffsetMinutes: number;
}

export interface NativeSchema {
  readonly tag: string;
  readonly region: string | null;
  readonly version: number;
  readonly format: NativeFormat;
  /** Every native field, in the order the original system wrote them. */
  readonly fields: readonly string[];
  /** Fields whose presence selects this schema when no tag is given. */
  readonly identity: readonly string[];
  readonly toDraft: (fields: NativeFields, ctx: DraftContext) => Draft;
}

function requireTime(value: number | null, field: string): number {
  if (value === null) throw new FieldRejection(reject('bad_time', `${field} is not a valid time`, field));
  return value;
}

function istTime(fields: NativeFields, field: string): number {
  return requireTime(parseIstTime(requireText(fields, field)), field);
}

function epochTime(fields: NativeFields, field: string, unitMs: number): number {
  return Math.round(requireNumber(fields, field) * unitMs);
}

/** ISO text with a zone, zone-less wall-clock text at the legacy offset, or epoch seconds/ms. */
function flexibleTime(fields: NativeFields, field: string, offsetMinutes: number): number {
  const raw = fields[field];
  if (typeof raw === 'number') return Math.round(raw < 1e11 ? raw * 1000 : raw);
  const text = requireText(fields, field);
  return requireTime(parseIsoInstant(text) ?? parseLocalTime(text, offsetMinutes), field);
}

function metrics(values: Partial<Metrics>): Metrics {
  return { ...emptyMetrics(), ...values };
}

const indiaV1: NativeSchema = {
  tag: 'india/v1', region: 'india', version: 1, format: 'csv',
  fields: ['server_code', 'timestamp_ist', 'temp_celsius', 'cpu_usage_percent'],
  identity: ['server_code', 'timestamp_ist'],
  toDraft: (f) => ({
    host_id: requireText(f, 'server_code'), ts: istTime(f, 'timestamp_ist'), region: 'india',
    metrics: metrics({ temp_c: readNumber(f, 'temp_celsius'), cpu_pct: readNumber(f, 'cpu_usage_percent') }),
  }),
};

/** India v2 reorders the columns and adds memory use. */
const indiaV2: NativeSchema = {
  ...indiaV1, tag: 'india/v2', version: 2,
  fields: ['timestamp_ist', 'server_code', 'cpu_usage_percent', 'temp_celsius', 'mem_usage_percent'],
  identity: ['server_code', 'timestamp_ist', 'mem_usage_percent'],
  toDraft: (f, ctx) => {
    const draft = indiaV1.toDraft(f, ctx);
    return { ...draft, metrics: { ...draft.metrics, mem_pct: readNumber(f, 'mem_usage_percent') } };
  },
};

const usaV1: NativeSchema = {
  tag: 'usa/v1', region: 'usa', version: 1, format: 'jsonl',
  fields: ['instance_id', 'time_utc', 'temp_fahrenheit', 'load_fraction', 'voltage_v'],
  identity: ['instance_id', 'time_utc'],
  toDraft: (f) => {
    const tempF = readNumber(f, 'temp_fahrenheit');
    const load = readNumber(f, 'load_fraction');
    return {
      host_id: requireText(f, 'instance_id'),
      ts: requireTime(parseIsoInstant(requireText(f, 'time_utc')), 'time_utc'),
      region: 'usa',
      metrics: metrics({
        temp_c: tempF === null ? null : ((tempF - 32) * 5) / 9,
        cpu_pct: load === null ? null : load * 100,
        voltage_v: readNumber(f, 'voltage_v'),
      }),
    };
  },
};

/** USA v2 adds the power draw. */
const usaV2: NativeSchema = {
  ...usaV1, tag: 'usa/v2', version: 2,
  fields: [...usaV1.fields, 'power_watts'],
  identity: ['instance_id', 'time_utc', 'power_watts'],
  toDraft: (f, ctx) => {
    const draft = usaV1.toDraft(f, ctx);
    return { ...draft, metrics: { ...draft.metrics, power_w: readNumber(f, 'power_watts') } };
  },
};

function kelvinMetrics(f: NativeFields): Partial<Metrics> {
  const kelvin = readNumber(f, 'temp_kelvin');
  return { temp_c: kelvin === null ? null : kelvin - 273.15, power_w: readNumber(f, 'power_watts') };
}

const germanyV1: NativeSchema = {
  tag: 'germany/v1', region: 'germany', version: 1, format: 'parquet',
  fields: ['node_name', 'epoch_time', 'temp_kelvin', 'power_watts'],
  identity: ['node_name', 'epoch_time'],
  toDraft: (f) => ({
    host_id: requireText(f, 'node_name'), ts: epochTime(f, 'epoch_time', 1000), region: 'germany',
    metrics: metrics(kelvinMetrics(f)),
  }),
};

/** Germany v2 switches to epoch milliseconds under a new name and adds CPU and disk use. */
const germanyV2: NativeSchema = {
  ...germanyV1, tag: 'germany/v2', version: 2,
  fields: ['node_name', 'epoch_ms', 'temp_kelvin', 'power_watts', 'cpu_percent', 'disk_used_pct'],
  identity: ['node_name', 'epoch_ms'],
  toDraft: (f) => ({
    host_id: requireText(f, 'node_name'), ts: epochTime(f, 'epoch_ms', 1), region: 'germany',
    metrics: metrics({
      ...kelvinMetrics(f), cpu_pct: readNumber(f, 'cpu_percent'), disk_pct: readNumber(f, 'disk_used_pct'),
    }),
  }),
};

/** The original system's TCP socket line; it names no region unless it carries one. */
const legacyV1: NativeSchema = {
  tag: 'legacy/v1', region: null, version: 1, format: 'socket',
  fields: ['host_id', 'timestamp', 'temp_c', 'cpu_load', 'voltage', 'power_watts'],
  identity: ['host_id', 'timestamp'],
  toDraft: (f, ctx) => ({
    host_id: requireText(f, 'host_id'),
    ts: flexibleTime(f, 'timestamp', ctx.legacyOffsetMinutes),
    region: readText(f, 'region') ?? 'legacy',
    metrics: metrics({
      temp_c: readNumber(f, 'temp_c'), cpu_pct: readNumber(f, 'cpu_load'),
      voltage_v: readNumber(f, 'voltage'), power_w: readNumber(f, 'power_watts'),
    }),
  }),
};

const CANONICAL_METRICS = Object.keys(emptyMetrics()) as (keyof Metrics)[];

/** Pulse's own canonical JSON, produced by the host agent and any modern producer. */
const pulseV1: NativeSchema = {
  tag: 'pulse/v1', region: null, version: 1, format: 'json',
  fields: ['event_id', 'ts', 'region', 'host_id', ...CANONICAL_METRICS, 'source'],
  identity: ['host_id', 'ts', 'region'],
  toDraft: (f, ctx) => {
    const values: Partial<Metrics> = {};
    for (const metric of CANONICAL_METRICS) values[metric] = readNumber(f, metric);
    return {
      host_id: requireText(f, 'host_id'),
      ts: flexibleTime(f, 'ts', ctx.legacyOffsetMinutes),
      region: requireText(f, 'region'),
      metrics: metrics(values),
    };
  },
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
export function detectSchema(fields: NativeFields): NativeSchema | undefined {
  return SCHEMAS.find((s) => s.identity.every((name) => Object.hasOwn(fields, name)));
}

/** The schemas of one region, oldest version first. */
export function regionSchemas(region: HistoryRegion): NativeSchema[] {
  return SCHEMAS.filter((s) => s.region === region).sort((a, b) => a.version - b.version);
}
