// Writers for one history file in a region's native format. Each writes to a temporary
// name and renames into place on close, so a reader never sees a half-written file, and
// honours backpressure so memory stays flat however much is written.

import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { stringify, type Stringifier } from 'csv-stringify';
import parquet, { type ParquetSchema } from 'parquetjs-lite';
import { PulseError, type NativeSchema } from '../../telemetry/index.ts';
import type { NativeRecord } from '../signals/native-records.ts';

export interface FileSink {
  write(record: NativeRecord): Promise<void> | void;
  /** Flush, fsync-free close, rename into place; resolves to the file's size in bytes. */
  close(): Promise<number>;
  abort(): Promise<void>;
}

export const FILE_EXTENSION = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet' } as const;

async function finish(temporary: string, path: string): Promise<number> {
  await rename(temporary, path);
  return (await stat(path)).size;
}

async function ended(stream: WriteStream): Promise<void> {
  if (!stream.writableFinished) await once(stream, 'finish');
}

export function csvSink(schema: NativeSchema, path: string): FileSink {
  const temporary = `${path}.tmp`;
  const file = createWriteStream(temporary);
  const csv: Stringifier = stringify({ header: true, columns: [...schema.fields] });
  csv.pipe(file);
  return {
    write: (record) => (csv.write(record) ? undefined : once(csv, 'drain').then(() => undefined)),
    close: async () => {
      csv.end();
      await ended(file);
      return finish(temporary, path);
    },
    abort: async () => {
      csv.destroy();
      file.destroy();
      await rm(temporary, { force: true });
    },
  };
}

/** JSON lines, batched into ~64 KiB writes: one write per line would dominate the cost. */
export function jsonlSink(path: string): FileSink {
  const temporary = `${path}.tmp`;
  const file = createWriteStream(temporary);
  let pending = '';
  const flush = () => {
    const ok = file.write(pending);
    pending = '';
    return ok ? undefined : once(file, 'drain').then(() => undefined);
  };
  return {
    write: (record) => {
      pending += `${JSON.stringify(record)}\n`;
      return pending.length >= 65_536 ? flush() : undefined;
    },
    close: async () => {
      if (pending) file.write(pending);
      file.end();
      await ended(file);
      return finish(temporary, path);
    },
    abort: async () => {
      file.destroy();
      await rm(temporary, { force: true });
    },
  };
}

const INTEGER_FIELDS = new Set(['epoch_time', 'epoch_ms']);

function parquetSchema(schema: NativeSchema): ParquetSchema {
  const fields: Record<string, { type: string; optional?: boolean; compression?: string }> = {};
  for (const name of schema.fields) {
    const type = name === schema.identity[0] ? 'UTF8' : INTEGER_FIELDS.has(name) ? 'INT64' : 'DOUBLE';
    fields[name] = { type, optional: !schema.identity.includes(name), compression: 'SNAPPY' };
  }
  return new parquet.ParquetSchema(fields);
}

export async function parquetSink(schema: NativeSchema, path: string): Promise<FileSink> {
  const temporary = `${path}.tmp`;
  const writer = await parquet.ParquetWriter.openFile(parquetSchema(schema), temporary, { rowGroupSize: 8192 });
  return {
    write: (record) => {
      const row: Record<string, string | number> = {};
      for (const [key, value] of Object.entries(record)) if (value !== null) row[key] = value;
      return writer.appendRow(row);
    },
    close: async () => {
      await writer.close();
      return finish(temporary, path);
    },
    abort: async () => {
      await writer.close().catch(() => undefined);
      await rm(temporary, { force: true });
    },
  };
}

export async function openSink(schema: NativeSchema, path: string): Promise<FileSink> {
  if (schema.format === 'csv') return csvSink(schema, path);
  if (schema.format === 'jsonl') return jsonlSink(path);
  if (schema.format === 'parquet') return parquetSink(schema, path);
  throw new PulseError('INVALID_ARGUMENT', `no history writer for format ${schema.format}`);
}
