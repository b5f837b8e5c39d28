// Turning a Kafka batch into what the sinks need: archive entries for every message,
// valid canonical records in arrival order (deduplicated by event_id), and rejections
// with their reason for the dead-letter topic.

import type { KafkaMessage } from 'kafkajs';
import { decodePayload, reject, SCHEMA_HEADER, type Rejection } from '../telemetry/index.ts';
import type { ArchiveEntry } from '../telemetry/index.ts';
import type { HotRecord } from './hot-sink.ts';

export interface RejectedMessage { entry: ArchiveEntry; rejection: Rejection }

export interface DecodedBatch {
  entries: ArchiveEntry[];
  valid: HotRecord[];
  rejected: RejectedMessage[];
  /** Valid messages whose event_id already appeared earlier in this batch. */
  duplicatesInBatch: number;
}

export function headerText(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return out;
}

export function decodeBatch(topic: string, partition: number, messages: readonly KafkaMessage[], now: number): DecodedBatch {
  const entries: ArchiveEntry[] = [];
  const valid: HotRecord[] = [];
  const rejected: RejectedMessage[] = [];
  const seen = new Set<string>();
  let duplicatesInBatch = 0;
  for (const message of messages) {
    const headers = headerText(message.headers);
    const entry: ArchiveEntry = { topic, partition, offset: message.offset, timestamp: message.timestamp, key: message.key ?? null, value: message.value ?? null, headers };
    entries.push(entry);
    if (message.value === null || message.value === undefined) {
      rejected.push({ entry, rejection: reject('not_json', 'message has no value (a tombstone)') });
      continue;
    }
    const decoded = decodePayload(message.value, { now, schemaTag: headers[SCHEMA_HEADER] });
    if (!decoded.ok) {
      rejected.push({ entry, rejection: decoded.rejection });
    } else if (seen.has(decoded.record.event_id)) {
      duplicatesInBatch += 1;
    } else {
      seen.add(decoded.record.event_id);
      valid.push({ ...decoded.record, partition, offset: message.offset });
    }
  }
  return { entries, valid, rejected, duplicatesInBatch };
}

export function countByReason(rejected: readonly RejectedMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { rejection } of rejected) counts.set(rejection.reason, (counts.get(rejection.reason) ?? 0) + 1);
  return counts;
}
