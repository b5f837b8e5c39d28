// Speed layer: sustained end-to-end rate (produce → committed hot row) at saturation, with
// one and with two speed processes sharing the partitions, and
// freshness (produce → row visible: the consumer group's committed offset passes it) at
// fixed rates, with the speed process's peak memory. Broker, database (fsync on), producer
// and speed process share this machine.
//   node bench/speed.ts [--quick] [--only=saturation|freshness]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { createKafka, createPool, ensureTopics, migrate, servicesFromEnvOrEphemeral, silenceKnownWarnings } from '../infra/index.ts';
import { SCHEMA_HEADER } from '../telemetry/index.ts';
import { runPulse } from './lib/pulse-child.ts';
import { formatSummary, isQuick, percentile, runCount, saveResult, summarize } from './lib/stats.ts';

silenceKnownWarnings();
const quick = isQuick();
const PARTITIONS = 6;
const RUNS = runCount(3);
const services = await servicesFromEnvOrEphemeral({ durable: true });
const kafka = createKafka({ brokers: services.kafkaBrokers.split(','), clientId: 'pulse-bench-speed' });
const admin: Admin = kafka.admin();
await admin.connect();

function payload(i: number, ts: number): string {
  const host = `bench-${i % 300}`;
  return JSON.stringify({ event_id: `b${ts}-${i}`, ts, region: 'bench', host_id: host, temp_c: 40 + (i % 40), cpu_pct: i % 100, mem_pct: 50, power_w: 300 });
}

async function setup(name: string) {
  const topic = `bench-${name}-${Date.now()}`;
  const schema = `bench_${name.replace(/\W/g, '_')}_${Date.now().toString(36)}`;
  const group = `${topic}-group`;
  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
  const pool = createPool({ databaseUrl: services.databaseUrl, max: 2 });
  await migrate(pool, schema);
  await pool.end();
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-speed-'));
  const env = { KAFKA_BROKERS: services.kafkaBrokers, DATABASE_URL: services.databaseUrl, PULSE_DB_SCHEMA: schema, PULSE_TOPIC: topic, PULSE_SPEED_GROUP: group, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  return { topic, group, dataDir, env };
}

async function committedTotal(group: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const perPartition = new Array<number>(PARTITIONS).fill(0);
  for (const p of offsets?.partitions ?? []) perPartition[p.partition] = Math.max(0, Number(p.offset));
  return perPartition;
}

/** Until the group has `members` members and is Stable (its partitions handed out). */
async function stableGroup(group: string, members: number): Promise<void> {
  for (;;) {
    const { groups } = await admin.describeGroups([group]);
    if (groups[0]?.state === 'Stable' && groups[0].members.length === members) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Pre-load `count` events, then time how fast `processes` speed processes in one group store
 * them: events committed from the moment the group is stable with all of them, per second.
 */
async function saturation(count: number, processes = 1) {
  const { topic, group, dataDir, env } = await setup(`saturation${processes}`);
  const producer: Producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < count; i += 10_000) {
    const now = Date.now();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(10_000, count - i) }, (_, j) => ({ partition: (i + j) % PARTITIONS, value: payload(i + j, now), headers: { [SCHEMA_HEADER]: 'pulse/v1' } })) });
  }
  await producer.disconnect();
  const speeds = Array.from({ length: processes }, () => runPulse(['speed'], env, 'speed layer running'));
  await Promise.all(speeds.map((s) => s.ready));
  await stableGroup(group, processes);
  const total = async () => (await committedTotal(group, topic)).reduce((a, b) => a + b, 0);
  const atStart = await total();
  const started = performance.now();
  while ((await total()) < count) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  const peaks = await Promise.all(speeds.map((s) => s.peakRssMb()));
  await Promise.all(speeds.map((s) => s.stop()));
  await rm(dataDir, { recursive: true, force: true });
  return { eventsPerSecond: (count - atStart) / seconds, peakRssMb: Math.max(...peaks) };
}

/** Produce at `rate` for `seconds`; latency of each event from send to its offset being committed. */
async function freshness(rate: number, seconds: number) {
  const { topic, group, dataDir, env } = await setup(`fresh${rate}`);
  const speed = runPulse(['speed'], env, 'speed layer running');
  await speed.ready;
  const producer = kafka.producer();
  await producer.connect();
  const pending: { partition: number; offset: number; sentAt: number }[][] = Array.from({ length: PARTITIONS }, () => []);
  const latencies: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || pending.some((p) => p.length > 0)) {
      const committed = await committedTotal(group, topic);
      const now = performance.now();
      committed.forEach((offset, p) => {
        const queue = pending[p] as { offset: number; sentAt: number }[];
        while (queue.length > 0 && (queue[0] as { offset: number }).offset < offset) latencies.push(now - (queue.shift() as { sentAt: number }).sentAt);
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const tick = 50;
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor((rate * (performance.now() - started)) / 1000) - sent;
    if (due > 0) {
      const now = Date.now();
      const sentAt = performance.now();
      const messages = Array.from({ length: due }, (_, j) => ({ partition: (sent + j) % PARTITIONS, value: payload(sent + j, now), headers: { [SCHEMA_HEADER]: 'pulse/v1' } }));
      const metadata = await producer.send({ topic, acks: -1, messages });
      for (const m of metadata) {
        const inPartition = messages.filter((x) => x.partition === m.partition).length;
        for (let k = 0; k < inPartition; k += 1) (pending[m.partition] as { partition: number; offset: number; sentAt: number }[]).push({ partition: m.partition, offset: Number(m.baseOffset) + k, sentAt });
      }
      sent += due;
    }
    await new Promise((r) => setTimeout(r, tick));
  }
  polling = false;
  await poller;
  await producer.disconnect();
  const peak = await speed.peakRssMb();
  await speed.stop();
  await rm(dataDir, { recursive: true, force: true });
  const sorted = latencies.sort((a, b) => a - b);
  return { rate, events: sent, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), peakRssMb: peak };
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const results: Record<string, unknown> = { origin: services.origin };
try {
  // One and two processes in one group, alternating run by run so that drift hits both alike.
  const runs: Record<1 | 2, { eventsPerSecond: number; peakRssMb: number }[]> = { 1: [], 2: [] };
  for (let i = 0; i < (only === 'freshness' ? 0 : RUNS); i += 1) {
    for (const processes of [1, 2] as const) runs[processes].push(await saturation(quick ? 100_000 : 500_000, processes));
  }
  if (runs[1].length > 0) {
    const rate = summarize(runs[1].map((r) => r.eventsPerSecond));
    const rate2 = summarize(runs[2].map((r) => r.eventsPerSecond));
    const rss = summarize(runs[1].map((r) => r.peakRssMb));
    const ratio = summarize(runs[2].map((r, i) => r.eventsPerSecond / (runs[1][i]?.eventsPerSecond ?? Number.NaN)));
    Object.assign(results, { saturation_events_per_s: rate, saturation_2_processes_events_per_s: rate2, two_to_one_ratio: ratio, saturation_peak_rss_mb: rss });
    console.log(`saturation events/s (produce → committed hot row), 1 speed process   ${formatSummary(rate)}`);
    console.log(`saturation events/s, 2 speed processes in one group                ${formatSummary(rate2)}`);
    console.log(`2 processes ÷ 1 process (paired runs)                              ${formatSummary(ratio, 2)}`);
    console.log(`speed process peak RSS MB at saturation (1 process)                ${formatSummary(rss)}`);
  }
  for (const rate of only === 'saturation' ? [] : [1_000, 10_000]) {
    const fresh = [];
    for (let i = 0; i < RUNS; i += 1) fresh.push(await freshness(rate, quick ? 5 : 30));
    const key = `freshness_${rate}`;
    const r = { p50: summarize(fresh.map((f) => f.p50)), p95: summarize(fresh.map((f) => f.p95)), p99: summarize(fresh.map((f) => f.p99)), peakRssMb: summarize(fresh.map((f) => f.peakRssMb)) };
    results[key] = r;
    console.log(`freshness at ${rate} events/s: p50 ${formatSummary(r.p50)} ms, p95 ${formatSummary(r.p95)} ms, p99 ${formatSummary(r.p99)} ms, peak RSS ${formatSummary(r.peakRssMb)} MB`);
  }
} finally {
  await admin.disconnect();
  await services.stop();
}
console.log(`results → ${await saveResult('speed', results)}`);
