// What the compose test does to a stack: copy the checkout as a clone would hold it, run
// `docker compose` in it, wait for a healthy API, and read counts from inside the stack
// (its PostgreSQL, its broker) that must survive a restart.

import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../infra/index.ts';

const run = promisify(execFile);

/** The files a fresh clone of this checkout holds: tracked and new files, none that git ignores. */
export async function copyCheckout(target: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: packageRoot, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await copyFile(join(packageRoot, file), join(target, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet in the index
    });
  }
}

export async function freeHostPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `docker compose -p project …` in `dir`; only the host port is set from outside (PULSE_HTTP_PORT). */
export async function compose(dir: string, project: string, port: number, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PULSE_HTTP_PORT: String(port) };
  for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'PORT']) delete env[name];
  try {
    return await run('docker', ['compose', '-p', project, ...args], { cwd: dir, env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`docker compose ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`, { cause: error });
  }
}

export interface Health {
  status: string;
  speed: { instances: { instance_id: string }[] };
  batch: { watermark: string | null } | null;
}

/** Waits for /api/health to answer ok with a running speed instance and a published batch. */
export async function waitForHealthy(url: string, timeoutMs: number): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      const body = await response.json() as Health;
      if (response.ok && body.status === 'ok' && body.speed.instances.length > 0 && body.batch?.watermark) return body;
      last = JSON.stringify(body).slice(0, 500);
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`/api/health not healthy within ${timeoutMs} ms: ${last}`);
}

/** A number from the stack's own PostgreSQL (psql over its local socket). */
export async function queryScalar(dir: string, project: string, port: number, sql: string): Promise<number> {
  const { stdout } = await compose(dir, project, port, ['exec', '-T', 'postgres', 'psql', '-U', 'pulse', '-d', 'pulse', '-Atc', sql]);
  return Number(stdout.trim());
}

// Run inside the serving container, with the image's own kafkajs: the raw topic's end
// offsets and the speed group's committed offsets, summed over partitions.
const KAFKA_OFFSETS = `
const { Kafka, logLevel } = require('kafkajs');
const admin = new Kafka({ brokers: ['kafka:9092'], logLevel: logLevel.NOTHING }).admin();
(async () => {
  await admin.connect();
  const end = await admin.fetchTopicOffsets('telemetry.raw');
  const [group] = await admin.fetchOffsets({ groupId: 'pulse-speed', topics: ['telemetry.raw'] });
  const sum = (xs) => xs.reduce((a, x) => a + Math.max(0, Number(x.offset)), 0);
  console.log(JSON.stringify({ topicEnd: sum(end), committed: sum(group ? group.partitions : []) }));
  await admin.disconnect();
})();`;

export interface StackCounts { historyFiles: number; batchRuns: number; hotRows: number; topicEnd: number; committed: number }

export async function stackCounts(dir: string, project: string, port: number): Promise<StackCounts> {
  const files = await compose(dir, project, port, ['exec', '-T', 'serving', 'sh', '-c', 'find /data/historical -type f | wc -l']);
  const kafka = await compose(dir, project, port, ['exec', '-T', '-w', '/app', 'serving', 'node', '-e', KAFKA_OFFSETS]);
  const offsets = JSON.parse(kafka.stdout.trim().split('\n').at(-1) ?? '{}') as { topicEnd: number; committed: number };
  return {
    historyFiles: Number(files.stdout.trim()),
    batchRuns: await queryScalar(dir, project, port, 'SELECT count(*) FROM batch_runs'),
    hotRows: await queryScalar(dir, project, port, 'SELECT count(*) FROM readings_hot'),
    ...offsets,
  };
}
