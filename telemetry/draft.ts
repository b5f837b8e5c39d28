// Interpreting a schema spec on one row of native fields: host, time, region and
// converted metrics, in that order (the first problem found is the one reported).

import { emptyMetrics, type Metrics } from './record.ts';
import { FieldRejection, readNumber, readText, requireNumber, requireText, type NativeFields } from './fields.ts';
import { reject } from './rejection.ts';
import type { Conversion, NativeSchema, RegionSource, TimeEncoding } from './schemas.ts';
import { parseIsoInstant, parseIstTime, parseLocalTime } from './time.ts';

/** What a schema extracts before ids, rounding and validation are applied. */
export interface Draft { host_id: string; ts: number; region: string; metrics: Metrics }

export interface DraftContext {
  /** Offset east of UTC used for zone-less legacy timestamps. */
  legacyOffsetMinutes: number;
}

/** Unit conversions by name, before rounding (the batch layer mirrors each in SQL). */
export const CONVERSIONS: Readonly<Record<Conversion, (value: number) => number>> = {
  none: (v) => v,
  fahrenheit_to_celsius: (f) => ((f - 32) * 5) / 9,
  kelvin_to_celsius: (k) => k - 273.15,
  fraction_to_percent: (fraction) => fraction * 100,
};

/** Epoch numbers below this are seconds, at or above it milliseconds (year 5138 in seconds). */
export const EPOCH_MILLIS_THRESHOLD = 1e11;

function requireTime(value: number | null, field: string): number {
  if (value === null) throw new FieldRejection(reject('bad_time', `${field} is not a valid time`, field));
  return value;
}

function readTime(fields: NativeFields, field: string, encoding: TimeEncoding, ctx: DraftContext): number {
  switch (encoding) {
    case 'ist_text':
      return requireTime(parseIstTime(requireText(fields, field)), field);
    case 'iso_zoned':
      return requireTime(parseIsoInstant(requireText(fields, field)), field);
    case 'epoch_seconds':
      return Math.round(requireNumber(fields, field) * 1000);
    case 'epoch_millis':
      return Math.round(requireNumber(fields, field));
    case 'flexible': {
      const raw = fields[field];
      if (typeof raw === 'number' || typeof raw === 'bigint') {
        const n = requireNumber(fields, field);
        return Math.round(n < EPOCH_MILLIS_THRESHOLD ? n * 1000 : n);
      }
      const text = requireText(fields, field);
      return requireTime(parseIsoInstant(text) ?? parseLocalTime(text, ctx.legacyOffsetMinutes), field);
    }
  }
}

function readRegion(fields: NativeFields, source: RegionSource): string {
  if (source.kind === 'fixed') return source.region;
  if (source.kind === 'required') return requireText(fields, source.field);
  return readText(fields, source.field) ?? source.fallback;
}

export function draftFromSpec(schema: NativeSchema, fields: NativeFields, ctx: DraftContext): Draft {
  const host_id = requireText(fields, schema.hostField);
  const ts = readTime(fields, schema.time.field, schema.time.encoding, ctx);
  const region = readRegion(fields, schema.regionSource);
  const metrics = emptyMetrics();
  for (const { field, metric, conversion } of schema.metrics) {
    const value = readNumber(fields, field);
    metrics[metric] = value === null ? null : CONVERSIONS[conversion](value);
  }
  return { host_id, ts, region, metrics };
}
