// The master dataset's files: history under historical/ and complete cold-archive files
// under live_data/ (plus any archive directories given to replay). Each history file's
// schema version is detected from its own columns; a file that cannot be read is
// quarantined whole with the reason.

import { readdir } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { detectSchemaByColumns, type NativeSchema } from '../telemetry/index.ts';
import { rootMessage } from '../infra/index.ts';
import { sqlString, type Duck } from './duck.ts';

export type SourceKind = 'history' | 'archive';
export interface SourceFile { path: string; kind: SourceKind; format: 'csv' | 'jsonl' | 'parquet' }
export interface ProbedFile extends SourceFile { schema: NativeSchema | null; columns: Map<string, 'text' | 'number'> }
export interface UnreadableFile { path: string; kind: SourceKind; reason: string; detail: string }

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

const FORMATS: Record<string, SourceFile['format']> = { '.csv': 'csv', '.jsonl': 'jsonl', '.parquet': 'parquet' };

export async function historyFiles(historyDir: string): Promise<SourceFile[]> {
  return (await walk(historyDir))
    .filter((path) => FORMATS[extname(path)] && !basename(path).startsWith('.') && relative(historyDir, path) !== 'labels.jsonl')
    .map((path) => ({ path, kind: 'history' as const, format: FORMATS[extname(path)] as SourceFile['format'] }));
}

export interface ArchiveScan { complete: SourceFile[]; inProgressHours: number[] }

/** Complete archive files, and the hours (epoch ms) of files still being written. */
export async function archiveFiles(dirs: readonly string[]): Promise<ArchiveScan> {
  const complete: SourceFile[] = [];
  const inProgressHours: number[] = [];
  for (const dir of dirs) {
    for (const path of await walk(dir)) {
      const name = basename(path);
      if (name.endsWith('.jsonl') && !name.startsWith('.')) complete.push({ path, kind: 'archive', format: 'jsonl' });
      else if (name.endsWith('.inprogress')) {
        const match = /date=(\d{4}-\d{2}-\d{2})[/\\]hour=(\d{2})/.exec(path);
        if (match) inProgressHours.push(Date.parse(`${match[1]}T${match[2]}:00:00Z`));
      }
    }
  }
  return { complete, inProgressHours };
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

/** Read a file's columns (CSV header, Parquet schema) and detect its schema version. */
export async function probeFile(duck: Duck, file: SourceFile): Promise<ProbedFile | UnreadableFile> {
  if (file.format === 'jsonl') return { ...file, schema: null, columns: new Map() }; // detected per line
  const reader = file.format === 'csv'
    ? `read_csv(${sqlString(file.path)}, all_varchar = true, header = true, ignore_errors = true)`
    : `read_parquet(${sqlString(file.path)})`;
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
