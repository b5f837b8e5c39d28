// The local service stack: a Kafka broker and a PostgreSQL server on this machine,
// started from the addresses in the config when those name this machine, or merely
// probed when they name external services. Used by `pulse stack`, `pulse up` and tests.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { probeKafka, requireKafka, type KafkaConnection } from './kafka/client.ts';
import { findJava, localKafkaPid, newClusterId, startLocalKafkaCluster, stopLocalKafka, type LocalKafkaOptions } from './kafka/local-broker.ts';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka/jars.ts';
import { postgresBinDir } from './postgres/binaries.ts';
import type { Logger } from './logger.ts';
import { localPostgresPid, startLocalPostgres, stopLocalPostgres } from './postgres/local-server.ts';
import { describeDatabase, probePostgres, requirePostgres } from './postgres/pool.ts';
import { isLocalHost } from './processes.ts';

export interface StackPlan {
  /** One node, or a KRaft cluster when KAFKA_BROKERS lists several addresses of this machine. */
  kafka: { address: string; local: boolean; port: number; controllerPort: number; dir: string; nodes: readonly KafkaNodePlan[]; connection: KafkaConnection };
  postgres: { url: string; local: boolean; port: number; user: string; password: string; database: string; dir: string };
  cacheDir: string;
}

export interface KafkaNodePlan { port: number; controllerPort: number; dir: string }

function hostAndPort(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
}

/**
 * Where each service lives. A local node's controller listens on its broker port + 1; with
 * several local addresses, node i (from 1) keeps its state in stack/kafka-i.
 */
export function planStack(config: Pick<Config, 'kafkaBrokers' | 'databaseUrl' | 'dataDir' | 'cacheDir'> & { kafka?: Config['kafka'] }): StackPlan {
  const brokers = config.kafkaBrokers.map(hostAndPort);
  const url = new URL(config.databaseUrl);
  const stackDir = join(config.dataDir, 'stack');
  const plaintext = (config.kafka?.security.protocol ?? 'PLAINTEXT') === 'PLAINTEXT';
  const nodes = brokers.map((b, i) => ({ port: b.port, controllerPort: b.port + 1, dir: join(stackDir, brokers.length === 1 ? 'kafka' : `kafka-${i + 1}`) }));
  const first = nodes[0] as KafkaNodePlan;
  return {
    kafka: {
      address: config.kafkaBrokers.join(','), local: plaintext && brokers.every((b) => isLocalHost(b.host)),
      port: first.port, controllerPort: first.controllerPort, dir: first.dir, nodes,
      connection: { brokers: config.kafkaBrokers, ...(config.kafka ? { security: config.kafka.security } : {}) },
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
    await requireKafka(plan.kafka.connection);
    return 'external, answering';
  }
  const nodes = await localKafkaNodes(plan, options);
  const outcomes = await startLocalKafkaCluster(nodes);
  const started = outcomes.filter((o) => o.status === 'started').length;
  if (nodes.length === 1) return outcomes[0]?.status ?? 'started';
  return started === 0 ? `already-running (${nodes.length} nodes)` : `started ${started} of ${nodes.length} nodes`;
}

/** Each local node's launch options; a cluster's id is kept beside its nodes so that a later start re-formats nothing. */
async function localKafkaNodes(plan: StackPlan, options: UpOptions): Promise<LocalKafkaOptions[]> {
  const common = { cacheDir: plan.cacheDir, ...(options.kafkaHeapMb ? { heapMb: options.kafkaHeapMb } : {}), ...(options.logger ? { logger: options.logger } : {}) };
  const { nodes } = plan.kafka;
  if (nodes.length === 1) return nodes.map((n) => ({ ...n, ...common }));
  const idFile = join(nodes[0]?.dir as string, '..', 'kafka-cluster.id');
  const clusterId = (await readFile(idFile, 'utf8').catch(() => '')).trim() || newClusterId();
  await mkdir(join(idFile, '..'), { recursive: true });
  await writeFile(idFile, `${clusterId}\n`);
  const controllerPorts = nodes.map((n) => n.controllerPort);
  return nodes.map((n, i) => ({ ...n, ...common, cluster: { nodeId: i + 1, controllerPorts, clusterId } }));
}

async function upPostgres(plan: StackPlan, options: UpOptions): Promise<string> {
  if (!plan.postgres.local) {
    await requirePostgres(plan.postgres.url);
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
  const kafka = plan.kafka.local ? await stopLocalKafkaNodes(plan) : 'external, left running';
  const postgres = plan.postgres.local ? await stopLocalPostgres(plan.postgres.dir) : 'external, left running';
  return { kafka, postgres };
}

async function stopLocalKafkaNodes(plan: StackPlan): Promise<string> {
  const outcomes = await Promise.all(plan.kafka.nodes.map((n) => stopLocalKafka(n.dir)));
  return outcomes.length === 1 ? outcomes[0] as string : outcomes.join(', ');
}

export async function stackStatus(plan: StackPlan): Promise<StackState> {
  const [kafkaProbe, pgProbe, kafkaPid, pgPid] = await Promise.all([
    probeKafka(plan.kafka.connection),
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
