// The foundation works end to end on real services: records produced to Kafka with
// KafkaJS come back through a consumer group and land in PostgreSQL unchanged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../infra/index.ts';
import { decodePayload, METRICS, type TelemetryRecord } from '../telemetry/index.ts';
import { isolatedSchema, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';

const COUNT = 600;
const BASE_TS = Date.UTC(2026, 10, 1);

function sampleRecord(i: number): TelemetryRecord {
  return {
    event_id: `smoke-${i}`, ts: BASE_TS + i * 1000, region: 'local', host_id: `host-${i % 7}`, source: 'agent',
    temp_c: 40 + (i % 50) / 10, cpu_pct: (i * 7) % 100, mem_pct: i % 3 === 0 ? null : 55.5, disk_pct: null,
    net_in_kbps: i, net_out_kbps: null, voltage_v: null, power_w: 250.5,
  };
}

const INSERT = `
  INSERT INTO readings_hot (event_id, ts, region, host_id, source, ${METRICS.join(', ')})
  SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
    ${METRICS.map((_, i) => `$${i + 6}::float8[]`).join(', ')})
  ON CONFLICT (event_id) DO NOTHING`;

function columns(records: TelemetryRecord[]): unknown[] {
  return [
    records.map((r) => r.event_id), records.map((r) => new Date(r.ts)), records.map((r) => r.region),
    records.map((r) => r.host_id), records.map((r) => r.source), ...METRICS.map((m) => records.map((r) => r[m])),
  ];
}

describe('local stack smoke test', () => {
  let db: IsolatedSchema;
  const topic = uniqueName('smoke');
  const kafka = testKafka();

  beforeAll(async () => {
    db = await isolatedSchema('smoke');
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
  });
  afterAll(async () => db.drop());

  it('runs on Node 24', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('produces, consumes in a group, writes to PostgreSQL and reads back every record', async () => {
    const sent = Array.from({ length: COUNT }, (_, i) => sampleRecord(i));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: sent.map((r) => ({ key: r.host_id, value: JSON.stringify({ ...r, ts: new Date(r.ts).toISOString() }), headers: { 'pulse-schema': 'pulse/v1' } })),
    });
    await producer.disconnect();

    const received: TelemetryRecord[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          const records = batch.messages.flatMap((m) => {
            const decoded = decodePayload(m.value ?? '', { source: 'agent', now: Date.now(), schemaTag: m.headers?.['pulse-schema']?.toString() });
            return decoded.ok ? [decoded.record] : [];
          });
          await db.pool.query(INSERT, columns(records));
          received.push(...records);
          if (received.length >= COUNT) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    const stored = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM readings_hot');
    expect(Number(stored.rows[0]?.n)).toBe(COUNT);
    const row = await db.pool.query('SELECT * FROM readings_hot WHERE event_id = $1', ['smoke-3']);
    expect(row.rows[0]).toMatchObject({
      host_id: 'host-3', region: 'local', source: 'agent', cpu_pct: 21, mem_pct: null, power_w: 250.5,
      ts: new Date(BASE_TS + 3000),
    });
  });
});
