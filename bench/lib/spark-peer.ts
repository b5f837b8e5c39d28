// The Spark peer's jobs (bench/spark/*.py) run as child processes of a benchmark: setup on
// first use, start and stop, peak memory of the whole process tree (Python driver + JVM),
// and a streaming query's progress read from its checkpoint.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../infra/index.ts';
import { sampleTreeMemory, type TreeMemory } from './process-tree.ts';

const SPARK_DIR = join(packageRoot, 'bench', 'spark');
const PYTHON = join(packageRoot, 'bench', 'peers', 'spark-venv', 'bin', 'python');

/** Runs bench/spark/setup.sh (PyPI + Maven Central; a no-op when everything is there). */
export function ensureSparkPeer(): void {
  const setup = spawnSync('bash', [join(SPARK_DIR, 'setup.sh')], { stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('bench/spark/setup.sh failed');
}

export function pysparkVersion(): string {
  return spawnSync(PYTHON, ['-c', 'import pyspark; print(pyspark.__version__)'], { encoding: 'utf8' }).stdout.trim();
}

/** JDBC address and credentials of a postgres:// URL (the jobs take the password from the environment). */
export function jdbcOf(databaseUrl: string): { url: string; env: Record<string, string> } {
  const u = new URL(databaseUrl);
  return { url: `jdbc:postgresql://${u.host}${u.pathname}`, env: { PGUSER: decodeURIComponent(u.username), PGPASSWORD: decodeURIComponent(u.password) } };
}

export interface SparkJob { process: ChildProcess; ready: Promise<void>; done: Promise<string>; stop: () => Promise<TreeMemory> }

/** Starts `python <script> ...args` in its own process group, so that stop() reaches the JVM too. */
export function startSparkJob(script: string, args: string[], env: Record<string, string>, readyText = '\u0000never'): SparkJob {
  const child = spawn(PYTHON, [script, ...args], { cwd: SPARK_DIR, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const memory = sampleTreeMemory(child.pid as number);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // the group is gone
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit); // never leave a JVM behind a crashed benchmark
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes(readyText)) resolve();
    });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
    child.on('exit', () => reject(new Error(`spark ${script} exited: ${stderr.slice(-3000)}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const done = exited.then((code) => {
    process.off('exit', onExit);
    if (code !== 0) throw new Error(`spark ${script} failed (${code}): ${stderr.slice(-3000)}`);
    return stdout;
  });
  done.catch(() => undefined); // a streaming job is stopped, not awaited: its exit is no error
  return {
    process: child,
    ready,
    done,
    stop: async () => {
      const peak = await memory.stop();
      if (child.exitCode === null) {
        // The driver alone: it stops the query and its JVM; a signal to the whole group would
        // kill the JVM under the driver's feet.
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
        killGroup('SIGKILL'); // a JVM that outlived its driver
      }
      process.off('exit', onExit);
      return peak;
    },
  };
}

/**
 * End offsets per partition of the last micro-batch Spark has committed: it writes
 * commits/N only after foreachBatch returned for batch N, i.e. after both sinks.
 */
export async function sparkCommittedOffsets(checkpoint: string, topic: string, partitions: number): Promise<number[]> {
  const perPartition = new Array<number>(partitions).fill(0);
  if (!existsSync(join(checkpoint, 'commits'))) return perPartition;
  const batches = (await readdir(join(checkpoint, 'commits'))).filter((f) => /^\d+$/.test(f)).map(Number);
  if (batches.length === 0) return perPartition;
  const text = await readFile(join(checkpoint, 'offsets', String(Math.max(...batches))), 'utf8');
  const offsets = JSON.parse(text.trim().split('\n').at(-1) as string) as Record<string, Record<string, number>>;
  for (const [partition, offset] of Object.entries(offsets[topic] ?? {})) perPartition[Number(partition)] = offset;
  return perPartition;
}
