// The live generator against a real broker: every event delivered exactly once by
// event_id at the requested rate, a control message changing the rate within a second,
// and incident labels on their own topic.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { ensureTopics } from '../infra/index.ts';
import { setRateCommand, startLiveGenerator } from '../generator/index.ts';
import { SCHEMA_HEADER, decodePayload } from '../telemetry/index.ts';
import { testKafka, uniqueName } from './support/isolation.ts';

const kafka = testKafka();
const topic = uniqueName('live');
const controlTopic = uniqueName('control');
const labelsTopic = uniqueName('labels');
const fleet = { serversPerRegion: 10, seed: 3, regions: ['india', 'usa', 'germany'] as const };

async function collect(from: string, onMessage: (value: string, headers: Record<string, string>) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      onMessage(message.value?.toString() ?? '', headers);
    },
  });
  return consumer;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('pulse generate live', () => {
  const consumers: Consumer[] = [];
  beforeAll(async () => {
    await ensureTopics(kafka, [
      { topic, numPartitions: 6 }, { topic: controlTopic, numPartitions: 1 }, { topic: labelsTopic, numPartitions: 1 },
    ]);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
  });

  it('delivers 10 s at 1,000 events/s: every event exactly once, each a valid native reading', async () => {
    const seen = new Map<string, number>();
    let invalid = 0;
    consumers.push(await collect(topic, (value, headers) => {
      const decoded = decodePayload(value, { source: 'live', now: Date.now(), schemaTag: headers[SCHEMA_HEADER] });
      if (!decoded.ok) invalid += 1;
      else seen.set(decoded.record.event_id, (seen.get(decoded.record.event_id) ?? 0) + 1);
    }));
    const started = Date.now();
    const generator = await startLiveGenerator({ kafka, topic, controlTopic, labelsTopic, rate: 1000, maxEvents: 10_000, incidentRate: 0, ...fleet });
    await generator.done;
    const seconds = (Date.now() - started) / 1000;
    await generator.close();
    await waitFor(() => seen.size + invalid >= 10_000, 30_000);
    expect(invalid).toBe(0);
    expect(seen.size).toBe(10_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(9);
  });

  it('changes its rate within a second of a control message', async () => {
    const generator = await startLiveGenerator({ kafka, topic, controlTopic, labelsTopic, rate: 50, incidentRate: 0, ...fleet });
    await generator.ready;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: controlTopic, messages: [{ value: 'not a command' }, { value: setRateCommand(2000) }] });
    const latency = await waitFor(() => generator.stats().rate === 2000, 5000);
    const before = generator.stats().sent;
    await new Promise((r) => setTimeout(r, 1000));
    const perSecond = generator.stats().sent - before;
    await producer.disconnect();
    await generator.close();
    expect(latency).toBeLessThan(1000);
    expect(perSecond).toBeGreaterThan(1500);
  });

  it('resumes at its rate after a stall, catching up at most one second of backlog', async () => {
    const generator = await startLiveGenerator({ kafka, topic, controlTopic, labelsTopic, rate: 200, incidentRate: 0, ...fleet });
    await generator.ready;
    await new Promise((r) => setTimeout(r, 500));
    // A real stall of the producing process: the event loop is blocked for 3 s, as by a long
    // GC pause or a frozen container, so the schedule falls 600 events behind.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
    const afterStall = generator.stats().sent;
    await new Promise((r) => setTimeout(r, 300));
    const caughtUp = generator.stats().sent - afterStall;
    const before = generator.stats().sent;
    await new Promise((r) => setTimeout(r, 2000));
    const inTwoSeconds = generator.stats().sent - before;
    await generator.close();
    expect(caughtUp).toBeLessThanOrEqual(200 + 60 + 5);
    expect(inTwoSeconds).toBeGreaterThan(300);
    expect(inTwoSeconds).toBeLessThan(500);
  });

  it('produces a label for every incident it starts', async () => {
    const labels: { kind: string; host: string; start: string; end: string }[] = [];
    consumers.push(await collect(labelsTopic, (value) => labels.push(JSON.parse(value))));
    const generator = await startLiveGenerator({ kafka, topic, controlTopic, labelsTopic, rate: 2000, maxEvents: 4000, incidentRate: 20_000, ...fleet });
    await generator.done;
    const { labels: produced } = generator.stats();
    await generator.close();
    expect(produced).toBeGreaterThan(0);
    await waitFor(() => labels.length >= produced, 15_000);
    for (const label of labels) {
      expect(['overheat', 'cpu_saturation', 'power_surge', 'memory_leak', 'stuck_sensor']).toContain(label.kind);
      expect(Date.parse(label.end)).toBeGreaterThan(Date.parse(label.start));
    }
  });
});
