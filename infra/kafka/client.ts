// KafkaJS behind one small module: client construction with logs routed to pino,
// a readiness probe, and topic creation.

import { Kafka, logLevel, type KafkaConfig, type LogEntry, type ITopicConfig } from 'kafkajs';
import type { KafkaSecurity } from '../connections.ts';
import { PulseError, rootMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { connectionFailureOf } from '../tls-failures.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug',
};

/** Where a cluster is and how to authenticate to it (Config's `kafka`). */
export interface KafkaConnection {
  brokers: readonly string[];
  /** TLS and SASL; unset: plaintext. */
  security?: KafkaSecurity;
}

export interface KafkaClientOptions extends KafkaConnection {
  clientId: string;
  logger?: Logger;
  /** Overrides of KafkaJS's connection and retry settings. */
  overrides?: Partial<KafkaConfig>;
}

// Pulse only ever used KafkaJS 2's default partitioner, so its v1-migration notice is noise.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';

export function createKafka(options: KafkaClientOptions): Kafka {
  const log = options.logger;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.security?.ssl ? { ssl: options.security.ssl } : {}),
    ...(options.security?.sasl ? { sasl: options.security.sasl } : {}),
    // KafkaJS logs retriable connection errors at ERROR; they are warnings to us.
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => ({ namespace, level, log: entry }: LogEntry) => {
      if (!log) return;
      const { message, ...extra } = entry;
      log[LEVELS[level] === 'error' ? 'warn' : LEVELS[level] ?? 'info']({ kafka: namespace, ...extra }, message);
    },
    ...options.overrides,
  });
}

type Probe = { ok: true; brokers: number } | { ok: false; error: string; cause: unknown };

/** One quick attempt to reach the cluster: the broker list it reports, or why not. */
export async function probeKafka(connection: KafkaConnection | readonly string[], timeoutMs = 3000): Promise<Probe> {
  const target = isBrokerList(connection) ? { brokers: connection } : connection;
  const kafka = createKafka({
    ...target, clientId: 'pulse-probe',
    overrides: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, authenticationTimeout: timeoutMs, retry: { retries: 0 } },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { ok: true, brokers: cluster.brokers.length };
  } catch (error) {
    return { ok: false, error: rootMessage(error), cause: error };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function isBrokerList(value: KafkaConnection | readonly string[]): value is readonly string[] {
  return Array.isArray(value);
}

/**
 * Throw a one-line error naming the variable to fix: KAFKA_UNREACHABLE (KAFKA_BROKERS),
 * KAFKA_AUTH_FAILED (the SASL user and password) or TLS_UNTRUSTED (KAFKA_SSL_CA_FILE).
 */
export async function requireKafka(connection: KafkaConnection | readonly string[]): Promise<void> {
  const target = isBrokerList(connection) ? { brokers: connection } : connection;
  const probe = await probeKafka(target);
  if (probe.ok) return;
  const where = target.brokers.join(',');
  const failure = connectionFailureOf(probe.cause);
  if (failure === 'auth') {
    throw new PulseError('KAFKA_AUTH_FAILED', `Kafka at ${where} refused the SASL credentials (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): ${probe.error}`, {
      context: { brokers: target.brokers },
    });
  }
  if (failure === 'tls') {
    throw new PulseError('TLS_UNTRUSTED', `Kafka at ${where} presented a certificate that is not trusted (KAFKA_SSL_CA_FILE): ${probe.error}`, {
      context: { brokers: target.brokers },
    });
  }
  throw new PulseError('KAFKA_UNREACHABLE', `cannot reach Kafka at ${where} (KAFKA_BROKERS): ${probe.error}`, {
    retryable: true, context: { brokers: target.brokers },
  });
}

/** Create any of `topics` that do not exist yet; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    // KafkaJS's own wait for leaders gives up when a broker does not know the topic yet.
    await admin.createTopics({ topics: missing, waitForLeaders: false });
    await awaitLeaders(admin, missing.map((t) => t.topic));
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * In a cluster, a new topic reaches each broker's metadata a moment apart: a client asking
 * the one that lags is told the topic does not exist. Wait until metadata names a leader
 * for every partition, asked repeatedly (KafkaJS spreads the requests over the brokers).
 */
async function awaitLeaders(admin: ReturnType<Kafka['admin']>, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let agreeing = 0;
  while (agreeing < 3 && Date.now() < deadline) {
    const metadata = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
    const led = metadata?.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) ?? false;
    agreeing = led ? agreeing + 1 : 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}
