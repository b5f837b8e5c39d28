// Serving layer: latency p50/p99 of overview and timeseries at a fixed 200 requests/s over a
// history of 10 M rows (1 M with --quick) published by the batch layer, with the speed layer
// ingesting a live feed at the same time; then the overview again with 500 dashboards' live
// streams open. Everything shares this machine.
//   node bench/serving.ts [--quick]

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, type ClientRequest } from 'node:http';
import autocannon from 'autocannon';
import { createPool, freePort, migrate, servicesFromEnvOrEphemeral, silenceKnownWarnings } from '../infra/index.ts';
import { runPulse, type Child } from './lib/pulse-child.ts';
import { formatSummary, isQuick, saveResult, summarize, runCount } from './lib/stats.ts';

silenceKnownWarnings();
const quick = isQuick();
const RATE = 200;
const SECONDS = quick ? 5 : 30;
const RUNS = runCount(3);

async function once(args: string[], env: Record<string, string>): Promise<void> {
  const child = runPulse(args, env, '\u0000never');
  child.ready.catch(() => undefined); // a one-shot command never prints the marker; its exit code decides
  await new Promise<void>((resolve, reject) => child.process.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pulse ${args.join(' ')} exited ${code}`)))));
}

function load(url: string): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, overallRate: RATE, connections: 20, duration: SECONDS }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const STREAMS = quick ? 50 : 500;

/** Opens `count` Server-Sent Event streams, keeps reading them, and counts those still open. */
async function openStreams(url: string, count: number): Promise<{ open: () => number; close: () => void }> {
  const requests: ClientRequest[] = [];
  let open = 0;
  const variants = ['', 'region=india', 'region=usa', 'region=germany'].flatMap((r) => ['interval=1s', 'interval=5s'].map((i) => [r, i].filter(Boolean).join('&')));
  await Promise.all(Array.from({ length: count }, (_, k) => new Promise<void>((resolve, reject) => {
    const request = get(`${url}?${variants[k % variants.length]}`, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream ${k}: HTTP ${response.statusCode}`));
      open += 1;
      response.on('data', () => undefined);
      response.on('close', () => (open -= 1));
      resolve();
    });
    request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    requests.push(request);
  })));
  return { open: () => open, close: () => { for (const r of requests) r.destroy(); } };
}

const services = await servicesFromEnvOrEphemeral({ durable: true });
const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-serving-'));
await chmod(dataDir, 0o755);
const children: Child[] = [];
const results: Record<string, unknown> = { rate: RATE, seconds: SECONDS };
try {
  const schema = `bench_serving_${Date.now().toString(36)}`;
  const admin = createPool({ databaseUrl: services.databaseUrl, max: 1 });
  await migrate(admin, schema);
  await admin.end();
  const port = await freePort();
  const topic = `bench-serving-${Date.now()}`;
  const env = { KAFKA_BROKERS: services.kafkaBrokers, DATABASE_URL: services.databaseUrl, PULSE_DB_SCHEMA: schema, PULSE_DATA_DIR: dataDir, PULSE_TOPIC: topic, PORT: String(port), LOG_LEVEL: 'warn' };
  const days = quick ? 2 : 20;
  await once(['generate', 'history', '--servers-per-region', '116', '--days', String(days)], env);
  await once(['batch'], env);
  console.log(`history of ${(116 * 3 * 1440 * days).toLocaleString('en-US')} rows published`);
  const speed = runPulse(['speed'], { ...env, LOG_LEVEL: 'info' }, 'speed layer running');
  children.push(speed);
  await speed.ready;
  children.push(runPulse(['generate', 'live', '--rate', '1000'], { ...env, LOG_LEVEL: 'info' }, 'live generator running'));
  // The load generator is one client far above the per-client limit (PULSE_RATE_LIMIT): measure the API, not the 429s.
  const serving = runPulse(['serve', '--host', '127.0.0.1'], { ...env, LOG_LEVEL: 'info', PULSE_RATE_LIMIT: '0', PULSE_STREAMS_PER_CLIENT: String(STREAMS) }, '"serving"');
  children.push(serving);
  await serving.ready;
  const base = `http://127.0.0.1:${port}/api`;
  const to = new Date().toISOString();
  const week = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const endpoints = {
    'overview (1 h)': `${base}/overview`,
    'overview (7 d)': `${base}/overview?from=${week}&to=${to}`,
    'timeseries cpu per region (7 d)': `${base}/timeseries?metric=cpu_pct&from=${week}&to=${to}`,
    'timeseries cpu per region (1 h, live)': `${base}/timeseries?metric=cpu_pct`,
  };
  for (const [name, url] of Object.entries(endpoints)) {
    const runs: autocannon.Result[] = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await load(url));
    const p50 = summarize(runs.map((r) => r.latency.p50));
    const p99 = summarize(runs.map((r) => r.latency.p99));
    const errors = runs.reduce((n, r) => n + r.errors + r.non2xx, 0);
    results[name] = { p50, p99, errors, requests: runs.map((r) => r.requests.total) };
    console.log(`${name.padEnd(40)} p50 ${formatSummary(p50)} ms, p99 ${formatSummary(p99)} ms at ${RATE} req/s (${errors} errors)`);
  }
  // 500 dashboards' live streams open (regions all/india/usa/germany × every 1 s/5 s), then the overview under load.
  const streams = await openStreams(`${base}/stream`, STREAMS);
  try {
    const runs: autocannon.Result[] = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await load(`${base}/overview`));
    const name = `overview (1 h) with ${STREAMS} open streams`;
    const p50 = summarize(runs.map((r) => r.latency.p50));
    const p99 = summarize(runs.map((r) => r.latency.p99));
    const errors = runs.reduce((n, r) => n + r.errors + r.non2xx, 0);
    results[name] = { p50, p99, errors, requests: runs.map((r) => r.requests.total), streamsOpen: streams.open() };
    console.log(`${name.padEnd(40)} p50 ${formatSummary(p50)} ms, p99 ${formatSummary(p99)} ms at ${RATE} req/s (${errors} errors; ${streams.open()} streams open)`);
  } finally {
    streams.close();
  }
} finally {
  for (const child of children.reverse()) await child.stop();
  await services.stop();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(`results → ${await saveResult('serving', results)}`);
