// Sending to Kafka so that nothing is dropped, around two KafkaJS 2.2 defects seen with
// SIGKILL in a three-broker cluster:
// - A send spanning several partitions can resolve while some of its messages were never
//   written (tulios/kafkajs#1303). Its retry skips every broker that answered the first
//   attempt, so partitions that moved to such a broker when their leader died are not
//   sent again. Each send here therefore targets one partition: its retry goes wherever
//   that partition's leader now is.
// - A send can hang for good when its leader dies mid-request. An attempt that does not
//   settle within a deadline counts as failed, and the same messages are sent again.
// A resend may write a message twice; the speed layer stores each event_id once.

import { Partitioners, type Kafka, type Message, type Producer, type ProducerRecord } from 'kafkajs';
import { PulseError, rootMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** Longer than KafkaJS's own retries of a request (its default requestTimeout is 30 s). */
export const SEND_DEADLINE_MS = 45_000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PulseError('DEADLINE_EXCEEDED', `${what} did not settle within ${ms} ms`, { retryable: true })), ms);
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

/** Send `record` (one partition's messages) until Kafka acknowledges it. */
export async function sendUntilDelivered(producer: Producer, record: ProducerRecord, options: DeliveryOptions = {}): Promise<void> {
  let backoff = options.minBackoffMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withDeadline(producer.send(record), options.deadlineMs ?? SEND_DEADLINE_MS, 'a Kafka send');
      return;
    } catch (error) {
      if (options.keepTrying && !options.keepTrying()) throw error;
      options.logger?.warn({ error: rootMessage(error), topic: record.topic, messages: record.messages.length, attempt, retryInMs: backoff }, 'send failed; retrying the same messages');
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(options.maxBackoffMs ?? 10_000, backoff * 2);
    }
  }
}

/**
 * Which partition each message of a topic goes to: KafkaJS's default partitioner (murmur2
 * of the key) over the topic's partitions; undefined when the topic's partitions are not
 * known, and KafkaJS places the message itself.
 */
export type PartitionOf = (message: Message) => number | undefined;

/** The partitioner of `topic`, from its partition count read once (a topic that later grows keeps the old mapping). */
export async function partitionerFor(kafka: Kafka, topic: string): Promise<PartitionOf> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitionMetadata = (metadata.topics[0]?.partitions ?? []).map((p) => ({ ...p, leader: Math.max(0, p.leader) }));
    const partitioner = Partitioners.DefaultPartitioner();
    return (message) => (message.partition ?? partitioner({ topic, partitionMetadata, message }));
  } catch {
    return (message) => message.partition;
  } finally {
    await admin.disconnect();
  }
}

/** Send `record` as one send per partition, each until delivered (see above). */
export async function sendPerPartition(producer: Producer, record: ProducerRecord, partitionOf: PartitionOf, options: DeliveryOptions = {}): Promise<void> {
  const byPartition = new Map<number | undefined, Message[]>();
  for (const message of record.messages) {
    const partition = partitionOf(message);
    const list = byPartition.get(partition);
    const placed = partition === undefined ? message : { ...message, partition };
    if (list) list.push(placed);
    else byPartition.set(partition, [placed]);
  }
  await Promise.all([...byPartition.values()].map((messages) => sendUntilDelivered(producer, { ...record, messages }, options)));
}
