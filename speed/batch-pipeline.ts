// One Kafka batch through the speed layer's sinks, in the order that makes a crash safe:
// the cold archive (fsynced), then the dead letters, then hot rows, realtime views, reject
// counts and alert changes in one PostgreSQL transaction, and only then the offset commit.
// A batch re-delivered after a crash at any step finds each earlier step already done.

import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { inTransaction, isPulseError, partitionerFor, type Logger, type PartitionOf, type Pool } from '../infra/index.ts';
import { applyAlertOps, type AlertTracker } from './alert-tracker.ts';
import { storeAnomalyPoints, type AnomalyTracker } from './anomaly-tracker.ts';
import type { ColdArchive } from './cold-archive.ts';
import { sendDeadLetters } from './dead-letters.ts';
import { countByReason, decodeBatch } from './decode-batch.ts';
import { countRejects, storeHotRecords } from './hot-sink.ts';
import type { SpeedMetrics } from './metrics.ts';
import { retryUntilStored, type RetryContext } from './retry.ts';

/** What a batch passes through: the sinks, the trackers and the counters, all opened by the caller. */
export interface PipelineParts {
  pool: Pool;
  consumer: Consumer;
  archive: ColdArchive;
  deadLetters: { producer: Producer; kafka: Kafka; topic: string };
  alerts: AlertTracker;
  anomalies: AnomalyTracker;
  metrics: SpeedMetrics;
  logger?: Logger | undefined;
}

type Decoded = ReturnType<typeof decodeBatch>;

/** The consumer's eachBatch: a batch left for redelivery (consumer stopping, partition lost) is logged, not thrown. */
export function batchHandler(parts: PipelineParts): (payload: EachBatchPayload) => Promise<void> {
  const handle = pipeline(parts);
  return async (payload) => {
    try {
      await handle(payload);
    } catch (error) {
      if (isPulseError(error, 'BATCH_ABANDONED')) {
        parts.logger?.info({ partition: payload.batch.partition, reason: error.message }, 'batch left for redelivery');
        return;
      }
      throw error;
    }
  };
}

function pipeline(parts: PipelineParts): (payload: EachBatchPayload) => Promise<void> {
  const { archive, metrics, logger } = parts;
  const sendRefused = deadLetterSender(parts.deadLetters);
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
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
    await retryUntilStored('dead letters', () => sendRefused(decoded.rejected), context);
    const stored = await retryUntilStored('hot rows', () => storeBatch(parts, decoded, at), context);
    // Counted once durable: if the commit below fails, the redelivered batch finds these
    // rows already stored, and they must not vanish from the count.
    metrics.eventsStored += stored;
    metrics.duplicates += decoded.valid.length - stored + decoded.duplicatesInBatch;

    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    resolveOffset(batch.lastOffset());
    await parts.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    metrics.committed.set(batch.partition, next);
    metrics.lag.set(batch.partition, Number(batch.offsetLag()));
    metrics.eventsIn += batch.messages.length;
    metrics.batches += 1;
    metrics.countRejects(countByReason(decoded.rejected));
  };
}

/** Sends refused messages to the dead-letter topic, whose partitions are read on the first refusal. */
function deadLetterSender({ producer, kafka, topic }: PipelineParts['deadLetters']) {
  let partitions: Promise<PartitionOf> | undefined;
  return async (rejected: Decoded['rejected']) => sendDeadLetters(producer, topic, rejected, await (partitions ??= partitionerFor(kafka, topic)));
}

/** Hot rows, alert and anomaly changes and reject counts in one transaction; returns the rows new to the hot table. */
async function storeBatch({ pool, alerts, anomalies, metrics }: PipelineParts, decoded: Decoded, at: number): Promise<number> {
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
}
