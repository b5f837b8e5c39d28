// Messages for speed-layer tests: real native readings from the history generator (all
// three regions, both schema versions), and malformed payloads of every kind.

import type { Kafka, Message } from 'kafkajs';
import { historyRows, planHistory, type HistoryOptions } from '../../generator/index.ts';
import { decodeReading, SCHEMA_HEADER, type TelemetryRecord } from '../../telemetry/index.ts';

export interface Fixture { message: Message; expected: TelemetryRecord }

/** Readings of a small fleet over the day before `end`; every other one without a schema tag. */
export function nativeReadings(limit: number, options: Partial<HistoryOptions> = {}): Fixture[] {
  const end = options.end ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const plan = planHistory({
    serversPerRegion: 12, days: 1, intervalSeconds: 60, seed: 11, regions: ['india', 'usa', 'germany'], incidentRate: 0.5, ...options, end,
  });
  const fixtures: Fixture[] = [];
  for (const row of historyRows(plan)) {
    if (fixtures.length >= limit) break;
    const decoded = decodeReading(row.record, { source: 'live', now: Date.now() });
    if (!decoded.ok) throw new Error(`fixture did not decode: ${decoded.rejection.message}`);
    const tagged = fixtures.length % 2 === 0;
    fixtures.push({
      message: { key: decoded.record.host_id, value: JSON.stringify(row.record), ...(tagged ? { headers: { [SCHEMA_HEADER]: row.schema.tag } } : {}) },
      expected: decoded.record,
    });
  }
  return fixtures;
}

const MALFORMED: ((i: number) => Message)[] = [
  (i) => ({ value: `not json ${i}` }),
  (i) => ({ value: JSON.stringify({ unknown_field: i }) }),
  (i) => ({ value: JSON.stringify([i]) }),
  (i) => ({ value: JSON.stringify({ instance_id: `i-bad${i}`, time_utc: '2026-01-01T00:00:00Z', temp_fahrenheit: 900 }) }),
  (i) => ({ value: JSON.stringify({ server_code: `IN-BAD-${i}`, timestamp_ist: '2026-02-30 10:00:00', temp_celsius: 40 }) }),
  (i) => ({ value: JSON.stringify({ server_code: `IN-BAD-${i}`, timestamp_ist: '2026-01-01 10:00:00', cpu_usage_percent: 'NaN' }) }),
  (i) => ({ value: JSON.stringify({ host_id: `x${i}` }), headers: { [SCHEMA_HEADER]: 'mars/v1' } }),
  (i) => ({ value: Buffer.from([0xff, 0xfe, 0x00, i % 256]) }),
];

export function malformedMessages(count: number): Message[] {
  return Array.from({ length: count }, (_, i) => (MALFORMED[i % MALFORMED.length] as (i: number) => Message)(i));
}

/** Interleave `extra` evenly into `base`. */
export function interleave<T>(base: T[], extra: T[]): T[] {
  const out: T[] = [];
  const every = Math.max(1, Math.floor(base.length / Math.max(1, extra.length)));
  let e = 0;
  base.forEach((item, i) => {
    out.push(item);
    if (i % every === every - 1 && e < extra.length) out.push(extra[e++] as T);
  });
  return out.concat(extra.slice(e));
}

export async function produce(kafka: Kafka, topic: string, messages: Message[], chunk = 5_000, pauseMs = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += chunk) {
    await producer.send({ topic, messages: messages.slice(i, i + chunk), acks: -1 });
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  await producer.disconnect();
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
