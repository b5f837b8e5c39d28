// From a raw payload or a row of native fields to a validated canonical record, or a
// rejection with its reason. Never throws: any input yields one or the other.

import { deriveEventId, METRICS, SOURCES, type Source, type TelemetryRecord } from './record.ts';
import { FieldRejection, preview, type NativeFields } from './fields.ts';
import { reject, type Rejection } from './rejection.ts';
import { detectSchema, schemaByTag, type NativeSchema } from './schemas.ts';
import { draftFromSpec } from './draft.ts';
import { DEFAULT_TIME_LIMITS, roundMetric, validateRecord, type TimeLimits } from './validate.ts';

export interface DecodeOptions {
  /** Where the reading entered; by default taken from its schema (see defaultSource). */
  source?: Source;
  /** The clock, epoch ms, for the future-time rule (passed in to keep decoding pure). */
  now: number;
  /** An explicit schema tag such as "usa/v2"; detection by shape when absent. */
  schemaTag?: string | undefined;
  /** Offset east of UTC for zone-less legacy timestamps, in minutes (default 0: UTC). */
  legacyOffsetMinutes?: number;
  limits?: TimeLimits;
}

export type DecodeResult =
  | { ok: true; record: TelemetryRecord; schema: string }
  | { ok: false; rejection: Rejection; schema?: string };

/** Payloads above this size are refused before parsing (1 MiB). */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

function failure(rejection: Rejection, schema?: NativeSchema): DecodeResult {
  return schema ? { ok: false, rejection, schema: schema.tag } : { ok: false, rejection };
}

function pickSchema(fields: NativeFields, tag: string | undefined): NativeSchema | Rejection {
  if (tag !== undefined) {
    return schemaByTag(tag) ?? reject('unknown_schema', `unknown schema tag ${preview(tag)}`);
  }
  return detectSchema(fields) ?? reject('unknown_schema', `no known schema has fields ${preview(Object.keys(fields).slice(0, 8))}`);
}

function eventIdOf(fields: NativeFields, region: string, hostId: string, ts: number): string {
  const given = fields['event_id'];
  if (given === undefined || given === null || given === '') return deriveEventId(region, hostId, ts);
  if (typeof given !== 'string') throw new FieldRejection(reject('bad_id', 'event_id is not text', 'event_id'));
  return given;
}

/**
 * Where a streamed reading came from when the caller does not say: legacy socket lines
 * arrive through the bridge, pulse/v1 records name their source (the agent's by default),
 * and native region records come from the live generator or a data center's producer.
 */
export function defaultSource(schema: NativeSchema, fields: NativeFields): Source {
  if (schema.tag === 'legacy/v1') return 'bridge';
  if (schema.tag === 'pulse/v1') {
    const named = fields['source'];
    return typeof named === 'string' && (SOURCES as readonly string[]).includes(named) ? (named as Source) : 'agent';
  }
  return 'live';
}

/** Decode one reading given as native fields (a CSV row, a JSON object, a Parquet row). */
export function decodeReading(fields: NativeFields, options: DecodeOptions): DecodeResult {
  const schema = pickSchema(fields, options.schemaTag);
  if (!('tag' in schema)) return failure(schema);
  try {
    const draft = draftFromSpec(schema, fields, { legacyOffsetMinutes: options.legacyOffsetMinutes ?? 0 });
    const region = draft.region;
    const record: TelemetryRecord = {
      event_id: eventIdOf(fields, region, draft.host_id, draft.ts),
      ts: draft.ts,
      region,
      host_id: draft.host_id,
      source: options.source ?? defaultSource(schema, fields),
      ...draft.metrics,
    };
    for (const metric of METRICS) {
      const value = record[metric];
      if (value !== null) record[metric] = roundMetric(metric, value);
    }
    const invalid = validateRecord(record, options.now, options.limits ?? DEFAULT_TIME_LIMITS);
    return invalid ? failure(invalid, schema) : { ok: true, record, schema: schema.tag };
  } catch (error) {
    if (error instanceof FieldRejection) return failure(error.rejection, schema);
    // A decoder bug must not crash a consumer: report it as a rejection with its message.
    return failure(reject('decode_failed', `decoder failed: ${String(error)}`), schema);
  }
}

/** Decode one raw message (bytes or text holding a JSON object). */
export function decodePayload(payload: string | Uint8Array, options: DecodeOptions): DecodeResult {
  const size = typeof payload === 'string' ? utf8Length(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return failure(reject('too_large', `payload of ${size} bytes exceeds ${MAX_PAYLOAD_BYTES}`));
  const text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: false }).decode(payload);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return failure(reject('not_json', `payload is not JSON: ${preview(text)}`));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return failure(reject('not_object', `payload is JSON but not an object: ${preview(parsed)}`));
  }
  return decodeReading(parsed as NativeFields, options);
}

/** UTF-8 size of a string; counted exactly only when it could be near the limit. */
function utf8Length(text: string): number {
  return text.length * 3 <= MAX_PAYLOAD_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}
