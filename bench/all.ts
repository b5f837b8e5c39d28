// `npm run bench`: every benchmark in turn (generator, speed, batch, serving, then Pulse vs
// the Spark peer) against one shared local Kafka + PostgreSQL, then bench/RESULTS.md.
// `npm run bench:quick` (--quick): reduced sizes, one run each, for development; it writes
// bench/results/RESULTS-quick.md instead, so the committed full results stay.
//   node bench/all.ts [--quick] [--only=speed,peer] [--render]

import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool, KAFKA_VERSION, packageRoot, servicesFromEnvOrEphemeral, silenceKnownWarnings } from '../infra/index.ts';
import { renderResults } from './lib/report.ts';
import { ensureSparkPeer, pysparkVersion } from './lib/spark-peer.ts';
import { isQuick, machine } from './lib/stats.ts';

silenceKnownWarnings();
const quick = isQuick();
// The comparison first: it is the longest and the one RESULTS.md leads with.
const BENCHMARKS = ['peer', 'speed', 'batch', 'serving', 'generator', 'anomaly'];
const runFile = join(packageRoot, 'bench', 'results', quick ? 'run-quick.json' : 'run.json');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

function run(name: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bench', `${name}.ts`), ...(quick ? ['--quick'] : [])], { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/${name}.ts exited ${code}`))));
  });
}

function firstLine(command: string, args: string[]): string {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

/** Runs the benchmarks; returns what RESULTS.md says about the run itself. */
interface RunSummary { versions: Record<string, string>; wallSeconds: number; measuredAt: string }

async function runAll(): Promise<RunSummary> {
  const started = performance.now();
  ensureSparkPeer(); // before the clock matters: the first time it downloads ~350 MB
  const services = await servicesFromEnvOrEphemeral({ durable: true });
  const versions: Record<string, string> = {};
  try {
    const pool = createPool({ databaseUrl: services.databaseUrl, max: 1 });
    versions['PostgreSQL'] = String((await pool.query('SHOW server_version')).rows[0].server_version);
    await pool.end();
    const env = { KAFKA_BROKERS: services.kafkaBrokers, DATABASE_URL: services.databaseUrl, ...(quick ? { BENCH_RUNS: process.env['BENCH_RUNS'] ?? '1' } : {}) };
    for (const name of BENCHMARKS.filter((b) => !only || only.includes(b))) {
      const t0 = performance.now();
      console.log(`\n=== bench/${name}.ts ===`);
      await run(name, env);
      console.log(`=== ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s ===`);
      // So that --render can report a run that stops part-way.
      const sofar: RunSummary = { versions, wallSeconds: (performance.now() - started) / 1000, measuredAt: new Date().toISOString() };
      await writeFile(runFile, `${JSON.stringify(sofar, null, 2)}\n`);
    }
  } finally {
    await services.stop();
  }
  const duckdb = (JSON.parse(await readFile(join(packageRoot, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8')) as { version: string }).version;
  Object.assign(versions, {
    Node: process.versions.node, Java: firstLine('java', ['-version']).replace(/^openjdk version "([^"]+)".*/, '$1'),
    Python: firstLine('python3', ['--version']).replace('Python ', ''), PySpark: pysparkVersion(), Kafka: KAFKA_VERSION, DuckDB: `@duckdb/node-api ${duckdb}`,
  });
  return { versions, wallSeconds: (performance.now() - started) / 1000, measuredAt: new Date().toISOString() };
}

// --render: rewrite the Markdown from the saved results alone (e.g. after editing the notes).
const summary = process.argv.includes('--render')
  ? (JSON.parse(await readFile(runFile, 'utf8')) as RunSummary)
  : await runAll();
await writeFile(runFile, `${JSON.stringify(summary, null, 2)}\n`);
const path = join(packageRoot, 'bench', quick ? 'results/RESULTS-quick.md' : 'RESULTS.md');
await writeFile(path, await renderResults({ ...summary, machine: machine(), quick }));
console.log(`\nall benchmarks: ${(summary.wallSeconds / 60).toFixed(1)} min → ${path}`);
