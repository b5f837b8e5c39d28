// The live event stream both speed layers are measured on: the fleet's native v2 readings
// (India, USA, Germany JSON with their `pulse-schema` header), pre-loaded in bulk or produced
// at a fixed rate while the latency of each event until a consumer's progress passes it is
// recorded. Consumers report progress as per-partition next offsets.

import type { Kafka, Message } from 'kafkajs';
import { LiveFleet } from '../../generator/index.ts';
import { SCHEMA_HEADER } from '../../telemetry/index.ts';
import { percentile } from './stats.ts';

export const PARTITIONS = 6;

/** Per-partition offsets up to which (exclusive) a consumer has durably stored every event. */
export type Progress = () => Promise<number[]>;

function nativeMessages(fleet: LiveFleet, first: number, count: number): { partition: number; message: Message }[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, j) => {
    const { event } = fleet.next(now);
    const partition = (first + j) % PARTITIONS;
    return { partition, message: { partition, key: event.hostId, value: JSON.stringify(event.payload), headers: { [SCHEMA_HEADER]: event.schema.tag } } };
  });
}

const newFleet = () => new LiveFleet({ regions: ['india', 'usa', 'germany'], serversPerRegion: 100, seed: 8, incidentRate: 0 }, Date.now());

/** Writes `count` native events to `topic` (acks=all). */
export async function preload(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const fleet = newFleet();
  for (let i = 0; i < count; i += 10_000) {
    await producer.send({ topic, acks: -1, messages: nativeMessages(fleet, i, Math.min(10_000, count - i)).map((m) => m.message) });
  }
  await producer.disconnect();
}

/** Polls `progress` until its partitions add up to `count`; the seconds that took. */
export async function secondsUntil(progress: Progress, count: number): Promise<number> {
  const started = performance.now();
  while ((await progress()).reduce((a, b) => a + b, 0) < count) await new Promise((r) => setTimeout(r, 50));
  return (performance.now() - started) / 1000;
}

export interface Freshness { rate: number; events: number; p50: number; p95: number; p99: number }

/**
 * Produces at `rate` events/s; each event's latency from send until `progress` passes its
 * offset. A warm-up comes first and is not measured: at least `warmupSeconds`, and until the
 * consumer has caught up with what was sent by then (at most 30 s more), so that both systems are
 * measured in their steady state, past JIT compilation and connection set-up. Then `seconds` are measured.
 */
export async function measureFreshness(kafka: Kafka, topic: string, rate: number, seconds: number, progress: Progress, warmupSeconds = 5): Promise<Freshness> {
  const producer = kafka.producer();
  await producer.connect();
  const fleet = newFleet();
  const pending: { offset: number; sentAt: number }[][] = Array.from({ length: PARTITIONS }, () => []);
  const latencies: number[] = [];
  let producing = true;
  let measureFrom = Number.POSITIVE_INFINITY; // send time from which latencies count
  let stored = 0;
  const poller = (async () => {
    while (producing || pending.some((p) => p.length > 0)) {
      const committed = await progress();
      stored = committed.reduce((a, b) => a + b, 0);
      const now = performance.now();
      committed.forEach((offset, p) => {
        const queue = pending[p] as { offset: number; sentAt: number }[];
        while (queue.length > 0 && (queue[0] as { offset: number }).offset < offset) {
          const { sentAt } = queue.shift() as { sentAt: number };
          if (sentAt >= measureFrom) latencies.push(now - sentAt);
        }
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let sent = 0;
  let sentByWarmup = Number.POSITIVE_INFINITY;
  const started = performance.now();
  const warm = () => {
    const elapsed = performance.now() - started;
    if (elapsed >= warmupSeconds * 1000 && sentByWarmup === Number.POSITIVE_INFINITY) sentByWarmup = sent;
    return stored >= sentByWarmup || elapsed >= (warmupSeconds + 30) * 1000;
  };
  while (measureFrom === Number.POSITIVE_INFINITY || performance.now() - measureFrom < seconds * 1000) {
    if (measureFrom === Number.POSITIVE_INFINITY && warm()) measureFrom = performance.now();
    const due = Math.floor((rate * (performance.now() - started)) / 1000) - sent;
    if (due > 0) {
      const sentAt = performance.now();
      const batch = nativeMessages(fleet, sent, due);
      const metadata = await producer.send({ topic, acks: -1, messages: batch.map((m) => m.message) });
      for (const m of metadata) {
        const inPartition = batch.filter((x) => x.partition === m.partition).length;
        for (let k = 0; k < inPartition; k += 1) (pending[m.partition] as { offset: number; sentAt: number }[]).push({ offset: Number(m.baseOffset) + k, sentAt });
      }
      sent += due;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  producing = false;
  await poller;
  await producer.disconnect();
  const sorted = latencies.sort((a, b) => a - b);
  return { rate, events: latencies.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}
