// Pulse against the system it replaces, rebuilt on Apache Spark (bench/spark/): the same
// broker, database, event stream and history files, runs alternating Pulse / Spark.
// Streaming: sustained events/s draining a pre-loaded topic, and freshness at fixed rates
// (produce → the consumer's durable progress passes the event; see bench/RESULTS.md).
// Batch: the same history in CSV, JSON lines and Parquet, normalized into PostgreSQL.
//   node bench/peer.ts [--quick] [--10m | --add-10m]   (BENCH_RUNS=n overrides the number of runs)

import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, createPool, ensureTopics, migrate, packageRoot, servicesFromEnvOrEphemeral, silenceKnownWarnings, type Pool } from '../infra/index.ts';
import { batchPhases, runPulse, runPulseToEnd } from './lib/pulse-child.ts';
import { ensureSparkPeer, jdbcOf, pysparkVersion, sparkCommittedOffsets, startSparkJob } from './lib/spark-peer.ts';
import { formatSummary, isQuick, runCount, saveResult, summarize, type Summary } from './lib/stats.ts';
import { measureFreshness, PARTITIONS, preload, secondsUntil, type Progress } from './lib/stream-load.ts';

silenceKnownWarnings();
const quick = isQuick();
const RUNS = runCount(quick ? 1 : 3);
// Sized so that the slower system still finishes a full run in about 40 minutes on two cores.
const SATURATION_EVENTS = quick ? 10_000 : 100_000;
const RATES = quick ? [1_000] : [1_000, 10_000];
const FRESHNESS_SECONDS = quick ? 5 : 20;
const WARMUP_SECONDS = quick ? 3 : 10;
// Spark needs about half an hour for one 10 M run on this machine (JDBC inserts), so that
// size runs, once, only with --10m (bench/batch.ts has Pulse's own medians at 10 M).
/** --add-10m: only the 10 M batch, added to the figures bench/results/peer.json already holds. */
const ADD_10M = process.argv.includes('--add-10m');
const SIZES = quick
  ? [{ label: '0.1M', servers: 12, days: 2, runs: RUNS }]
  : [
    ...(ADD_10M ? [] : [{ label: '1M', servers: 116, days: 2, runs: RUNS }]),
    ...(ADD_10M || process.argv.includes('--10m') ? [{ label: '10M', servers: 116, days: 20, runs: runCount(1) }] : []),
  ];
const SYSTEMS = ['pulse', 'spark'] as const;
type System = (typeof SYSTEMS)[number];

/** The canonical reading table the Spark jobs append to, as the original system's was: no key, no index. */
const SPARK_TABLE_DDL = `(event_id text, ts timestamptz, region text, host_id text, temp_c double precision, cpu_pct double precision,
  mem_pct double precision, disk_pct double precision, net_in_kbps double precision, net_out_kbps double precision,
  voltage_v double precision, power_w double precision)`;

interface Running { ready: Promise<void>; progress: Progress; stop: () => Promise<number>; rows: () => Promise<number> }

let sequence = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(sequence += 1)}`;

async function newSparkTable(pool: Pool): Promise<string> {
  const table = `spark_peer.${unique('readings')}`;
  await pool.query(`CREATE TABLE ${table} ${SPARK_TABLE_DDL}`);
  return table;
}

async function startPulseSpeed(ctx: Context, topic: string): Promise<Running> {
  const schema = unique('bench_peer');
  await migrate(ctx.pool, schema);
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-peer-'));
  const group = unique(`${topic}-pulse`); // a group of its own each run: an old one has committed everything
  const speed = runPulse(['speed'], { ...ctx.env, PULSE_DB_SCHEMA: schema, PULSE_TOPIC: topic, PULSE_SPEED_GROUP: group, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' }, 'speed layer running');
  return {
    ready: speed.ready,
    progress: async () => {
      const [offsets] = await ctx.admin.fetchOffsets({ groupId: group, topics: [topic] });
      const perPartition = new Array<number>(PARTITIONS).fill(0);
      for (const p of offsets?.partitions ?? []) perPartition[p.partition] = Math.max(0, Number(p.offset));
      return perPartition;
    },
    stop: async () => {
      const peak = await speed.peakRssMb();
      await speed.stop();
      await rm(dataDir, { recursive: true, force: true });
      return peak;
    },
    rows: async () => Number((await ctx.pool.query(`SELECT count(*) AS n FROM "${schema}".readings_hot`)).rows[0].n),
  };
}

async function startSparkStreaming(ctx: Context, topic: string): Promise<Running> {
  const table = await newSparkTable(ctx.pool);
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-spark-'));
  const checkpoint = join(dir, 'checkpoint');
  const jdbc = jdbcOf(ctx.databaseUrl);
  // "earliest" on a topic created for this run: every event produced after the start, with no
  // race against the query resolving "latest" (see RESULTS.md).
  const job = startSparkJob('streaming_job.py', [ctx.brokers, topic, jdbc.url, table, join(dir, 'archive'), checkpoint, 'earliest'], jdbc.env, 'spark streaming running');
  return {
    ready: job.ready,
    progress: () => sparkCommittedOffsets(checkpoint, topic, PARTITIONS),
    stop: async () => {
      const memory = await job.stop();
      await rm(dir, { recursive: true, force: true });
      return memory.peakTotalMb;
    },
    rows: async () => Number((await ctx.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n),
  };
}

interface Context { kafka: Kafka; admin: Admin; pool: Pool; brokers: string; databaseUrl: string; env: Record<string, string> }
const start = (ctx: Context, system: System, topic: string) => (system === 'pulse' ? startPulseSpeed(ctx, topic) : startSparkStreaming(ctx, topic));

async function saturation(ctx: Context) {
  const topic = unique('bench-peer-saturation');
  await ensureTopics(ctx.kafka, [{ topic, numPartitions: PARTITIONS }]);
  await preload(ctx.kafka, topic, SATURATION_EVENTS);
  const runs: Record<System, { eventsPerSecond: number; peakRssMb: number; rows: number }[]> = { pulse: [], spark: [] };
  for (let i = 0; i < RUNS; i += 1) {
    for (const system of SYSTEMS) {
      const consumer = await start(ctx, system, topic);
      await consumer.ready;
      const seconds = await secondsUntil(consumer.progress, SATURATION_EVENTS);
      const rows = await consumer.rows();
      runs[system].push({ eventsPerSecond: SATURATION_EVENTS / seconds, peakRssMb: await consumer.stop(), rows });
      console.log(`  saturation ${system} run ${i + 1}: ${Math.round(SATURATION_EVENTS / seconds).toLocaleString('en-US')} events/s, ${rows} rows stored`);
    }
  }
  const of = (s: System) => ({
    eventsPerSecond: summarize(runs[s].map((r) => r.eventsPerSecond)), peakRssMb: summarize(runs[s].map((r) => r.peakRssMb)), rowsStored: runs[s].map((r) => r.rows),
  });
  return { pulse: of('pulse'), spark: of('spark') };
}

/**
 * `sustained`: each system's saturation events/s. A system is not run at a rate above it: its
 * backlog, and so its latency, would only grow with the length of the run.
 */
async function freshness(ctx: Context, rate: number, sustained: Record<System, number>) {
  const runs: Record<System, { p50: number; p95: number; p99: number; peakRssMb: number }[]> = { pulse: [], spark: [] };
  for (let i = 0; i < RUNS; i += 1) {
    for (const system of SYSTEMS.filter((s) => rate <= sustained[s])) {
      const topic = unique(`bench-peer-fresh-${rate}`);
      await ensureTopics(ctx.kafka, [{ topic, numPartitions: PARTITIONS }]);
      const consumer = await start(ctx, system, topic);
      await consumer.ready;
      const f = await measureFreshness(ctx.kafka, topic, rate, FRESHNESS_SECONDS, consumer.progress, WARMUP_SECONDS);
      runs[system].push({ p50: f.p50, p95: f.p95, p99: f.p99, peakRssMb: await consumer.stop() });
      console.log(`  freshness ${rate}/s ${system} run ${i + 1}: p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms (${f.events} events measured)`);
    }
  }
  const of = (s: System, k: 'p50' | 'p95' | 'p99' | 'peakRssMb') => summarize(runs[s].map((r) => r[k]));
  const all = (s: System) => (runs[s].length === 0
    ? { notSustainable: true, sustainedEventsPerSecond: sustained[s] }
    : { p50: of(s, 'p50'), p95: of(s, 'p95'), p99: of(s, 'p99'), peakRssMb: of(s, 'peakRssMb') });
  return { pulse: all('pulse'), spark: all('spark') };
}

const FORMATS = { india: 'CSV (India)', usa: 'JSON lines (USA)', germany: 'Parquet (Germany)' } as const;

async function batch(ctx: Context, size: (typeof SIZES)[number]) {
  const dataDir = await mkdtemp(join(tmpdir(), `pulse-bench-peer-batch-${size.label}-`));
  await chmod(dataDir, 0o755);
  const schema = unique('bench_peer_batch');
  await migrate(ctx.pool, schema);
  const env = { ...ctx.env, PULSE_DB_SCHEMA: schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  const generated = await runPulseToEnd(['generate', 'history', '--servers-per-region', String(size.servers), '--days', String(size.days), '--end', '2026-11-01'], env);
  const rows = Number(/history: (\d+) rows/.exec(generated.output)?.[1]);
  console.log(`  batch ${size.label}: ${rows.toLocaleString('en-US')} history rows generated`);
  const runs: Record<System, { seconds: number; wallSeconds: number; peakRssMb: number; formats: Record<string, number> }[]> = { pulse: [], spark: [] };
  const jdbc = jdbcOf(ctx.databaseUrl);
  try {
    for (let i = 0; i < size.runs; i += 1) {
      const pulseStarted = performance.now();
      const pulse = await runPulseToEnd(['batch', '--full'], env); // every run recomputes everything, as Spark's job does
      const phases = batchPhases(pulse.output);
      const formatSeconds = (prefix: string) => phases.filter((p) => p.phase.startsWith(prefix)).reduce((a, p) => a + p.seconds, 0);
      runs.pulse.push({
        seconds: Number(/; ([\d.]+) s$/m.exec(pulse.output)?.[1]), wallSeconds: (performance.now() - pulseStarted) / 1000, peakRssMb: pulse.peakRssMb,
        formats: { india: formatSeconds('reading india'), usa: formatSeconds('reading JSON lines'), germany: formatSeconds('reading germany') },
      });
      const table = await newSparkTable(ctx.pool);
      const sparkStarted = performance.now();
      const job = startSparkJob('batch_job.py', [join(dataDir, 'historical'), jdbc.url, table], jdbc.env);
      const output = await job.done;
      const memory = await job.stop();
      const marks = Object.fromEntries(output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { phase: string; seconds: number }).map((m) => [m.phase, m.seconds]));
      runs.spark.push({ seconds: marks['total'] as number, wallSeconds: (performance.now() - sparkStarted) / 1000, peakRssMb: memory.peakTotalMb, formats: { india: marks['india'] as number, usa: marks['usa'] as number, germany: marks['germany'] as number } });
      const stored = Number((await ctx.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      await ctx.pool.query(`DROP TABLE ${table}`);
      console.log(`  batch ${size.label} run ${i + 1}: pulse ${runs.pulse.at(-1)?.seconds.toFixed(1)} s, spark ${runs.spark.at(-1)?.seconds.toFixed(1)} s (${stored} rows stored)`);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  const per = (s: System) => ({
    seconds: summarize(runs[s].map((r) => r.seconds)), wallSeconds: summarize(runs[s].map((r) => r.wallSeconds)),
    rowsPerSecond: summarize(runs[s].map((r) => rows / r.seconds)), peakRssMb: summarize(runs[s].map((r) => r.peakRssMb)),
    // Each region holds a third of the rows; its phase reads, normalizes (and for Spark writes) it.
    formatRowsPerSecond: Object.fromEntries(Object.entries(FORMATS).map(([region, label]) => [label, summarize(runs[s].map((r) => rows / 3 / (r.formats[region] as number)))])),
  });
  return { rows, pulse: per('pulse'), spark: per('spark') };
}

const ratio = (pulse: Summary, spark: Summary) => pulse.median / spark.median;

ensureSparkPeer();
const services = await servicesFromEnvOrEphemeral({ durable: true });
const kafka = createKafka({ brokers: services.kafkaBrokers.split(','), clientId: 'pulse-bench-peer' });
const admin = kafka.admin();
await admin.connect();
const pool = createPool({ databaseUrl: services.databaseUrl, max: 2 });
await pool.query('CREATE SCHEMA IF NOT EXISTS spark_peer');
const ctx: Context = { kafka, admin, pool, brokers: services.kafkaBrokers, databaseUrl: services.databaseUrl, env: { KAFKA_BROKERS: services.kafkaBrokers, DATABASE_URL: services.databaseUrl } };
const results: Record<string, unknown> = ADD_10M
  ? (JSON.parse(await readFile(join(packageRoot, 'bench', 'results', 'peer.json'), 'utf8')) as { result: Record<string, unknown> }).result
  : { pyspark: pysparkVersion(), runs: RUNS, saturationEvents: SATURATION_EVENTS, freshnessSeconds: FRESHNESS_SECONDS, warmupSeconds: WARMUP_SECONDS };
try {
  if (!ADD_10M) {
    console.log(`streaming saturation (${SATURATION_EVENTS.toLocaleString('en-US')} pre-loaded events)`);
    const sat = await saturation(ctx);
    results['saturation'] = sat;
    console.log(`throughput events/s   pulse ${formatSummary(sat.pulse.eventsPerSecond)}   spark ${formatSummary(sat.spark.eventsPerSecond)}   pulse/spark ${ratio(sat.pulse.eventsPerSecond, sat.spark.eventsPerSecond).toFixed(2)}`);
    console.log(`peak memory MB       pulse ${formatSummary(sat.pulse.peakRssMb)}   spark ${formatSummary(sat.spark.peakRssMb)}`);
    for (const rate of RATES) {
      console.log(`freshness at ${rate} events/s for ${FRESHNESS_SECONDS} s`);
      const f = await freshness(ctx, rate, { pulse: sat.pulse.eventsPerSecond.median, spark: sat.spark.eventsPerSecond.median });
      results[`freshness_${rate}`] = f;
      const [pulse, spark] = [f.pulse, f.spark].map((x) => ('p99' in x ? x.p99 : undefined));
      const text = (x: Summary | undefined) => (x ? formatSummary(x) : 'not sustainable');
      console.log(`freshness p99 ms @${rate}/s   pulse ${text(pulse)}   spark ${text(spark)}   pulse/spark ${pulse && spark ? ratio(pulse, spark).toFixed(2) : '–'}`);
    }
  }
  for (const size of SIZES) {
    const b = await batch(ctx, size);
    results[`batch_${size.label}`] = b;
    console.log(`batch ${size.label} seconds   pulse ${formatSummary(b.pulse.seconds, 1)}   spark ${formatSummary(b.spark.seconds, 1)}   pulse/spark ${ratio(b.pulse.seconds, b.spark.seconds).toFixed(2)}`);
  }
} finally {
  await admin.disconnect();
  await pool.end();
  await services.stop();
}
console.log(`results → ${await saveResult('peer', results)}`);
