// Generator throughput: history rows/s for each native format, and the live producer's
// highest sustained events/s against a real broker. Prints medians of several runs.
//   node bench/generator.ts [--quick]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics, servicesFromEnvOrEphemeral, silenceKnownWarnings } from '../infra/index.ts';
import { startLiveGenerator, writeHistory } from '../generator/index.ts';
import type { HistoryRegion } from '../telemetry/index.ts';
import { formatSummary, isQuick, saveResult, summarize, runCount } from './lib/stats.ts';

silenceKnownWarnings();
const quick = isQuick();
const RUNS = runCount(3);
const FORMATS: Record<HistoryRegion, string> = { india: 'CSV', usa: 'JSON lines', germany: 'Parquet' };

async function historyRowsPerSecond(region: HistoryRegion): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-history-'));
  try {
    const summary = await writeHistory(dir, {
      serversPerRegion: quick ? 10 : 50, days: quick ? 1 : 7, intervalSeconds: 60, seed: 1,
      regions: [region], end: Date.UTC(2026, 10, 1), incidentRate: 0.25,
    });
    return summary.rows / summary.seconds;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function liveEventsPerSecond(brokers: string[], seconds: number): Promise<number> {
  const kafka = createKafka({ brokers, clientId: 'pulse-bench' });
  const topic = `bench-live-${Date.now()}`;
  await ensureTopics(kafka, [{ topic, numPartitions: 6 }, { topic: `${topic}-control` }, { topic: `${topic}-labels` }]);
  const started = performance.now();
  const generator = await startLiveGenerator({
    kafka, topic, rate: 1_000_000, serversPerRegion: 50, seed: 1, regions: ['india', 'usa', 'germany'], incidentRate: 0,
    controlTopic: `${topic}-control`, labelsTopic: `${topic}-labels`,
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await generator.close(); // waits for every send in flight to be acknowledged
  return generator.stats().sent / ((performance.now() - started) / 1000);
}

const results: Record<string, unknown> = {};
for (const region of Object.keys(FORMATS) as HistoryRegion[]) {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await historyRowsPerSecond(region));
  const summary = summarize(runs);
  results[`history_${region}_rows_per_s`] = summary;
  console.log(`history ${FORMATS[region].padEnd(10)} rows/s  ${formatSummary(summary)}`);
}

const services = await servicesFromEnvOrEphemeral();
try {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await liveEventsPerSecond(services.kafkaBrokers.split(','), quick ? 3 : 10));
  const summary = summarize(runs);
  results['live_max_events_per_s'] = summary;
  console.log(`live producer max sustained events/s  ${formatSummary(summary)}  (acks=all, 6 partitions, ${services.origin})`);
} finally {
  await services.stop();
}
console.log(`results → ${await saveResult('generator', results)}`);
