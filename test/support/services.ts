// Finds a real Kafka broker and PostgreSQL server for the integration tests, in order:
// services named by KAFKA_BROKERS / DATABASE_URL; containers when a Docker engine
// answers; else a local stack started by Pulse's own launcher in a temporary directory.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, loadConfig, planStack, stackDown, stackUp } from '../../infra/index.ts';

export interface TestServices {
  kafkaBrokers: string;
  databaseUrl: string;
  origin: string;
  stop: () => Promise<void>;
}

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000).unref());
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return true;
  } catch {
    return false;
  }
}

async function fromContainers(): Promise<TestServices> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const [kafka, postgres] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:7.9.1').withKraft().start(),
    new PostgreSqlContainer('postgres:17').start(),
  ]);
  return {
    kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    databaseUrl: postgres.getConnectionUri(),
    origin: 'testcontainers',
    stop: async () => {
      await Promise.all([kafka.stop(), postgres.stop()]);
    },
  };
}

async function fromLocalStack(): Promise<TestServices> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-test-stack-'));
  // mkdtemp makes the directory private; PostgreSQL runs as its own user and must reach it.
  await chmod(dataDir, 0o755);
  const [kafkaPort, pgPort] = [await freePortPair(), await freePort()];
  const config = loadConfig({
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
    DATABASE_URL: `postgres://pulse:pulse-test@127.0.0.1:${pgPort}/pulse_test`,
    PULSE_DATA_DIR: dataDir,
    ...(process.env['PULSE_CACHE_DIR'] ? { PULSE_CACHE_DIR: process.env['PULSE_CACHE_DIR'] } : {}),
  });
  const plan = planStack(config);
  await stackUp(plan, { durable: false });
  return {
    kafkaBrokers: config.kafkaBrokers.join(','),
    databaseUrl: config.databaseUrl,
    origin: `local stack in ${dataDir}`,
    stop: async () => {
      await stackDown(plan);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A free port whose successor is free too (the local broker's controller uses port + 1). */
async function freePortPair(): Promise<number> {
  const { isPortInUse } = await import('../../infra/index.ts');
  for (;;) {
    const port = await freePort();
    if (port < 65535 && !(await isPortInUse(port + 1))) return port;
  }
}

export async function acquireTestServices(): Promise<TestServices> {
  const kafka = process.env['KAFKA_BROKERS'];
  const database = process.env['DATABASE_URL'];
  if (kafka && database) {
    return { kafkaBrokers: kafka, databaseUrl: database, origin: 'environment', stop: async () => undefined };
  }
  if (await containerRuntimeAnswers()) return fromContainers();
  return fromLocalStack();
}
