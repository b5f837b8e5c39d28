// The master dataset's files: history under historical/ and complete cold-archive files
// under live_data/ (plus any archive directories given to replay). A history file is read
// by its content, whatever folder it sits in: CSV, JSON lines (.jsonl, or .json holding
// lines), a JSON array of records (.json), Parquet, and each of them gzipped (.gz). Any
// other file there is reported as `unsupported_format`, never skipped silently. Each
// file's schema version is detected from its own columns; a file that cannot be read is
// quarantined whole with the reason.

import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ARCHIVE_FILE_SUFFIX, archiveHourOf, detectSchemaByColumns, IN_PROGRESS_SUFFIX, type NativeSchema } from '../telemetry/index.ts';
import { rootMessage } from '../infra/index.ts';
import { sqlString, type Duck } from './duck.ts';

export type SourceKind = 'history' | 'archive';
/** How a file's rows are read: `json` is JSON lines, `json-array` one array of records. */
export type SourceFormat = 'csv' | 'json' | 'json-array' | 'parquet';
export interface SourceFile {
  path: string; kind: SourceKind; format: SourceFormat;
  /** Where DuckDB reads it: the file itself, or its decompressed copy for formats DuckDB cannot read gzipped. */
  readPath: string;
}
export interface ProbedFile extends SourceFile { schema: NativeSchema | null; columns: Map<string, 'text' | 'number'> }
export interface UnreadableFile { path: string; kind: SourceKind; reason: string; detail: string }

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

const EXTENSIONS: Record<string, 'csv' | 'json' | 'parquet'> = { '.csv': 'csv', '.jsonl': 'json', '.ndjson': 'json', '.json': 'json', '.parquet': 'parquet' };

/** `data.csv.gz` → `{ ext: '.csv', gzipped: true }`. */
export function nameOf(path: string): { ext: string; gzipped: boolean } {
  const gzipped = extname(path).toLowerCase() === '.gz';
  return { ext: extname(gzipped ? path.slice(0, -3) : path).toLowerCase(), gzipped };
}

export interface HistoryScan { files: SourceFile[]; unsupported: UnreadableFile[] }

/** Every file under the history folder: readable ones, and the others reported with their path. */
export async function historyFiles(historyDir: string): Promise<HistoryScan> {
  const files: SourceFile[] = [];
  const unsupported: UnreadableFile[] = [];
  for (const path of await walk(historyDir)) {
    if (basename(path).startsWith('.') || relative(historyDir, path) === 'labels.jsonl') continue; // hidden, or the generator's labels
    const format = EXTENSIONS[nameOf(path).ext];
    if (format) files.push({ path, kind: 'history', format, readPath: path });
    else unsupported.push({ path, kind: 'history', reason: 'unsupported_format', detail: `not CSV, JSON lines, a JSON array or Parquet (optionally .gz): ${basename(path)}` });
  }
  return { files, unsupported };
}

export interface ArchiveScan { complete: SourceFile[]; inProgressHours: number[] }

/** Complete archive files, and the hours (epoch ms) of files still being written. */
export async function archiveFiles(dirs: readonly string[]): Promise<ArchiveScan> {
  const complete: SourceFile[] = [];
  const inProgressHours: number[] = [];
  for (const dir of dirs) {
    for (const path of await walk(dir)) {
      const name = basename(path);
      if (name.endsWith(ARCHIVE_FILE_SUFFIX) && !name.startsWith('.')) complete.push({ path, kind: 'archive', format: 'json', readPath: path });
      else if (name.endsWith(IN_PROGRESS_SUFFIX)) {
        const hour = archiveHourOf(path);
        if (hour !== null) inProgressHours.push(hour);
      }
    }
  }
  return { complete, inProgressHours };
}

/** The first non-blank byte of a (possibly decompressed) file, to tell a JSON array from JSON lines. */
async function firstByte(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').trimStart().charAt(0);
  } finally {
    await handle.close();
  }
}

/**
 * Makes a history file readable by DuckDB: gzipped JSON and Parquet are decompressed into
 * `workDir` (DuckDB reads gzipped CSV itself), and `.json` is told apart as an array of
 * records or JSON lines by its first character.
 */
export async function materialize(file: SourceFile, workDir: string, index: number): Promise<SourceFile> {
  let readPath = file.path;
  if (nameOf(file.path).gzipped && file.format !== 'csv') {
    readPath = join(workDir, `input-${index}${nameOf(file.path).ext}`);
    await pipeline(createReadStream(file.path), createGunzip(), createWriteStream(readPath));
  }
  const format = file.format === 'json' && (await firstByte(readPath)) === '[' ? 'json-array' : file.format;
  return { ...file, readPath, format };
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

/** Read a file's columns (CSV header, Parquet schema) and detect its schema version. */
export async function probeFile(duck: Duck, file: SourceFile): Promise<ProbedFile | UnreadableFile> {
  if (file.format === 'json' || file.format === 'json-array') return { ...file, schema: null, columns: new Map() }; // detected per record
  const reader = file.format === 'csv'
    ? `read_csv(${sqlString(file.readPath)}, all_varchar = true, header = true, ignore_errors = true)`
    : `read_parquet(${sqlString(file.readPath)})`;
  try {
    const described = await duck.rows<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${reader}`);
    const columns = new Map(described.map((c) => [c.column_name, NUMERIC.test(c.column_type) ? 'number' as const : 'text' as const]));
    const schema = detectSchemaByColumns([...columns.keys()]);
    if (!schema) return { path: file.path, kind: file.kind, reason: 'unknown_schema', detail: `no known schema has columns ${[...columns.keys()].slice(0, 8).join(', ')}` };
    return { ...file, schema, columns };
  } catch (error) {
    return { path: file.path, kind: file.kind, reason: 'unreadable', detail: rootMessage(error).slice(0, 500) };
  }
}
