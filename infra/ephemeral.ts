// A private, throw-away Kafka + PostgreSQL stack on free loopback ports in a temporary
// directory: what tests and benchmarks run against when no services are named.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';
import { freePort, isPortInUse } from './processes.ts';
import { planStack, stackDown, stackUp } from './stack.ts';
import { localKafkaPid } from './kafka/local-broker.ts';
import { localPostgresPid } from './postgres/local-server.ts';

export interface Services {
  kafkaBrokers: string;
  databaseUrl: string;
  origin: string;
  stop: () => Promise<void>;
}

/** A free port whose successor is free too (the local broker's controller uses port + 1). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && !(await isPortInUse(port + 1))) return port;
  }
}

/** `durable: true` keeps PostgreSQL's fsync on, as benchmarks of durable writes need. */
export async function startEphemeralStack(options: { kafkaHeapMb?: number; durable?: boolean } = {}): Promise<Services> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-stack-'));
  // mkdtemp makes the directory private; PostgreSQL runs as its own user and must reach it.
  await chmod(dataDir, 0o755);
  const config = loadConfig({
    KAFKA_BROKERS: `127.0.0.1:${await freePortPair()}`,
    DATABASE_URL: `postgres://pulse:pulse-ephemeral@127.0.0.1:${await freePort()}/pulse`,
    PULSE_DATA_DIR: dataDir,
    ...(process.env['PULSE_CACHE_DIR'] ? { PULSE_CACHE_DIR: process.env['PULSE_CACHE_DIR'] } : {}),
  });
  const plan = planStack(config);
  try {
    await stackUp(plan, { durable: options.durable ?? false, ...(options.kafkaHeapMb ? { kafkaHeapMb: options.kafkaHeapMb } : {}) });
  } catch (error) {
    await stackDown(plan).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  // If the owning process dies without stopping the stack (a crashed benchmark, an aborted
  // test run), take the broker and database down with it rather than leave them running.
  const pids = [await localKafkaPid(plan.kafka.dir), await localPostgresPid(plan.postgres.dir)].filter((p): p is number => p !== null);
  const killOnExit = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killOnExit);
  return {
    kafkaBrokers: config.kafkaBrokers.join(','),
    databaseUrl: config.databaseUrl,
    origin: `local stack in ${dataDir}`,
    stop: async () => {
      process.off('exit', killOnExit);
      await stackDown(plan);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Services named by KAFKA_BROKERS and DATABASE_URL, else an ephemeral local stack. */
export async function servicesFromEnvOrEphemeral(options: { durable?: boolean } = {}): Promise<Services> {
  const kafka = process.env['KAFKA_BROKERS'];
  const database = process.env['DATABASE_URL'];
  if (kafka && database) return { kafkaBrokers: kafka, databaseUrl: database, origin: 'environment', stop: async () => undefined };
  return startEphemeralStack(options);
}
