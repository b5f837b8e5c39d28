// The cold-archive format, the one contract between the speed layer that writes archives
// and the batch layer that reads them: folder and file names, the in-progress marker, and
// the JSON envelope around each raw Kafka message. Pure: names and lines, no file system.

import { SCHEMA_HEADER } from './schemas.ts';

/** One consumed Kafka message, as the speed layer archives it. */
export interface ArchiveEntry {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp, epoch ms as text. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A complete archive file's name ends so; one being written is hidden (`.part-….jsonl.inprogress`). */
export const ARCHIVE_FILE_SUFFIX = '.jsonl';
export const IN_PROGRESS_SUFFIX = '.inprogress';

/**
 * JSON paths of the envelope's fields the batch layer reads, in this order: Kafka
 * partition and offset (the row's locator), the payload text, and its schema tag header.
 */
export const ENVELOPE_PATHS = ['$.partition', '$.offset', '$.value', `$.headers.${JSON.stringify(SCHEMA_HEADER)}`] as const;

/** `stream_run_2026-11-22T16-05-09.123Z_3f2a`: sortable, unique per process start. */
export function runDirectoryName(startedAt: number, suffix: string): string {
  return `stream_run_${new Date(startedAt).toISOString().replace(/:/g, '-')}_${suffix}`;
}

/** The folders of an archive hour, by Kafka timestamp: `['date=2026-11-22', 'hour=16']`. */
export function archivePartition(timestampMs: number, now = Date.now()): [string, string] {
  const iso = new Date(Number.isFinite(timestampMs) ? timestampMs : now).toISOString();
  return [`date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`];
}

/** The hour (epoch ms) of the archive folder a path lies in, or null when it is in none. */
export function archiveHourOf(path: string): number | null {
  const match = /date=(\d{4}-\d{2}-\d{2})[/\\]hour=(\d{2})/.exec(path);
  return match ? Date.parse(`${match[1]}T${match[2]}:00:00Z`) : null;
}

// Fatal: bytes that are not UTF-8 throw instead of becoming U+FFFD; ignoreBOM keeps a leading
// BOM, as Buffer's toString does. (TextDecoder, not node:buffer, keeps telemetry/ loadable in a browser.)
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text when they are valid UTF-8, else null. */
function utf8Text(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** The archive line of one message: the payload as text when it is UTF-8, else base64. */
export function archiveLine(entry: ArchiveEntry): string {
  const line: Record<string, unknown> = {
    topic: entry.topic, partition: entry.partition, offset: Number(entry.offset), timestamp: Number(entry.timestamp),
    key: entry.key ? entry.key.toString('utf8') : null, headers: entry.headers,
  };
  if (entry.value === null) line['value'] = null;
  else {
    const text = utf8Text(entry.value);
    if (text !== null) line['value'] = text;
    else line['value_b64'] = entry.value.toString('base64');
  }
  return `${JSON.stringify(line)}\n`;
}
