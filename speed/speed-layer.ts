// The speed layer: a KafkaJS consumer group on PULSE_TOPIC. For each batch: decode and
// validate with telemetry/, append the raw messages to the cold archive and fsync it,
// dead-letter what was refused, store the new valid rows, realtime views, reject counts
// and alert changes in one PostgreSQL transaction — and only then commit the offsets.
// A crash at any point re-delivers the batch; every step is safe to repeat.

import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { createPool, DLQ_TOPIC, inTransaction, partitionerFor, rootMessage, startOwning, type PartitionOf, type Logger, type Pool, type ResourceStack } from '../infra/index.ts';
import { AlertTracker, applyAlertOps, closeSilentAlerts } from './alert-tracker.ts';
import { AnomalyTracker, loadNewestModel, storeAnomalyPoints } from './anomaly-tracker.ts';
import { ColdArchive } from './cold-archive.ts';
import { sendDeadLetters } from './dead-letters.ts';
import { countByReason, decodeBatch } from './decode-batch.ts';
import { followWatermark, type WatermarkFollower } from './expiry.ts';
import { countRejects, storeHotRecords } from './hot-sink.ts';
import { SpeedMetrics, writeStatus, type MetricsSnapshot } from './metrics.ts';
import { BatchAbandoned, retryUntilStored, type RetryContext } from './retry.ts';

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
  const identity = { instanceId, group: options.group, topic: options.topic, startedAt: metrics.startedAt };
  const report = async (stopped = false) => {
    const snap = metrics.snapshot();
    logger?.info({ eventsIn: snap.eventsIn, stored: snap.eventsStored, rateIn: Math.round(snap.rateIn), lag: snap.lag, rejects: snap.rejects }, 'speed progress');
    await writeStatus(pool, identity, snap, stopped).catch((error: unknown) => logger?.warn({ err: error }, 'could not write speed_status'));
  };
  let started = false;
  // Registered before the consumer, so it runs after the consumer has stopped: the last
  // figures, and the mark that tells /api/health this instance is gone.
  resources.defer('final status', () => (started ? report(true) : undefined));
  const alerts = new AlertTracker(options.alertForReadings);
  await alerts.load(pool);
  const anomalies = new AnomalyTracker(options.alertForReadings);
  anomalies.use(await loadNewestModel(pool));
  await anomalies.load(pool);
  const reloadModel = modelReloader(pool, anomalies, logger);
  resources.defer('model reload', () => reloadModel.settled());
  const archive = resources.own('cold archive', await ColdArchive.open({ root: join(options.dataDir, 'live_data'), rollBytes: options.archiveRollBytes, rollMs: options.archiveRollMs, ...(logger ? { logger } : {}) }), (a) => a.close());
  const producer: Producer = resources.own('dead-letter producer', options.kafka.producer({ allowAutoTopicCreation: false }), (p) => p.disconnect());
  const dlqTopic = options.dlqTopic ?? DLQ_TOPIC;
  let dlqPartitions: Promise<PartitionOf> | undefined; // read on the first refusal
  await producer.connect();
  const consumer: Consumer = resources.own('consumer', options.kafka.consumer({ groupId: options.group, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxBytesPerPartition: 1_048_576, maxBytes: 6_291_456 }), (c) => c.disconnect());
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    logger?.info({ memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'joined consumer group');
    void Promise.all([alerts.load(pool), anomalies.load(pool)]).catch((error: unknown) => logger?.warn({ err: error }, 'could not reload firing alerts'));
  });

  const store = async (decoded: ReturnType<typeof decodeBatch>, at: number) => {
    const { inserted, plan, scored } = await inTransaction(pool, async (client) => {
      const fresh = await storeHotRecords(client, decoded.valid);
      const freshRecords = decoded.valid.filter((r) => fresh.has(r.event_id));
      const changes = alerts.plan(freshRecords);
      const anomalous = anomalies.plan(freshRecords);
      await applyAlertOps(client, [...changes.ops, ...anomalous.ops]);
      await storeAnomalyPoints(client, anomalous.points, anomalies.modelVersion);
      await countRejects(client, at, countByReason(decoded.rejected));
      return { inserted: fresh, plan: changes, scored: anomalous };
    });
    // Only once committed: a retried batch must not advance an alert twice.
    alerts.commit(plan);
    anomalies.commit(scored);
    metrics.anomalous += scored.points.length;
    return inserted.size;
  };

  const handleBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    if (batch.isEmpty()) return;
    const at = Date.now();
    const decoded = decodeBatch(batch.topic, batch.partition, batch.messages, at);
    const context: RetryContext = {
      isRunning, isStale, heartbeat, onFailure: (sink, error) => metrics.sinkFailed(sink, error), ...(logger ? { logger } : {}),
    };
    await retryUntilStored('cold archive', async () => {
      await archive.append(decoded.entries);
      await archive.sync();
    }, context);
    await heartbeat();
    await retryUntilStored('dead letters', async () => sendDeadLetters(producer, dlqTopic, decoded.rejected, await (dlqPartitions ??= partitionerFor(options.kafka, dlqTopic))), context);
    const stored = await retryUntilStored('hot rows', () => store(decoded, at), context);
    // Counted once durable: if the commit below fails, the redelivered batch finds these
    // rows already stored, and they must not vanish from the count.
    metrics.eventsStored += stored;
    metrics.duplicates += decoded.valid.length - stored + decoded.duplicatesInBatch;

    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    resolveOffset(batch.lastOffset());
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    metrics.committed.set(batch.partition, next);
    metrics.lag.set(batch.partition, Number(batch.offsetLag()));
    metrics.eventsIn += batch.messages.length;
    metrics.batches += 1;
    metrics.countRejects(countByReason(decoded.rejected));
  };

  await subscribeWhenKnown(consumer, options.topic, logger);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency ?? 3,
    eachBatch: async (payload) => {
      try {
        await handleBatch(payload);
      } catch (error) {
        if (error instanceof BatchAbandoned) return logger?.info({ partition: payload.batch.partition, reason: error.message }, 'batch left for redelivery');
        throw error;
      }
    },
  });

  // Listed in speed_status (and so in /api/health) from the moment it consumes.
  await report();
  started = true;
  const statusTimer = setInterval(() => void report(), options.statusIntervalMs ?? 5_000);
  resources.defer('status timer', () => clearInterval(statusTimer));
  const rollTimer = setInterval(() => void archive.rollIdle().catch((error: unknown) => logger?.warn({ err: error }, 'archive roll failed')), 1_000);
  resources.defer('archive roll timer', () => clearInterval(rollTimer));
  const silenceTimer = setInterval(() => void closeSilentAlerts(pool).catch((error: unknown) => logger?.warn({ err: error }, 'could not close the alerts of silent hosts')), SILENCE_SWEEP_MS);
  resources.defer('silence sweep timer', () => clearInterval(silenceTimer));
  const watermark: WatermarkFollower = resources.own('watermark follower', followWatermark({
    pool, databaseUrl: options.databaseUrl, schema: options.schema, overlapMs: options.expiryOverlapMs, onWatermark: reloadModel.reload, ...(logger ? { logger } : {}),
  }), (w) => w.close());

  return {
    instanceId,
    metrics: () => metrics.snapshot(),
    modelVersion: () => anomalies.modelVersion,
    close: () => resources.close(),
  };
}

/** Loads the newest anomaly model when the batch layer announces one; one load at a time. */
function modelReloader(pool: Pool, anomalies: AnomalyTracker, logger: Logger | undefined) {
  let reloading = Promise.resolve();
  return {
    reload: () => {
      reloading = reloading.then(async () => {
        const newest = await pool.query<{ version: string }>('SELECT max(version) AS version FROM anomaly_models');
        const version = newest.rows[0]?.version === null || newest.rows[0]?.version === undefined ? null : Number(newest.rows[0].version);
        if (version === null || version === anomalies.modelVersion) return;
        anomalies.use(await loadNewestModel(pool));
        logger?.info({ modelVersion: anomalies.modelVersion }, 'anomaly model loaded');
      }).catch((error: unknown) => logger?.warn({ err: error }, 'could not load the anomaly model; scoring goes on with the previous one'));
    },
    settled: () => reloading,
  };
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
