// Sending to Kafka so that nothing made is dropped: a send that fails is retried with
// backoff, and a send that never settles counts as failed. A KafkaJS send can hang for
// good when the broker leading its partition dies mid-request (seen with SIGKILL in a
// three-broker cluster); retrying it may write a batch twice, which the speed layer
// absorbs by event_id (a repeat is a duplicate, not a second reading).

import type { Producer, ProducerRecord, RecordMetadata } from 'kafkajs';
import { rootMessage, type Logger } from '../infra/index.ts';

/** Longer than KafkaJS's own retries of a request (its default requestTimeout is 30 s). */
export const SEND_DEADLINE_MS = 45_000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface DeliveryOptions {
  logger?: Logger | undefined;
  /** Give up (throw) once this returns false and an attempt has failed; default: never give up. */
  keepTrying?: () => boolean;
  deadlineMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Send `record` until Kafka acknowledges it. */
export async function sendUntilDelivered(producer: Producer, record: ProducerRecord, options: DeliveryOptions = {}): Promise<RecordMetadata[]> {
  let backoff = options.minBackoffMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withDeadline(producer.send(record), options.deadlineMs ?? SEND_DEADLINE_MS, 'a Kafka send');
    } catch (error) {
      if (options.keepTrying && !options.keepTrying()) throw error;
      options.logger?.warn({ error: rootMessage(error), topic: record.topic, messages: record.messages.length, attempt, retryInMs: backoff }, 'send failed; retrying the same messages');
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(options.maxBackoffMs ?? 10_000, backoff * 2);
    }
  }
}
