// DuckDB SQL generated from telemetry's schema specs: the same decoding, conversions,
// rounding and validation (with the same reason codes, checked in the same order) as
// telemetry's decodeReading. A parity test runs both on the same inputs.

import { sqlIdentifier as ident } from './duck.ts';
import {
  CONVERSIONS, DEFAULT_TIME_LIMITS, EPOCH_MILLIS_THRESHOLD, IST_OFFSET_MINUTES, MAX_PAYLOAD_BYTES, METRIC_RULES, METRICS,
  PulseError, SCHEMAS, SOURCES, type Conversion, type NativeSchema, type TimeEncoding,
} from '../telemetry/index.ts';

/** A field's kind in the generated SQL: a small integer, which every rule compares more cheaply than a text. */
export const KIND = { text: 1, number: 2, other: 3 } as const;

/** How the generated SQL reaches one native field of the rows it reads. */
export interface FieldAccess {
  /** KIND.text, KIND.number, KIND.other, or NULL when the field is absent or null. */
  kind(field: string): string;
  /** The field as text (NULL when absent). */
  text(field: string): string;
  /** The field as DOUBLE, for rows where kind is KIND.number. */
  number(field: string): string;
}

// Field names come from the SCHEMAS constant, never from input; quoting is belt and braces.
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A JSON number as JavaScript's String() writes it (telemetry takes a numeric id as its
 * text): integers without a fraction, others in DuckDB's shortest form.
 */
const numberText = (d: string) => `CASE WHEN ${d} = trunc(${d}) AND abs(${d}) < 1e21 THEN CAST(CAST(${d} AS HUGEINT) AS VARCHAR) ELSE CAST(${d} AS VARCHAR) END`;

/** Fields of a JSON text column, typed by json_type as telemetry types JSON values (a number that is not finite is no number). */
export function jsonAccess(column: string): FieldAccess {
  const path = (field: string) => literal(`$.${JSON.stringify(field)}`);
  const value = (f: string) => `TRY_CAST(json_extract_string(${column}, ${path(f)}) AS DOUBLE)`;
  const numeric = (f: string) => `CASE WHEN isfinite(${value(f)}) THEN ${KIND.number} ELSE ${KIND.other} END`;
  return {
    kind: (f) => `CASE json_type(${column}, ${path(f)}) WHEN 'VARCHAR' THEN ${KIND.text} WHEN 'BIGINT' THEN ${numeric(f)} WHEN 'UBIGINT' THEN ${numeric(f)}
      WHEN 'DOUBLE' THEN ${numeric(f)} WHEN 'NULL' THEN NULL ELSE CASE WHEN json_type(${column}, ${path(f)}) IS NULL THEN NULL ELSE ${KIND.other} END END`,
    text: (f) => `CASE WHEN json_type(${column}, ${path(f)}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN ${numberText(value(f))} ELSE json_extract_string(${column}, ${path(f)}) END`,
    number: value,
  };
}

/** Every native field a schema's normalization reads. */
export function fieldsRead(schema: NativeSchema): string[] {
  const rs = schema.regionSource;
  return [...new Set([schema.hostField, schema.time.field, ...(rs.kind === 'fixed' ? [] : [rs.field]), ...schema.metrics.map((m) => m.field), 'event_id', 'source'])];
}

/** The columns `jsonFieldRelation` gives field number `i`: its JSON text, that text's first character, and its value as a number. */
const fieldColumn = (part: 'text' | 'first' | 'value', i: number) => `"__j${part}${i}"`;

/**
 * The rows of `source` with JSON fields extracted once per row: one parse of the payload into
 * a struct holding each field's JSON text (from_json), instead of a parse per field or per
 * list of them; then each field's text, first character (its kind: a JSON value's type shows
 * in it, and ascii() reads it without copying a string) and number, computed once in an inner
 * projection, since the validation reads each of them many times.
 */
export function jsonFieldRelation(source: string, column: string, fields: readonly string[]): string {
  const spec = JSON.stringify(Object.fromEntries(fields.map((f) => [f, 'JSON'])));
  const texts = fields.map((f, i) => `CAST(jx[${literal(f)}] AS VARCHAR) AS ${fieldColumn('text', i)}`).join(', ');
  const derived = fields.map((_, i) => `ascii(${fieldColumn('text', i)}) AS ${fieldColumn('first', i)}, TRY_CAST(${fieldColumn('text', i)} AS DOUBLE) AS ${fieldColumn('value', i)}`).join(', ');
  return `(SELECT *, ${derived} FROM (SELECT *, ${texts} FROM (SELECT *, from_json(${column}, ${literal(spec)}) AS jx FROM ${source})))`;
}

/** Access to the fields of a `jsonFieldRelation` over the same `fields`. */
export function jsonFieldAccess(fields: readonly string[]): FieldAccess {
  const index = (f: string) => {
    const i = fields.indexOf(f);
    if (i < 0) throw new PulseError('BATCH_INVARIANT', `field ${f} was not extracted`);
    return i;
  };
  const piece = (f: string) => fieldColumn('text', index(f));
  const first = (f: string) => fieldColumn('first', index(f));
  const value = (f: string) => fieldColumn('value', index(f));
  const [quote, n, other] = ['34', '110', '116, 102, 123, 91']; // '"', 'n', and 't', 'f', '{', '['
  return {
    kind: (f) => `CASE WHEN ${piece(f)} IS NULL THEN NULL WHEN ${first(f)} = ${quote} THEN ${KIND.text} WHEN ${first(f)} = ${n} THEN NULL
      WHEN ${first(f)} IN (${other}) THEN ${KIND.other} WHEN isfinite(${value(f)}) THEN ${KIND.number} ELSE ${KIND.other} END`,
    text: (f) => `CASE WHEN ${first(f)} = ${quote} THEN CASE WHEN contains(${piece(f)}, '\\') THEN json_extract_string(${piece(f)}, '$') ELSE substr(${piece(f)}, 2, length(${piece(f)}) - 2) END WHEN ${first(f)} = ${n} THEN NULL
      WHEN ${first(f)} IN (${other}) THEN CAST(${piece(f)} AS VARCHAR) ELSE ${numberText(value(f))} END`,
    number: value,
  };
}

/** Columns of a typed relation (CSV read as text, Parquet with its own types); missing columns are absent. */
export function columnAccess(columns: ReadonlyMap<string, 'text' | 'number'>): FieldAccess {
  return {
    kind: (f) => {
      const type = columns.get(f);
      return type ? `CASE WHEN ${ident(f)} IS NULL THEN NULL ELSE ${KIND[type]} END` : 'NULL';
    },
    text: (f) => (columns.has(f) ? `CAST(${ident(f)} AS VARCHAR)` : 'NULL::VARCHAR'),
    number: (f) => (columns.has(f) ? `CAST(${ident(f)} AS DOUBLE)` : 'NULL::DOUBLE'),
  };
}

const NUMBER_TEXT = `'[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?'`;
const LOCAL_TEXT = `'\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?'`;
const ISO_TEXT = `'\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})'`;
const IDENTIFIER = `'[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}'`;
const REGION = `'[a-z][a-z0-9_-]{0,31}'`;

/** The conversions of telemetry's CONVERSIONS table, in SQL (same operation order). */
export const SQL_CONVERSIONS: Readonly<Record<Conversion, (x: string) => string>> = {
  none: (x) => x,
  fahrenheit_to_celsius: (x) => `(((${x} - 32) * 5) / 9)`,
  kelvin_to_celsius: (x) => `(${x} - 273.15)`,
  fraction_to_percent: (x) => `(${x} * 100)`,
};
void CONVERSIONS; // the TypeScript side of this table; parity is tested, see normalize-sql.test.ts

interface FieldSql { absent: string; kind: string; text: string; num: string }

/**
 * A field's number given its kind (a column computed before), with its text asked for only
 * where the kind is 'text': DuckDB evaluates a CASE branch for the rows that reach it, while
 * a projected column is computed for every row (a JSON metric's text is the shortest form
 * of its number, a costly conversion nothing but a text value needs).
 */
function fieldNumber(access: FieldAccess, field: string, kind: string): string {
  const text = access.text(field);
  return `CASE WHEN ${kind} = ${KIND.number} THEN ${access.number(field)} WHEN ${kind} = ${KIND.text} THEN CASE WHEN regexp_full_match(trim(${text}), ${NUMBER_TEXT}) THEN TRY_CAST(trim(${text}) AS DOUBLE) END END`;
}

/** Absent: no value, null, or blank text; `text` is read only for a text value. */
const absentSql = (kind: string, text: string) => `CASE WHEN ${kind} IS NULL THEN true WHEN ${kind} = ${KIND.text} THEN trim(${text}) = '' ELSE false END`;

/** [error reason or NULL, value] of a required text field (telemetry's requireText). */
function requiredText(f: FieldSql): [string, string] {
  return [`CASE WHEN ${f.absent} THEN 'missing_field' WHEN (${f.kind}) = ${KIND.other} THEN 'bad_id' END`, `CASE WHEN (${f.kind}) = ${KIND.text} THEN trim(${f.text}) ELSE ${f.text} END`];
}

function localTime(text: string, offsetMinutes: number): string {
  const t = `trim(${text})`;
  const fraction = `CASE WHEN length(${t}) > 20 THEN CAST(rpad(substr(${t}, 21), 3, '0') AS BIGINT) ELSE 0 END`;
  return `CASE WHEN regexp_full_match(${t}, ${LOCAL_TEXT}) THEN epoch_ms(try_strptime(replace(substr(${t}, 1, 19), 'T', ' '), '%Y-%m-%d %H:%M:%S')) + ${fraction} - ${offsetMinutes * 60_000} END`;
}

function isoTime(text: string): string {
  return `CASE WHEN regexp_full_match(trim(${text}), ${ISO_TEXT}) THEN epoch_ms(TRY_CAST(trim(${text}) AS TIMESTAMPTZ)) END`;
}

/** A time field's value in epoch ms (DOUBLE), and its error given the column holding that value. */
function timeSql(f: FieldSql, encoding: TimeEncoding, legacyOffsetMinutes: number): { value: string; error: (value: string) => string } {
  const [textError] = requiredText(f);
  const numberError = `CASE WHEN ${f.absent} THEN 'missing_field' WHEN ${f.num} IS NULL OR NOT isfinite(${f.num}) THEN 'bad_number' END`;
  // A text that is present but does not parse: the value is NULL exactly when the parse is.
  const parsed = (value: string) => `CASE WHEN ${textError} IS NULL AND ${value} IS NULL THEN 'bad_time' ELSE ${textError} END`;
  switch (encoding) {
    case 'ist_text':
      return { value: `CAST(${localTime(f.text, IST_OFFSET_MINUTES)} AS DOUBLE)`, error: parsed };
    case 'iso_zoned':
      return { value: `CAST(${isoTime(f.text)} AS DOUBLE)`, error: parsed };
    case 'epoch_seconds':
      return { value: `floor(${f.num} * 1000 + 0.5)`, error: () => numberError };
    case 'epoch_millis':
      return { value: `floor(${f.num} + 0.5)`, error: () => numberError };
    case 'flexible': {
      const fromText = `coalesce(${isoTime(f.text)}, ${localTime(f.text, legacyOffsetMinutes)})`;
      const fromNumber = `floor(CASE WHEN ${f.num} < ${EPOCH_MILLIS_THRESHOLD} THEN ${f.num} * 1000 ELSE ${f.num} END + 0.5)`;
      return {
        value: `CASE WHEN (${f.kind}) = ${KIND.number} THEN ${fromNumber} ELSE CAST(${fromText} AS DOUBLE) END`,
        error: (value) => `CASE WHEN (${f.kind}) = ${KIND.number} THEN ${numberError} ELSE ${parsed(value)} END`,
      };
    }
  }
}

export interface NormalizeOptions {
  /** The clock of the run, epoch ms (the future-time rule). */
  now: number;
  /** Literal source of every row ('history'), or null to derive it like the speed layer does. */
  source: string | null;
  legacyOffsetMinutes?: number;
}

/** A field's SQL pieces, as columns of the first two CTEs of `normalizeSql`. */
type FieldOf = (name: string, asText?: boolean) => FieldSql;

/**
 * Each field's kind is computed once per row (first CTE), then its number, and its text
 * where it is read as text (ids, time, region, source; a metric's only in its branch).
 * Prefixed names cannot collide with input columns.
 */
function fieldColumnSet(access: FieldAccess): { field: FieldOf; kindColumns: string[]; fieldColumns: string[] } {
  const kindColumns: string[] = [];
  const fieldColumns: string[] = [];
  const fields = new Map<string, FieldSql>();
  const field: FieldOf = (name, asText = true) => {
    const known = fields.get(name);
    if (known) return known;
    const i = fields.size;
    const k = `"__pk${i}"`;
    kindColumns.push(`${access.kind(name)} AS ${k}`);
    fieldColumns.push(`${fieldNumber(access, name, k)} AS "__pn${i}"`);
    if (asText) fieldColumns.push(`${access.text(name)} AS "__px${i}"`);
    const x = asText ? `"__px${i}"` : access.text(name);
    const made = { kind: k, text: x, num: `"__pn${i}"`, absent: absentSql(k, x) };
    fields.set(name, made);
    return made;
  };
  return { field, kindColumns, fieldColumns };
}

/** [error reason or NULL, value] of the region. */
function regionSql(rs: NativeSchema['regionSource'], field: FieldOf): [string, string] {
  if (rs.kind === 'fixed') return ['NULL', literal(rs.region)];
  if (rs.kind === 'required') return requiredText(field(rs.field));
  const f = field(rs.field);
  return [`CASE WHEN NOT ${f.absent} AND (${f.kind}) = ${KIND.other} THEN 'bad_id' END`, `CASE WHEN ${f.absent} THEN ${literal(rs.fallback)} ELSE trim(${f.text}) END`];
}

/** The source column: given, or as the speed layer derives it from the schema. */
function sourceSql(schema: NativeSchema, given: string | null, field: FieldOf): string {
  if (given !== null) return literal(given);
  if (schema.tag === 'legacy/v1') return `'bridge'`;
  if (schema.tag !== 'pulse/v1') return `'live'`;
  const f = field('source');
  return `CASE WHEN (${f.kind}) = ${KIND.text} AND ${f.text} IN (${SOURCES.map(literal).join(', ')}) THEN ${f.text} ELSE 'agent' END`;
}

/** [condition, reason, field] in telemetry's order of checks: the first that holds is the row's reason. */
function reasonRules(schema: NativeSchema, now: number): [string, string, string][] {
  const rs = schema.regionSource;
  const limits = DEFAULT_TIME_LIMITS;
  return [
    ['host_error IS NOT NULL', 'host_error', literal(schema.hostField)],
    ['time_error IS NOT NULL', 'time_error', literal(schema.time.field)],
    ['region_error IS NOT NULL', 'region_error', rs.kind === 'fixed' ? 'NULL' : literal(rs.field)],
    ...schema.metrics.map((m, i): [string, string, string] => [`bad_${i}`, `'bad_number'`, literal(m.field)]),
    ['event_error IS NOT NULL', 'event_error', `'event_id'`],
    ['abs(ts_raw) > 9007199254740991', `'bad_time'`, `'ts'`],
    [`NOT regexp_full_match(host_id, ${IDENTIFIER})`, `'bad_id'`, `'host_id'`],
    [`NOT regexp_full_match(region, ${REGION})`, `'bad_id'`, `'region'`],
    [`NOT regexp_full_match(event_id, ${IDENTIFIER})`, `'bad_id'`, `'event_id'`],
    [`ts_raw < ${limits.earliestMs}`, `'stale_time'`, `'ts'`],
    [`ts_raw > ${now + limits.maxFutureMs}`, `'future_time'`, `'ts'`],
    ...METRICS.map((m): [string, string, string] => [`${m} < ${METRIC_RULES[m].min} OR ${m} > ${METRIC_RULES[m].max}`, `'out_of_range'`, literal(m)]),
  ];
}

/**
 * SELECT over `input` (with the columns `passthrough`) producing canonical columns
 * (event_id, ts_ms, region, host_id, source, metrics) plus `reason` and `reason_field`,
 * NULL for a valid row.
 */
export function normalizeSql(schema: NativeSchema, input: string, access: FieldAccess, passthrough: readonly string[], options: NormalizeOptions): string {
  const { field, kindColumns, fieldColumns } = fieldColumnSet(access);
  const [hostError, hostValue] = requiredText(field(schema.hostField));
  const time = timeSql(field(schema.time.field), schema.time.encoding, options.legacyOffsetMinutes ?? 0);
  const [regionError, regionValue] = regionSql(schema.regionSource, field);
  const metricColumns = schema.metrics.map((m, i) => {
    const f = field(m.field, false);
    return `CASE WHEN ${f.absent} THEN false ELSE (${f.num}) IS NULL OR NOT isfinite(${f.num}) END AS bad_${i},
      CASE WHEN ${f.absent} THEN NULL ELSE round(${SQL_CONVERSIONS[m.conversion](f.num)}, ${METRIC_RULES[m.metric].digits}) END AS m_${i}`;
  });
  const eid = field('event_id');
  const eventError = `CASE WHEN NOT ((${eid.kind}) IS NULL OR ((${eid.kind}) = ${KIND.text} AND ${eid.text} = '')) AND (${eid.kind}) <> ${KIND.text} THEN 'bad_id' END`;
  const eventGiven = `CASE WHEN (${eid.kind}) = ${KIND.text} AND ${eid.text} <> '' THEN ${eid.text} END`;
  const source = sourceSql(schema, options.source, field);
  const metricOf = (metric: string) => {
    const index = schema.metrics.findIndex((m) => m.metric === metric);
    return index >= 0 ? `m_${index}` : 'NULL::DOUBLE';
  };
  // The chain of checks runs once per row, giving the number of the first that holds;
  // the reason and its field are then picked by that number.
  const reasons = reasonRules(schema, options.now);
  const pick = (value: (rule: [string, string, string]) => string) => `CASE reason_no ${reasons.map((r, i) => `WHEN ${i + 1} THEN ${value(r)}`).join(' ')} END`;
  const pass = passthrough.map(ident).join(', ');
  return `
WITH kinded AS (
  SELECT *, ${kindColumns.join(', ')} FROM ${input}
), fielded AS (
  SELECT *, ${fieldColumns.join(', ')} FROM kinded
), timed AS (
  SELECT *, ${time.value} AS "__ptime" FROM fielded
), drafted AS (
  SELECT ${pass},
    ${hostError} AS host_error, ${hostValue} AS host_id,
    ${time.error('"__ptime"')} AS time_error, "__ptime" AS ts_raw,
    ${regionError} AS region_error, ${regionValue} AS region,
    ${metricColumns.join(',\n    ')},
    ${eventError} AS event_error, ${eventGiven} AS event_given,
    ${source} AS source
  FROM timed
), shaped AS (
  SELECT *, coalesce(event_given, region || ':' || host_id || ':' || CAST(TRY_CAST(ts_raw AS BIGINT) AS VARCHAR)) AS event_id,
    ${METRICS.map((m) => `${metricOf(m)} AS ${m}`).join(', ')}
  FROM drafted
), judged AS (
  SELECT *, CASE ${reasons.map(([when], i) => `WHEN ${when} THEN ${i + 1}`).join(' ')} END AS reason_no FROM shaped
)
SELECT ${pass}, event_id, CAST(CASE WHEN abs(ts_raw) <= 9007199254740991 THEN ts_raw END AS BIGINT) AS ts_ms, region, host_id, source,
  ${METRICS.join(', ')},
  ${pick(([, reason]) => reason)} AS reason,
  ${pick(([, , f]) => f)} AS reason_field
FROM judged`;
}

/**
 * Payload-level checks of raw JSON texts (archive values, JSON lines): size, JSON, object,
 * schema tag or detection by identifying fields — as telemetry's decodePayload does.
 */
export function payloadSql(input: string, payload: string, tag: string, passthrough: readonly string[]): string {
  // Which identity fields are present, from one json_type call over all of their paths
  // (NULL: absent; 'NULL': present with a null value), instead of a list search per schema.
  const identity = [...new Set(SCHEMAS.flatMap((s) => s.identity))];
  // The root's type first, then the identity paths: one parse (an unparsable payload gives NULL).
  const paths = `['$', ${identity.map((f) => literal(`$.${JSON.stringify(f)}`)).join(', ')}]`;
  const present = (field: string) => `present[${identity.indexOf(field) + 2}] IS NOT NULL`;
  const detected = `CASE ${SCHEMAS.map((s) => `WHEN ${s.identity.map(present).join(' AND ')} THEN ${literal(s.tag)}`).join(' ')} END`;
  const known = SCHEMAS.map((s) => literal(s.tag)).join(', ');
  const pass = passthrough.map(ident).join(', ');
  // Each JSON function parses its input again: validity, root type and identity fields come from one call.
  return `
WITH typed AS (SELECT ${pass}, ${payload} AS payload, ${tag} AS tag, TRY(json_type(${payload}, ${paths})) AS types FROM ${input}),
keyed AS (SELECT *, types[1] AS jtype, types[1] IS NOT NULL AS valid, CASE WHEN types[1] = 'OBJECT' THEN types END AS present FROM typed),
detected AS (SELECT *, ${detected} AS detected_tag FROM keyed)
SELECT ${pass}, payload,
  CASE WHEN strlen(payload) > ${MAX_PAYLOAD_BYTES} THEN 'too_large'
       WHEN payload IS NULL OR NOT valid THEN 'not_json'
       WHEN jtype <> 'OBJECT' THEN 'not_object'
       WHEN tag IS NOT NULL AND tag NOT IN (${known}) THEN 'unknown_schema'
       WHEN tag IS NULL AND detected_tag IS NULL THEN 'unknown_schema' END AS payload_reason,
  coalesce(tag, detected_tag) AS schema_tag
FROM detected`;
}
