// The speed layer: a KafkaJS consumer group on PULSE_TOPIC. For each batch: decode and
// validate with telemetry/, append the raw messages to the cold archive and fsync it,
// dead-letter what was refused, store the new valid rows, realtime views, reject counts
// and alert changes in one PostgreSQL transaction — and only then commit the offsets
// (batch-pipeline.ts). A crash at any point re-delivers the batch; every step is safe to
// repeat. This module opens the resources the pipeline uses and closes them in reverse.

import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { createPool, DLQ_TOPIC, rootMessage, startOwning, type Logger, type Pool, type ResourceStack } from '../infra/index.ts';
import { AlertTracker, closeSilentAlerts } from './alert-tracker.ts';
import { AnomalyTracker, loadNewestModel } from './anomaly-tracker.ts';
import { batchHandler } from './batch-pipeline.ts';
import { ColdArchive } from './cold-archive.ts';
import { followWatermark } from './expiry.ts';
import { SpeedMetrics, writeStatus, type MetricsSnapshot } from './metrics.ts';
import { followModels } from './model-follower.ts';

/** How often alerts of hosts that fell silent are closed (telemetry's ALERT_SILENCE_MS rule). */
const SILENCE_SWEEP_MS = 30_000;

export interface SpeedLayerOptions {
  kafka: Kafka;
  topic: string;
  group: string;
  databaseUrl: string;
  schema: string;
  /** `$PULSE_DATA_DIR`; the archive goes to its live_data/. */
  dataDir: string;
  alertForReadings: number;
  expiryOverlapMs: number;
  archiveRollBytes: number;
  archiveRollMs: number;
  dlqTopic?: string;
  /** Partitions processed at once by this process (default 3). */
  concurrency?: number;
  statusIntervalMs?: number;
  logger?: Logger;
}

export interface SpeedLayer {
  readonly instanceId: string;
  metrics(): MetricsSnapshot;
  /** The anomaly model scoring events now (null until the batch layer has published one). */
  modelVersion(): number | null;
  /** Stop fetching, finish the batch in hand, commit, close the archive and connections. */
  close(): Promise<void>;
}

export function startSpeedLayer(options: SpeedLayerOptions): Promise<SpeedLayer> {
  // Everything opened below is owned by `resources`: a step that throws closes what the
  // earlier steps opened, in reverse order, before the error reaches the caller.
  return startOwning(options.logger, (resources) => openSpeedLayer(options, resources));
}

async function openSpeedLayer(options: SpeedLayerOptions, resources: ResourceStack): Promise<SpeedLayer> {
  const { logger } = options;
  const instanceId = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
  const pool: Pool = resources.own('pool', createPool({ databaseUrl: options.databaseUrl, schema: options.schema, applicationName: 'pulse-speed', max: (options.concurrency ?? 3) + 2, ...(logger ? { logger } : {}) }), (p) => p.end());
  const metrics = new SpeedMetrics();
  const status = statusReporter(pool, metrics, { instanceId, group: options.group, topic: options.topic, startedAt: metrics.startedAt }, logger);
  // Registered before the consumer, so it runs after the consumer has stopped: the last
  // figures, and the mark that tells /api/health this instance is gone.
  resources.defer('final status', () => status.final());
  const { alerts, anomalies, models } = await openTrackers(pool, options, resources);
  const archive = resources.own('cold archive', await ColdArchive.open({ root: join(options.dataDir, 'live_data'), rollBytes: options.archiveRollBytes, rollMs: options.archiveRollMs, ...(logger ? { logger } : {}) }), (a) => a.close());
  const producer: Producer = resources.own('dead-letter producer', options.kafka.producer({ allowAutoTopicCreation: false }), (p) => p.disconnect());
  await producer.connect();
  const consumer = await openConsumer(options, resources, () => Promise.all([alerts.load(pool), anomalies.load(pool)]));
  await subscribeWhenKnown(consumer, options.topic, logger);
  const deadLetters = { producer, kafka: options.kafka, topic: options.dlqTopic ?? DLQ_TOPIC };
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency ?? 3,
    eachBatch: batchHandler({ pool, consumer, archive, deadLetters, alerts, anomalies, metrics, logger }),
  });

  // Listed in speed_status (and so in /api/health) from the moment it consumes.
  await status.start();
  startTimers(resources, { status, archive, pool, statusIntervalMs: options.statusIntervalMs ?? 5_000, logger });
  resources.own('watermark follower', followWatermark({
    pool, databaseUrl: options.databaseUrl, schema: options.schema, overlapMs: options.expiryOverlapMs, onWatermark: models.reload, ...(logger ? { logger } : {}),
  }), (w) => w.close());

  return {
    instanceId,
    metrics: () => metrics.snapshot(),
    modelVersion: () => anomalies.modelVersion,
    close: () => resources.close(),
  };
}

/** The alert and anomaly trackers with the firing alerts and newest model loaded, and the follower of newer models. */
async function openTrackers(pool: Pool, options: SpeedLayerOptions, resources: ResourceStack) {
  const alerts = new AlertTracker(options.alertForReadings);
  await alerts.load(pool);
  const anomalies = new AnomalyTracker(options.alertForReadings);
  anomalies.use(await loadNewestModel(pool));
  await anomalies.load(pool);
  const models = followModels(pool, anomalies, options.logger);
  resources.defer('model reload', () => models.settled());
  return { alerts, anomalies, models };
}

/** The group's consumer, connected; `onJoin` reloads what a new partition assignment may have changed. */
async function openConsumer(options: SpeedLayerOptions, resources: ResourceStack, onJoin: () => Promise<unknown>): Promise<Consumer> {
  const { logger } = options;
  const consumer: Consumer = resources.own('consumer', options.kafka.consumer({ groupId: options.group, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxBytesPerPartition: 1_048_576, maxBytes: 6_291_456 }), (c) => c.disconnect());
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    logger?.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined consumer group');
    void onJoin().catch((error: unknown) => logger?.warn({ err: error }, 'could not reload firing alerts'));
  });
  return consumer;
}

type StatusIdentity = Parameters<typeof writeStatus>[1];

/** This instance's row in speed_status and its progress log line. */
function statusReporter(pool: Pool, metrics: SpeedMetrics, identity: StatusIdentity, logger: Logger | undefined) {
  let started = false;
  const report = async (stopped = false) => {
    const snap = metrics.snapshot();
    logger?.info({ eventsIn: snap.eventsIn, stored: snap.eventsStored, rateIn: Math.round(snap.rateIn), lag: snap.lag, rejects: snap.rejects }, 'speed progress');
    await writeStatus(pool, identity, snap, stopped).catch((error: unknown) => logger?.warn({ err: error }, 'could not write speed_status'));
  };
  return {
    report: () => report(),
    /** The first report, once the consumer runs. */
    start: async () => {
      await report();
      started = true;
    },
    /** The last figures and the stopped mark, if it ever started. */
    final: () => (started ? report(true) : undefined),
  };
}

/** The periodic work of a running instance: its status row, rolling idle archive files, closing the alerts of silent hosts. */
function startTimers(resources: ResourceStack, parts: { status: ReturnType<typeof statusReporter>; archive: ColdArchive; pool: Pool; statusIntervalMs: number; logger: Logger | undefined }): void {
  const { status, archive, pool, logger } = parts;
  const statusTimer = setInterval(() => void status.report(), parts.statusIntervalMs);
  resources.defer('status timer', () => clearInterval(statusTimer));
  const rollTimer = setInterval(() => void archive.rollIdle().catch((error: unknown) => logger?.warn({ err: error }, 'archive roll failed')), 1_000);
  resources.defer('archive roll timer', () => clearInterval(rollTimer));
  const silenceTimer = setInterval(() => void closeSilentAlerts(pool).catch((error: unknown) => logger?.warn({ err: error }, 'could not close the alerts of silent hosts')), SILENCE_SWEEP_MS);
  resources.defer('silence sweep timer', () => clearInterval(silenceTimer));
}

/**
 * Subscribe, waiting out a topic that a cluster's brokers do not all know yet (created by
 * another process a moment ago): that refusal is retriable, anything else is not.
 */
async function subscribeWhenKnown(consumer: Consumer, topic: string, logger: Logger | undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await consumer.subscribe({ topic, fromBeginning: true });
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
      logger?.info({ topic, reason: rootMessage(error) }, 'topic not known to every broker yet; retrying the subscription');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
