// Parity: the DuckDB SQL generated from the schema specs and telemetry's TypeScript
// decoder agree on every input — the same record (units, rounding, time zones, nulls,
// ids, source) or the same rejection reason and field.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyRows, planHistory } from '../generator/index.ts';
import { decodePayload, METRICS, SCHEMAS } from '../telemetry/index.ts';
import { fieldsRead, jsonAccess, jsonFieldAccess, jsonFieldRelation, normalizeSql, payloadSql } from './normalize-sql.ts';

const NOW = Date.UTC(2026, 10, 22, 12);

interface Input { payload: string; tag: string | null }

function historyInputs(): Input[] {
  const plan = planHistory({ serversPerRegion: 2, days: 1, intervalSeconds: 3600, seed: 5, regions: ['india', 'usa', 'germany'], end: Date.UTC(2026, 10, 20), incidentRate: 1 });
  const out: Input[] = [];
  let i = 0;
  for (const row of historyRows(plan)) {
    const textual = Object.fromEntries(Object.entries(row.record).map(([k, v]) => [k, v === null ? '' : String(v)]));
    out.push({ payload: JSON.stringify(i % 2 ? row.record : textual), tag: i % 3 ? null : row.schema.tag });
    i += 1;
  }
  return out;
}

const HANDMADE: Input[] = [
  { payload: 'not json', tag: null }, { payload: '[1,2]', tag: null }, { payload: '42', tag: null }, { payload: '{}', tag: null },
  { payload: `{"pad":"${'x'.repeat(1_100_000)}"}`, tag: null },
  { payload: JSON.stringify({ host_id: 'srv-1', timestamp: '2026-11-20 10:00:00', temp_c: 55.55, cpu_load: 42, voltage: 231.2, power_watts: 300 }), tag: 'legacy/v1' },
  { payload: JSON.stringify({ host_id: 'srv-1', timestamp: 1_763_640_000, region: 'lab' }), tag: null },
  { payload: JSON.stringify({ host_id: 'srv-1', timestamp: 1_763_640_000_123 }), tag: null },
  { payload: JSON.stringify({ host_id: 'srv-1', timestamp: '2026-11-20T10:00:00+05:30' }), tag: null },
  { payload: JSON.stringify({ event_id: 'a-1', ts: '2026-11-20T12:00:00.000Z', region: 'local', host_id: 'box', cpu_pct: 12.345, source: 'live' }), tag: 'pulse/v1' },
  { payload: JSON.stringify({ event_id: 7, ts: 1_763_640_000_000, region: 'local', host_id: 'box' }), tag: null },
  { payload: JSON.stringify({ event_id: '', ts: 1_763_640_000_000, region: 'Local', host_id: 'box' }), tag: null },
  { payload: JSON.stringify({ server_code: 'IN-1', timestamp_ist: '2026-02-30 10:00:00' }), tag: null },
  { payload: JSON.stringify({ server_code: 'IN-1', timestamp_ist: '2026-11-20 10:00:00.5', temp_celsius: ' 12.5 ' }), tag: null },
  { payload: JSON.stringify({ server_code: true, timestamp_ist: '2026-11-20 10:00:00' }), tag: null },
  { payload: JSON.stringify({ instance_id: 'i-1', time_utc: '2026-11-20T10:00:00Z', temp_fahrenheit: '1e999' }), tag: null },
  { payload: JSON.stringify({ instance_id: 'i-1', time_utc: '2026-11-20T10:00:00Z', load_fraction: '0x10' }), tag: null },
  { payload: JSON.stringify({ instance_id: 'i-1', time_utc: '1970-01-01T00:00:01Z' }), tag: null },
  { payload: JSON.stringify({ instance_id: 'i-1', time_utc: '2027-01-01T00:00:00Z' }), tag: null },
  { payload: JSON.stringify({ node_name: 'de-1', epoch_ms: 1e300 }), tag: null },
  { payload: JSON.stringify({ node_name: 'de-1', epoch_time: 1_763_640_000.5, temp_kelvin: 100 }), tag: null },
  { payload: JSON.stringify({ node_name: 'de-1', epoch_time: 1_763_640_000, temp_kelvin: { k: 1 } }), tag: null },
  { payload: JSON.stringify({ foo: 1 }), tag: 'mars/v1' },
  // Texts are taken verbatim unless they hold an escape: raw non-ASCII and combining marks, escapes.
  { payload: '{"event_id":"u-1","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":"bóx-é-😀"}', tag: 'pulse/v1' },
  { payload: '{"event_id":"u-2","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":"a\\"b\\\\c\\u00e9"}', tag: 'pulse/v1' },
  // Ids given as JSON numbers become their JavaScript text, whatever way the number is written.
  { payload: '{"event_id":"n-1","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":1.50}', tag: 'pulse/v1' },
  { payload: '{"event_id":"n-2","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":1e5}', tag: 'pulse/v1' },
  { payload: '{"event_id":"n-3","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":-0}', tag: 'pulse/v1' },
  { payload: '{"event_id":"n-4","ts":"2026-11-20T12:00:00.000Z","region":"lab","host_id":1e999}', tag: 'pulse/v1' },
  { payload: '{"instance_id":  100000 , "time_utc":"2026-11-20T10:00:00Z", "temp_fahrenheit": 1.50e2}', tag: null },
  { payload: '{"instance_id":"i-9","time_utc":"2026-11-20T10:00:00Z","temp_fahrenheit":1e999}', tag: null },
];

const hostile = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -10, max: 2_000_000_000_000 }),
  fc.constantFrom('', ' ', '12', '-0.5', '+3', '.5', '5.', '1e3', 'NaN', 'Infinity', 'abc', '2026-11-20 10:00:00', '2026-11-20T10:00:00Z', '2026-11-20 25:00:00', '1763640000'),
  fc.boolean(), fc.constant(null), fc.constant({}), fc.string({ maxLength: 8 }),
);

function fuzzInputs(): Input[] {
  const shaped = fc.constantFrom(...SCHEMAS).chain((schema) => fc.tuple(
    fc.record(Object.fromEntries([...schema.fields, 'event_id', 'region', 'source'].map((f) => [f, hostile])), { requiredKeys: [] }),
    fc.constantFrom(null, schema.tag),
  ));
  return fc.sample(shaped, { numRuns: 3000, seed: 1234 }).map(([fields, tag]) => ({ payload: JSON.stringify(fields), tag }));
}

describe('DuckDB normalization parity with telemetry/', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let duck: DuckDBConnection;
  const inputs: Input[] = [...historyInputs(), ...HANDMADE, ...fuzzInputs()];
  const sqlResults = new Map<number, Record<string, unknown>>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-parity-'));
    const file = join(dir, 'inputs.jsonl');
    await writeFile(file, inputs.map((input, id) => JSON.stringify({ id, ...input })).join('\n'));
    instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
    await duck.run(`CREATE TABLE input AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {id: 'BIGINT', payload: 'VARCHAR', tag: 'VARCHAR'}, maximum_object_size = 4000000)`);
    await duck.run(`CREATE TABLE checked AS ${payloadSql('input', 'payload', 'tag', ['id'])}`);
    const rejected = await duck.runAndReadAll('SELECT id, payload_reason AS reason FROM checked WHERE payload_reason IS NOT NULL');
    for (const row of rejected.getRowObjectsJS()) sqlResults.set(Number(row['id']), { reason: row['reason'], reason_field: null });
    for (const schema of SCHEMAS) {
      // Alternate the two ways of reaching JSON fields, so both are held to parity.
      const fields = fieldsRead(schema);
      const listed = jsonFieldRelation(`(SELECT * FROM checked WHERE payload_reason IS NULL AND schema_tag = '${schema.tag}' AND id % 2 = 0)`, 'payload', fields);
      const direct = `(SELECT * FROM checked WHERE payload_reason IS NULL AND schema_tag = '${schema.tag}' AND id % 2 = 1)`;
      for (const [input, access] of [[listed, jsonFieldAccess(fields)], [direct, jsonAccess('payload')]] as const) {
        const result = await duck.runAndReadAll(normalizeSql(schema, input, access, ['id'], { now: NOW, source: null }));
        for (const row of result.getRowObjectsJS()) sqlResults.set(Number(row['id']), row);
      }
    }
  });
  afterAll(async () => {
    duck.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('decides every input, as telemetry/ does', () => {
    expect(sqlResults.size).toBe(inputs.length);
  });

  it('yields the same record or the same reason and field for every input', () => {
    const mismatches: string[] = [];
    inputs.forEach((input, id) => {
      const ts = decodePayload(input.payload, { now: NOW, schemaTag: input.tag ?? undefined });
      const sql = sqlResults.get(id) ?? {};
      if (!ts.ok) {
        const same = sql['reason'] === ts.rejection.reason && (sql['reason_field'] ?? undefined) === ts.rejection.field;
        if (!same) mismatches.push(`${input.payload.slice(0, 160)} [${input.tag}] ts=${ts.rejection.reason}/${ts.rejection.field} sql=${sql['reason']}/${sql['reason_field']}`);
        return;
      }
      const r = ts.record;
      const actual = { event_id: sql['event_id'], ts: Number(sql['ts_ms']), region: sql['region'], host_id: sql['host_id'], source: sql['source'], ...Object.fromEntries(METRICS.map((m) => [m, sql[m] ?? null])) };
      const expected = { event_id: r.event_id, ts: r.ts, region: r.region, host_id: r.host_id, source: r.source, ...Object.fromEntries(METRICS.map((m) => [m, r[m]])) };
      if (sql['reason'] !== null && sql['reason'] !== undefined) mismatches.push(`${input.payload.slice(0, 160)} ts=ok sql=${sql['reason']}/${sql['reason_field']}`);
      else if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${input.payload.slice(0, 160)}\n  ts =${JSON.stringify(expected)}\n  sql=${JSON.stringify(actual)}`);
    });
    expect(mismatches.slice(0, 15)).toEqual([]);
  });

  it('covers valid rows of every schema and every rejection reason', () => {
    const reasons = new Set([...sqlResults.values()].map((r) => r['reason']));
    expect(reasons).toEqual(new Set([null, 'too_large', 'not_json', 'not_object', 'unknown_schema', 'missing_field', 'bad_id', 'bad_number', 'bad_time', 'out_of_range', 'future_time', 'stale_time']));
  });
});
