import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodePayload, decodeReading, REJECTION_REASONS, SCHEMAS, type DecodeOptions, type DecodeResult, type TelemetryRecord,
} from './index.ts';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const live: DecodeOptions = { source: 'live', now: NOW };

function accepted(result: DecodeResult): TelemetryRecord {
  if (!result.ok) throw new Error(`expected a record, got ${result.rejection.reason}: ${result.rejection.message}`);
  return result.record;
}

function reason(result: DecodeResult): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejection.reason;
}

describe('India CSV rows', () => {
  it('v1: Celsius and percent as-is, IST converted to UTC, memory null', () => {
    const row = { server_code: 'IN-BLR-007', timestamp_ist: '2026-11-20 17:30:00', temp_celsius: '71.26', cpu_usage_percent: '63.456' };
    const result = decodeReading(row, live);
    expect(result.ok && result.schema).toBe('india/v1');
    expect(accepted(result)).toEqual({
      event_id: `india:IN-BLR-007:${Date.UTC(2026, 10, 20, 12, 0)}`, ts: Date.UTC(2026, 10, 20, 12, 0),
      region: 'india', host_id: 'IN-BLR-007', source: 'live',
      temp_c: 71.3, cpu_pct: 63.46, mem_pct: null, disk_pct: null, net_in_kbps: null, net_out_kbps: null, voltage_v: null, power_w: null,
    });
  });

  it('v2: reordered columns are read by name and memory is kept', () => {
    const row = { timestamp_ist: '2026-11-20 17:30:00', server_code: 'IN-BLR-007', cpu_usage_percent: '10', temp_celsius: '40', mem_usage_percent: '55.5' };
    const result = decodeReading(row, live);
    expect(result.ok && result.schema).toBe('india/v2');
    expect(accepted(result)).toMatchObject({ cpu_pct: 10, temp_c: 40, mem_pct: 55.5 });
  });

  it('turns an empty cell (sensor dropout) into null, not 0', () => {
    const row = { server_code: 'IN-1', timestamp_ist: '2026-11-20 17:30:00', temp_celsius: '', cpu_usage_percent: '12' };
    expect(accepted(decodeReading(row, live)).temp_c).toBeNull();
  });
});

describe('USA JSON lines', () => {
  it('v1: Fahrenheit → Celsius, load fraction → percent, volts kept', () => {
    const line = { instance_id: 'i-0abc', time_utc: '2026-11-20T12:00:00Z', temp_fahrenheit: 158, load_fraction: 0.57, voltage_v: 229.87 };
    const result = decodeReading(line, live);
    expect(result.ok && result.schema).toBe('usa/v1');
    expect(accepted(result)).toMatchObject({ region: 'usa', temp_c: 70, cpu_pct: 57, voltage_v: 229.87, power_w: null });
  });

  it('v2: adds the power draw', () => {
    const line = { instance_id: 'i-0abc', time_utc: '2026-11-20T12:00:00Z', temp_fahrenheit: 100, load_fraction: 0.1, voltage_v: 230, power_watts: 412.34 };
    const result = decodeReading(line, live);
    expect(result.ok && result.schema).toBe('usa/v2');
    expect(accepted(result)).toMatchObject({ temp_c: 37.8, cpu_pct: 10, power_w: 412.3 });
  });

  it('refuses a time without a zone', () => {
    expect(reason(decodeReading({ instance_id: 'i-1', time_utc: '2026-11-20 12:00:00' }, live))).toBe('bad_time');
  });
});

describe('Germany Parquet rows', () => {
  it('v1: Kelvin → Celsius, epoch seconds, watts', () => {
    const row = { node_name: 'de-fra-01', epoch_time: 1_763_640_000, temp_kelvin: 345.65, power_watts: 380.06 };
    const result = decodeReading(row, live);
    expect(result.ok && result.schema).toBe('germany/v1');
    expect(accepted(result)).toMatchObject({ ts: 1_763_640_000_000, temp_c: 72.5, power_w: 380.1, cpu_pct: null });
  });

  it('v2: epoch milliseconds under a new name, plus CPU and disk', () => {
    const row = { node_name: 'de-fra-01', epoch_ms: 1_763_640_000_123n, temp_kelvin: 300, power_watts: 200, cpu_percent: 33.333, disk_used_pct: 71 };
    const result = decodeReading(row, live);
    expect(result.ok && result.schema).toBe('germany/v2');
    expect(accepted(result)).toMatchObject({ ts: 1_763_640_000_123, temp_c: 26.9, cpu_pct: 33.33, disk_pct: 71 });
  });
});

describe('legacy socket lines', () => {
  const line = { host_id: 'srv-9', timestamp: '2026-11-20 12:00:00', temp_c: 55.55, cpu_load: 42, voltage: 231.2, power_watts: 300 };

  it('reads zone-less local time at the configured offset (UTC by default)', () => {
    expect(accepted(decodeReading(line, { ...live, source: 'bridge' }))).toMatchObject({
      ts: Date.UTC(2026, 10, 20, 12), region: 'legacy', source: 'bridge', temp_c: 55.6, cpu_pct: 42,
    });
    expect(accepted(decodeReading(line, { ...live, legacyOffsetMinutes: 60 })).ts).toBe(Date.UTC(2026, 10, 20, 11));
  });

  it('accepts an epoch-seconds timestamp and a region of its own', () => {
    const record = accepted(decodeReading({ ...line, timestamp: 1_763_640_000, region: 'lab' }, live));
    expect(record).toMatchObject({ ts: 1_763_640_000_000, region: 'lab' });
  });
});

describe('pulse/v1 canonical payloads', () => {
  it('keeps the given event id and canonical metrics', () => {
    const payload = JSON.stringify({ event_id: 'agent-1', ts: '2026-11-20T12:00:00.000Z', region: 'local', host_id: 'box', cpu_pct: 12.345, net_in_kbps: 10.5 });
    expect(accepted(decodePayload(payload, { ...live, source: 'agent' }))).toMatchObject({ event_id: 'agent-1', cpu_pct: 12.35, net_in_kbps: 10.5, source: 'agent' });
  });
});

describe('default source', () => {
  it('is bridge for legacy lines, the named or agent source for pulse/v1, live for native records', () => {
    const now = { now: NOW };
    expect(accepted(decodeReading({ host_id: 'h', timestamp: 1_763_640_000 }, now)).source).toBe('bridge');
    expect(accepted(decodeReading({ host_id: 'h', ts: 1_763_640_000_000, region: 'local' }, now)).source).toBe('agent');
    expect(accepted(decodeReading({ host_id: 'h', ts: 1_763_640_000_000, region: 'local', source: 'live' }, now)).source).toBe('live');
    expect(accepted(decodeReading({ host_id: 'h', ts: 1_763_640_000_000, region: 'local', source: 'bogus' }, now)).source).toBe('agent');
    expect(accepted(decodeReading({ node_name: 'de-1', epoch_time: 1_763_640_000 }, now)).source).toBe('live');
  });
});

describe('schema tags', () => {
  it('use the named schema rather than detection', () => {
    const result = decodeReading({ instance_id: 'i-1', time_utc: '2026-11-20T12:00:00Z', power_watts: 5 }, { ...live, schemaTag: 'usa/v1' });
    expect(result.ok && result.schema).toBe('usa/v1');
    expect(accepted(result).power_w).toBeNull();
  });

  it('refuse an unknown tag (for example an unknown region)', () => {
    expect(reason(decodeReading({ host_id: 'x' }, { ...live, schemaTag: 'mars/v1' }))).toBe('unknown_schema');
  });
});

describe('event ids', () => {
  it('are derived from region, host and time when absent, so a re-sent reading keeps its id', () => {
    const row = { node_name: 'de-1', epoch_time: 1_763_640_000, temp_kelvin: 300 };
    expect(accepted(decodeReading(row, live)).event_id).toBe(accepted(decodeReading({ ...row }, live)).event_id);
  });

  it('are refused when present but not text', () => {
    expect(reason(decodeReading({ node_name: 'de-1', epoch_time: 1_763_640_000, event_id: 12 }, live))).toBe('bad_id');
  });
});

describe('rejections name their reason', () => {
  const usa = { instance_id: 'i-1', time_utc: '2026-11-20T12:00:00Z' };
  it.each([
    ['not_json', '{"instance_id": '],
    ['not_object', '[1,2,3]'],
    ['unknown_schema', '{"foo": 1}'],
    ['missing_field', JSON.stringify({ ...usa, instance_id: '' })],
    ['bad_number', JSON.stringify({ ...usa, load_fraction: 'high' })],
    ['bad_number', JSON.stringify({ ...usa, load_fraction: 'NaN' })],
    ['bad_number', JSON.stringify({ ...usa, load_fraction: 'Infinity' })],
    ['bad_time', JSON.stringify({ ...usa, time_utc: 'soon' })],
    ['out_of_range', JSON.stringify({ ...usa, temp_fahrenheit: 400 })],
    ['out_of_range', JSON.stringify({ ...usa, load_fraction: 1.5 })],
    ['out_of_range', JSON.stringify({ ...usa, voltage_v: -1 })],
    ['future_time', JSON.stringify({ ...usa, time_utc: '2027-11-20T12:00:00Z' })],
    ['stale_time', JSON.stringify({ ...usa, time_utc: '1970-01-01T00:00:01Z' })],
    ['bad_id', JSON.stringify({ ...usa, instance_id: 'has spaces in it' })],
    ['bad_id', JSON.stringify({ host_id: 'h', timestamp: 1_763_640_000, region: 'Not A Region' })],
  ] as const)('%s: %s', (expected, payload) => {
    expect(reason(decodePayload(payload, live))).toBe(expected);
  });

  it('too_large: a payload over 1 MiB is refused before parsing', () => {
    expect(reason(decodePayload(`{"pad":"${'x'.repeat(1024 * 1024)}"}`, live))).toBe('too_large');
  });

  it('every rejection reason is documented in REJECTION_REASONS', () => {
    expect(new Set(REJECTION_REASONS).size).toBe(REJECTION_REASONS.length);
  });
});

describe('decoder robustness (property-based)', () => {
  const isResult = (r: DecodeResult) => (r.ok ? typeof r.record.event_id === 'string' : REJECTION_REASONS.includes(r.rejection.reason));

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => isResult(decodePayload(text, live))));
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => isResult(decodePayload(bytes, live))));
  });

  it('never throws on any JSON value, under any tag', () => {
    const tags = fc.option(fc.constantFrom(...SCHEMAS.map((s) => s.tag), 'bogus/v9'), { nil: undefined });
    fc.assert(fc.property(fc.jsonValue(), tags, (value, schemaTag) => isResult(decodePayload(JSON.stringify(value), { ...live, schemaTag }))));
  });

  it('never throws on objects shaped like a native schema with hostile values', () => {
    const hostile = fc.oneof(fc.anything(), fc.constantFrom(Number.NaN, Infinity, -Infinity, '', ' ', '1e999', '0x10', null));
    const shaped = fc.constantFrom(...SCHEMAS).chain((schema) =>
      fc.record(Object.fromEntries(schema.fields.map((f) => [f, hostile])), { requiredKeys: [] }));
    fc.assert(fc.property(shaped, (fields) => isResult(decodeReading(fields, live))));
  });

  it('accepts every valid USA reading and stays within physical ranges', () => {
    const reading = fc.record({
      instance_id: fc.stringMatching(/^i-[0-9a-f]{6}$/),
      time_utc: fc.integer({ min: Date.UTC(2001, 0, 1), max: NOW }).map((ms) => new Date(ms).toISOString()),
      temp_fahrenheit: fc.double({ min: -58, max: 302, noNaN: true }),
      load_fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(fc.property(reading, (line) => {
      const record = accepted(decodeReading(line, live));
      return record.temp_c! >= -50 && record.temp_c! <= 150 && record.cpu_pct! >= 0 && record.cpu_pct! <= 100;
    }));
  });
});
