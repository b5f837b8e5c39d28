// Which event sits at which partition and offset of a topic, and how far a consumer group
// has committed: together they tell whether an offset was committed for an event that had
// not been stored.

import type { Kafka } from 'kafkajs';
import { decodePayload, SCHEMA_HEADER } from '../../telemetry/index.ts';
import { uniqueName } from './isolation.ts';

/** `partition:offset` → event_id of every decodable message, read from the beginning until `total` are seen. */
export async function indexTopic(kafka: Kafka, topic: string, total: number, timeoutMs = 60_000): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  const consumer = kafka.consumer({ groupId: uniqueName('indexer') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`indexed ${seen} of ${total} messages within ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          seen += 1;
          if (!message.value) continue;
          const decoded = decodePayload(message.value, { now: Date.now(), schemaTag: message.headers?.[SCHEMA_HEADER]?.toString() });
          if (decoded.ok) index.set(`${batch.partition}:${message.offset}`, decoded.record.event_id);
        }
        if (seen >= total) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return index;
}

/** The group's committed offset per partition (-1 where nothing was committed yet). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Event ids below the committed offsets that are not in `stored`: each one an offset committed too early. */
export function committedButUnstored(index: ReadonlyMap<string, string>, committed: ReadonlyMap<number, number>, stored: ReadonlySet<string>): string[] {
  const missing: string[] = [];
  for (const [key, eventId] of index) {
    const [partition, offset] = key.split(':').map(Number) as [number, number];
    if (offset < (committed.get(partition) ?? -1) && !stored.has(eventId)) missing.push(eventId);
  }
  return missing;
}
