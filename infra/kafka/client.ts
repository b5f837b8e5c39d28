// KafkaJS behind one small module: client construction with logs routed to pino,
// a readiness probe, and topic creation.

import { Kafka, logLevel, type KafkaConfig, type LogEntry, type ITopicConfig } from 'kafkajs';
import { PulseError, rootMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug',
};

export interface KafkaClientOptions {
  brokers: readonly string[];
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

/** One quick attempt to reach the cluster: the broker list it reports, or why not. */
export async function probeKafka(brokers: readonly string[], timeoutMs = 3000): Promise<{ ok: true; brokers: number } | { ok: false; error: string }> {
  const kafka = createKafka({
    brokers, clientId: 'pulse-probe',
    overrides: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, retry: { retries: 0 } },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { ok: true, brokers: cluster.brokers.length };
  } catch (error) {
    return { ok: false, error: rootMessage(error) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Throw a one-line KAFKA_UNREACHABLE error naming the variable and address. */
export async function requireKafka(brokers: readonly string[]): Promise<void> {
  const probe = await probeKafka(brokers);
  if (!probe.ok) {
    throw new PulseError('KAFKA_UNREACHABLE', `cannot reach Kafka at ${brokers.join(',')} (KAFKA_BROKERS): ${probe.error}`, {
      retryable: true, context: { brokers },
    });
  }
}

/** Create any of `topics` that do not exist yet; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
