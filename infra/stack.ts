// The local service stack: a Kafka broker and a PostgreSQL server on this machine,
// started from the addresses in the config when those name this machine, or merely
// probed when they name external services. Used by `pulse stack`, `pulse up` and tests.

import { join } from 'node:path';
import type { Config } from './config.ts';
import { PulseError } from './errors.ts';
import { probeKafka } from './kafka/client.ts';
import { findJava, localKafkaPid, startLocalKafka, stopLocalKafka } from './kafka/local-broker.ts';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka/jars.ts';
import { postgresBinDir } from './postgres/binaries.ts';
import type { Logger } from './logger.ts';
import { localPostgresPid, startLocalPostgres, stopLocalPostgres } from './postgres/local-server.ts';
import { describeDatabase, probePostgres } from './postgres/pool.ts';
import { isLocalHost } from './processes.ts';

export interface StackPlan {
  kafka: { address: string; local: boolean; port: number; controllerPort: number; dir: string };
  postgres: { url: string; local: boolean; port: number; user: string; password: string; database: string; dir: string };
  cacheDir: string;
}

/** Where each service lives. The local broker's controller listens on the broker port + 1. */
export function planStack(config: Pick<Config, 'kafkaBrokers' | 'databaseUrl' | 'dataDir' | 'cacheDir'>): StackPlan {
  const address = config.kafkaBrokers[0] as string;
  const separator = address.lastIndexOf(':');
  const kafkaHost = address.slice(0, separator);
  const kafkaPort = Number(address.slice(separator + 1));
  const url = new URL(config.databaseUrl);
  const stackDir = join(config.dataDir, 'stack');
  return {
    kafka: {
      address: config.kafkaBrokers.join(','), local: config.kafkaBrokers.length === 1 && isLocalHost(kafkaHost),
      port: kafkaPort, controllerPort: kafkaPort + 1, dir: join(stackDir, 'kafka'),
    },
    postgres: {
      url: config.databaseUrl, local: isLocalHost(url.hostname), port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1) || 'postgres'), dir: join(stackDir, 'postgres'),
    },
    cacheDir: config.cacheDir,
  };
}

export interface ServiceState { address: string; local: boolean; pid: number | null; answering: boolean; detail: string }
export interface StackState { kafka: ServiceState; postgres: ServiceState }

export interface UpOptions { logger?: Logger; durable?: boolean; kafkaHeapMb?: number }

async function upKafka(plan: StackPlan, options: UpOptions): Promise<string> {
  if (!plan.kafka.local) {
    const probe = await probeKafka(plan.kafka.address.split(','));
    if (!probe.ok) throw new PulseError('KAFKA_UNREACHABLE', `cannot reach Kafka at ${plan.kafka.address} (KAFKA_BROKERS): ${probe.error}`);
    return 'external, answering';
  }
  const { status } = await startLocalKafka({
    dir: plan.kafka.dir, port: plan.kafka.port, controllerPort: plan.kafka.controllerPort, cacheDir: plan.cacheDir,
    ...(options.kafkaHeapMb ? { heapMb: options.kafkaHeapMb } : {}), ...(options.logger ? { logger: options.logger } : {}),
  });
  return status;
}

async function upPostgres(plan: StackPlan, options: UpOptions): Promise<string> {
  if (!plan.postgres.local) {
    const probe = await probePostgres(plan.postgres.url);
    if (!probe.ok) throw new PulseError('POSTGRES_UNREACHABLE', `cannot reach PostgreSQL at ${describeDatabase(plan.postgres.url)} (DATABASE_URL): ${probe.error}`);
    return 'external, answering';
  }
  const { status } = await startLocalPostgres({
    dir: plan.postgres.dir, port: plan.postgres.port, user: plan.postgres.user, password: plan.postgres.password,
    database: plan.postgres.database, durable: options.durable ?? true, ...(options.logger ? { logger: options.logger } : {}),
  });
  return status;
}

/** Start (or confirm) both services; safe to call when they already run. */
export async function stackUp(plan: StackPlan, options: UpOptions = {}): Promise<{ kafka: string; postgres: string }> {
  const [postgres, kafka] = await Promise.allSettled([upPostgres(plan, options), upKafka(plan, options)]);
  const failed = [postgres, kafka].find((r) => r.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
  return { kafka: (kafka as PromiseFulfilledResult<string>).value, postgres: (postgres as PromiseFulfilledResult<string>).value };
}

/** Stop the local services (Kafka first, PostgreSQL last); external ones are left alone. */
export async function stackDown(plan: StackPlan): Promise<{ kafka: string; postgres: string }> {
  const kafka = plan.kafka.local ? await stopLocalKafka(plan.kafka.dir) : 'external, left running';
  const postgres = plan.postgres.local ? await stopLocalPostgres(plan.postgres.dir) : 'external, left running';
  return { kafka, postgres };
}

export async function stackStatus(plan: StackPlan): Promise<StackState> {
  const [kafkaProbe, pgProbe, kafkaPid, pgPid] = await Promise.all([
    probeKafka(plan.kafka.address.split(',')),
    probePostgres(plan.postgres.url),
    plan.kafka.local ? localKafkaPid(plan.kafka.dir) : Promise.resolve(null),
    plan.postgres.local ? localPostgresPid(plan.postgres.dir) : Promise.resolve(null),
  ]);
  return {
    kafka: {
      address: plan.kafka.address, local: plan.kafka.local, pid: kafkaPid, answering: kafkaProbe.ok,
      detail: kafkaProbe.ok ? `${kafkaProbe.brokers} broker(s)` : kafkaProbe.error,
    },
    postgres: {
      address: describeDatabase(plan.postgres.url), local: plan.postgres.local, pid: pgPid, answering: pgProbe.ok,
      detail: pgProbe.ok ? `PostgreSQL ${pgProbe.version}` : pgProbe.error,
    },
  };
}

/** Fetch and check what the local stack needs, without starting anything. */
export async function installStack(cacheDir: string): Promise<{ java: string; kafka: string; postgres: string }> {
  const java = findJava();
  const libs = await ensureKafkaJars(cacheDir);
  return { java, kafka: `Kafka ${KAFKA_VERSION} jars in ${libs}`, postgres: `server binaries in ${postgresBinDir()}` };
}
