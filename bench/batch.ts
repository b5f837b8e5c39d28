// Batch layer: a full recompute (`pulse batch --full`) of 1 M and 10 M history rows, the
// floor a plain DuckDB pipeline sets on the same files (read, convert units, union by name,
// deduplicate, write zstd Parquet, two hourly aggregates) and Pulse's ratio to it; then the
// incremental run after one new hour of cold archives (360,000 events), at each history
// size, which should stay flat; peak RSS of every run. Medians of several runs.
//   node bench/batch.ts [--quick] [--sizes=1M,10M,50M]

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, migrate, servicesFromEnvOrEphemeral, silenceKnownWarnings } from '../infra/index.ts';
import { duckdbFloor, writeArchiveHour } from './lib/batch-inputs.ts';
import { batchPhases as phases, runPulseToEnd as pulse } from './lib/pulse-child.ts';
import { formatSummary, isQuick, saveResult, summarize, runCount } from './lib/stats.ts';

silenceKnownWarnings();
const quick = isQuick();
const RUNS = runCount(3);
const SERVERS = 116; // × 3 regions × 1,440 readings a day ≈ 0.5 M rows a day
const ALL_SIZES = { '1M': 2, '10M': 20, '50M': 100 } as const;
const wanted = process.argv.find((a) => a.startsWith('--sizes='))?.slice(8).split(',') ?? (quick ? ['1M'] : ['1M', '10M']);
const SIZES = wanted.map((label) => ({ label, days: ALL_SIZES[label as keyof typeof ALL_SIZES] })).filter((s) => s.days !== undefined);
const ARCHIVE_EVENTS = quick ? 36_000 : 360_000;

const seconds = (output: string) => Number(/; ([\d.]+) s$/m.exec(output)?.[1]);

const services = await servicesFromEnvOrEphemeral({ durable: true });
const results: Record<string, unknown> = {};
try {
  for (const size of SIZES) {
    const dataDir = await mkdtemp(join(tmpdir(), `pulse-bench-batch-${size.label}-`));
    await chmod(dataDir, 0o755);
    const schema = `bench_batch_${size.label.toLowerCase()}_${Date.now().toString(36)}`;
    const pool = createPool({ databaseUrl: services.databaseUrl, max: 1 });
    await migrate(pool, schema);
    await pool.end();
    const env = { DATABASE_URL: services.databaseUrl, PULSE_DB_SCHEMA: schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info', PULSE_BATCH_MEMORY: '700MB' };
    const generated = await pulse(['generate', 'history', '--servers-per-region', String(SERVERS), '--days', String(size.days), '--end', '2026-11-01'], env);
    const rows = Number(/history: (\d+) rows/.exec(generated.output)?.[1]);
    console.log(`${size.label}: generated ${rows.toLocaleString('en-US')} rows — ${generated.output.trim().split('\n').at(-1)}`);

    // Full recompute and the DuckDB floor, alternating in one run.
    const full: { seconds: number; peakRssMb: number }[] = [];
    const floor: { seconds: number; peakRssMb: number }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const run = await pulse(['batch', '--full'], env);
      full.push({ seconds: seconds(run.output), peakRssMb: run.peakRssMb });
      if (i === 0) console.log(`  phases: ${phases(run.output).map((p) => `${p.phase} ${p.seconds.toFixed(1)} s`).join('; ')}`);
      floor.push(await duckdbFloor(join(dataDir, 'historical'), join(dataDir, 'floor')));
    }
    // Incremental: one new hour of archives after the full run, each time a new hour.
    const incremental: { seconds: number; peakRssMb: number }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      await writeArchiveHour(join(dataDir, 'live_data'), Date.parse('2026-11-01T00:00:00Z') + i * 3_600_000, ARCHIVE_EVENTS, i);
      const run = await pulse(['batch'], env);
      incremental.push({ seconds: seconds(run.output), peakRssMb: run.peakRssMb });
    }
    const fullSeconds = summarize(full.map((r) => r.seconds));
    const floorSeconds = summarize(floor.map((r) => r.seconds));
    const ratio = summarize(full.map((r, i) => r.seconds / (floor[i]?.seconds ?? Number.NaN)));
    results[size.label] = {
      rows, full: { seconds: fullSeconds, rowsPerSecond: summarize(full.map((r) => rows / r.seconds)), peakRssMb: summarize(full.map((r) => r.peakRssMb)) },
      floor: { seconds: floorSeconds, peakRssMb: summarize(floor.map((r) => r.peakRssMb)) }, ratioToFloor: ratio,
      incremental: { archiveEvents: ARCHIVE_EVENTS, seconds: summarize(incremental.map((r) => r.seconds)), peakRssMb: summarize(incremental.map((r) => r.peakRssMb)) },
    };
    console.log(`${size.label}: full seconds ${formatSummary(fullSeconds, 1)}; peak RSS MB ${formatSummary(summarize(full.map((r) => r.peakRssMb)))}`);
    console.log(`${size.label}: DuckDB floor seconds ${formatSummary(floorSeconds, 1)}; Pulse / floor ${formatSummary(ratio, 2)}`);
    console.log(`${size.label}: incremental after ${ARCHIVE_EVENTS.toLocaleString('en-US')} archive events: seconds ${formatSummary(summarize(incremental.map((r) => r.seconds)), 2)}; peak RSS MB ${formatSummary(summarize(incremental.map((r) => r.peakRssMb)))}`);
    await rm(dataDir, { recursive: true, force: true });
  }
} finally {
  await services.stop();
}
console.log('history size → incremental seconds (median)');
for (const [label, r] of Object.entries(results)) console.log(`  ${label.padEnd(4)} → ${((r as { incremental: { seconds: { median: number } } }).incremental.seconds.median).toFixed(2)} s`);
// A run of chosen sizes (--sizes=) is saved apart, so it never replaces the standard figures.
console.log(`results → ${await saveResult(process.argv.some((a) => a.startsWith('--sizes=')) ? `batch-${wanted.join('-')}` : 'batch', results)}`);
