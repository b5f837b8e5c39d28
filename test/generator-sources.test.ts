// The host agent and the legacy socket bridge against a real broker.

import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { ensureTopics, freePort } from '../infra/index.ts';
import { startAgent, startBridge } from '../generator/index.ts';
import { SCHEMA_HEADER, decodePayload } from '../telemetry/index.ts';
import { testKafka, uniqueName } from './support/isolation.ts';

const kafka = testKafka();
const consumers: Consumer[] = [];

interface Received { value: string; key: string | null; headers: Record<string, string> }

async function collect(topic: string): Promise<Received[]> {
  const received: Received[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({
        value: message.value?.toString() ?? '', key: message.key?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });
  return received;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect()));
});

describe('pulse agent', () => {
  const topic = uniqueName('agent');
  beforeAll(async () => ensureTopics(kafka, [{ topic, numPartitions: 1 }]));

  it('streams this machine\'s real metrics as valid pulse/v1 records', async () => {
    const received = await collect(topic);
    const agent = await startAgent({ kafka, topic, region: 'local', intervalMs: 300 });
    await waitFor(() => received.length >= 3, 20_000);
    await agent.close();
    const records = received.map((m) => decodePayload(m.value, { source: 'agent', now: Date.now(), schemaTag: m.headers[SCHEMA_HEADER] }));
    for (const decoded of records) {
      if (!decoded.ok) throw new Error(decoded.rejection.message);
      expect(decoded.record).toMatchObject({ region: 'local', source: 'agent' });
      expect(decoded.record.cpu_pct).toBeGreaterThanOrEqual(0);
      expect(decoded.record.mem_pct).toBeGreaterThan(0);
      expect(decoded.record.disk_pct).toBeGreaterThan(0);
    }
    const later = records[2];
    expect(later?.ok && later.record.net_in_kbps).not.toBeNull();
  });
});

describe('pulse bridge', () => {
  const topic = uniqueName('bridge');
  const dlqTopic = uniqueName('dlq');
  beforeAll(async () => ensureTopics(kafka, [{ topic, numPartitions: 3 }, { topic: dlqTopic, numPartitions: 1 }]));

  /**
   * A stand-in for the original system's server: writes its lines to the first client, hangs
   * up and goes away (`gone`). Serving every client would race the bridge's reconnect (50 ms)
   * against the test noticing the lines arrived, and send them twice.
   */
  function serveOnce(port: number, lines: string[]): Promise<{ gone: Promise<void> }> {
    return new Promise((resolve) => {
      let gone!: () => void;
      const closed = new Promise<void>((r) => (gone = r));
      const server: Server = createServer((socket: Socket) => {
        server.close(() => gone());
        socket.end(lines.map((l) => `${l}\n`).join(''));
      });
      server.listen(port, '127.0.0.1', () => resolve({ gone: closed }));
    });
  }

  it('forwards every line unchanged, reconnects after the server goes away, and dead-letters oversize lines', async () => {
    const port = await freePort();
    const first = ['{"host_id":"srv-1","timestamp":"2026-11-20 10:00:00","temp_c":50,"cpu_load":20,"voltage":230,"power_watts":300}', 'not json at all', '{"host_id": 12'];
    const second = ['{"host_id":"srv-2","timestamp":"2026-11-20 10:00:01","temp_c":51,"cpu_load":21,"voltage":231,"power_watts":301}', '{"temp_c": NaN}', 'x'.repeat(2_000_000)];
    const received = await collect(topic);
    const dead = await collect(dlqTopic);

    const firstServer = await serveOnce(port, first);
    const bridge = await startBridge({ kafka, topic, dlqTopic, host: '127.0.0.1', port, minBackoffMs: 50, maxBackoffMs: 200 });
    await waitFor(() => received.length >= first.length, 15_000);
    await firstServer.gone;
    await new Promise((r) => setTimeout(r, 500)); // the server is away: the bridge keeps retrying
    const secondServer = await serveOnce(port, second);
    await waitFor(() => received.length >= first.length + 2 && dead.length >= 1, 15_000);
    await secondServer.gone;
    const stats = bridge.stats();
    await bridge.close();

    expect(received.map((m) => m.value).sort()).toEqual([...first, ...second.slice(0, 2)].sort());
    expect(received.every((m) => m.headers[SCHEMA_HEADER] === 'legacy/v1')).toBe(true);
    expect(received.find((m) => m.value.includes('srv-2'))?.key).toBe('srv-2');
    expect(JSON.parse(dead[0]?.value ?? '{}')).toMatchObject({ reason: 'too_large', source: 'bridge', bytes: 2_000_000 });
    expect(stats.connects).toBeGreaterThanOrEqual(2);
    expect(stats).toMatchObject({ lines: 6, oversize: 1 });
  });
});
