// Retrying a sink write that failed (database down, disk full, broker away) without
// giving up the batch in hand: back off, keep the consumer's group membership alive
// with heartbeats, and abort only when the consumer is stopping or lost the partition.

import { setTimeout as sleep } from 'node:timers/promises';
import { PulseError, rootMessage, type Logger } from '../infra/index.ts';

export interface RetryContext {
  isRunning: () => boolean;
  isStale: () => boolean;
  heartbeat: () => Promise<void>;
  logger?: Logger;
  onFailure?: (sink: string, error: unknown) => void;
  onRecovery?: (sink: string) => void;
}

/**
 * The batch in hand is given up without committing its offsets: the consumer is stopping or
 * lost the partition, so Kafka delivers the batch again (to this process or another).
 */
export class BatchAbandoned extends PulseError {
  constructor(reason: string, lastFailure: unknown) {
    super('BATCH_ABANDONED', `batch abandoned: ${reason}`, { cause: lastFailure, retryable: true, context: { reason } });
    this.name = 'BatchAbandoned';
  }
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 10_000;
const HEARTBEAT_SLICE_MS = 1_000;

export async function retryUntilStored<T>(sink: string, write: () => Promise<T>, context: RetryContext): Promise<T> {
  let backoff = MIN_BACKOFF_MS;
  let failures = 0;
  let lastFailure: unknown;
  for (;;) {
    try {
      const result = await write();
      if (failures > 0) {
        context.logger?.info({ sink, failures }, 'sink recovered');
        context.onRecovery?.(sink);
      }
      return result;
    } catch (error) {
      failures += 1;
      lastFailure = error;
      context.onFailure?.(sink, error);
      context.logger?.warn({ sink, failures, retryInMs: backoff, error: rootMessage(error) }, 'sink write failed; retrying, offsets held');
    }
    for (let waited = 0; waited < backoff; waited += HEARTBEAT_SLICE_MS) {
      if (!context.isRunning()) throw new BatchAbandoned('consumer stopping', lastFailure);
      if (context.isStale()) throw new BatchAbandoned('partition reassigned', lastFailure);
      await sleep(Math.min(HEARTBEAT_SLICE_MS, backoff - waited));
      await context.heartbeat().catch(() => undefined);
    }
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  }
}
