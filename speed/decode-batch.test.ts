import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_HEADER } from '../telemetry/index.ts';
import { countByReason, decodeBatch, headerText } from './decode-batch.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
let offset = 0;
function message(value: string | null, headers: KafkaMessage['headers'] = { [SCHEMA_HEADER]: Buffer.from('pulse/v1') }): KafkaMessage {
  offset += 1;
  return { key: null, value: value === null ? null : Buffer.from(value), timestamp: String(NOW), attributes: 0, offset: String(offset), headers } as KafkaMessage;
}
const reading = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ event_id: id, ts: '2026-12-01T11:59:00Z', region: 'lab', host_id: 'h1', cpu_pct: 40, temp_c: 50, ...extra });

describe('a Kafka batch decoded for the speed layer\'s sinks', () => {
  it('archives every message, valid or not, with its headers as text', () => {
    const batch = decodeBatch('telemetry.raw', 3, [message(reading('a')), message('not json'), message(null)], NOW);
    expect(batch.entries).toHaveLength(3);
    expect(batch.entries[0]).toMatchObject({ topic: 'telemetry.raw', partition: 3, headers: { [SCHEMA_HEADER]: 'pulse/v1' } });
  });

  it('keeps valid readings in arrival order with their partition and offset, and the first of a repeated event_id only', () => {
    const batch = decodeBatch('t', 0, [message(reading('a')), message(reading('b')), message(reading('a', { cpu_pct: 99 }))], NOW);
    expect(batch.valid.map((r) => [r.event_id, r.cpu_pct])).toEqual([['a', 40], ['b', 40]]);
    expect(batch.valid[0]).toMatchObject({ partition: 0, offset: batch.entries[0]!.offset });
    expect(batch.duplicatesInBatch).toBe(1);
  });

  it('rejects a tombstone, an unparsable value and an invalid reading, each with its reason', () => {
    const batch = decodeBatch('t', 0, [message(null), message('{"event_id":'), message(reading('c', { cpu_pct: 250 })), message(reading('d'))], NOW);
    expect(batch.valid.map((r) => r.event_id)).toEqual(['d']);
    expect(batch.rejected.map((r) => r.rejection.reason)).toEqual(['not_json', 'not_json', 'out_of_range']);
    expect(Object.fromEntries(countByReason(batch.rejected))).toEqual({ not_json: 2, out_of_range: 1 });
  });

  it('refuses a schema tag it does not know instead of guessing the schema', () => {
    const batch = decodeBatch('t', 0, [message(reading('e'), { [SCHEMA_HEADER]: Buffer.from('pulse/v9') })], NOW);
    expect(batch.rejected.map((r) => r.rejection.reason)).toEqual(['unknown_schema']);
  });

  it('reads header values given as buffers, strings or lists, and skips undefined ones', () => {
    expect(headerText({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), Buffer.from('2')], d: undefined })).toEqual({ a: 'x', b: 'y', c: '1,2' });
  });
});
