// Refused messages go to the dead-letter topic unchanged, with why and where from in
// headers, so nothing is dropped without a trace and anything can be replayed.

import type { Message, Producer } from 'kafkajs';
import { sendPerPartition, type PartitionOf } from '../infra/index.ts';
import type { RejectedMessage } from './decode-batch.ts';

export const REJECT_HEADERS = {
  reason: 'pulse-reject-reason',
  field: 'pulse-reject-field',
  message: 'pulse-reject-message',
  topic: 'pulse-source-topic',
  partition: 'pulse-source-partition',
  offset: 'pulse-source-offset',
  timestamp: 'pulse-source-timestamp',
} as const;

export function deadLetter({ entry, rejection }: RejectedMessage): Message {
  return {
    key: entry.key,
    value: entry.value,
    headers: {
      ...entry.headers,
      [REJECT_HEADERS.reason]: rejection.reason,
      ...(rejection.field ? { [REJECT_HEADERS.field]: rejection.field } : {}),
      [REJECT_HEADERS.message]: rejection.message.slice(0, 500),
      [REJECT_HEADERS.topic]: entry.topic,
      [REJECT_HEADERS.partition]: String(entry.partition),
      [REJECT_HEADERS.offset]: entry.offset,
      [REJECT_HEADERS.timestamp]: entry.timestamp,
    },
  };
}

/**
 * Send and await the broker's acknowledgement (acks=all) before offsets move on, one send
 * per partition (see infra's delivery: a send over several partitions may drop some when
 * a leader dies). A failure throws; the caller retries the batch.
 */
export async function sendDeadLetters(producer: Producer, topic: string, rejected: readonly RejectedMessage[], partitionOf: PartitionOf): Promise<void> {
  if (rejected.length === 0) return;
  await sendPerPartition(producer, { topic, messages: rejected.map(deadLetter), acks: -1 }, partitionOf, { keepTrying: () => false });
}
