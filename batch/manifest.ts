// The input manifest: which files the published views were computed from. A run lists the
// files it finds, compares size and modification time with the manifest, and fingerprints
// (SHA-256 of the content) only those that differ, so a file that was merely touched is
// not dirty; what is new, changed or gone decides the dirty days.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from '../infra/index.ts';
import type { SourceFile, SourceKind } from './sources.ts';

export interface InputRecord {
  path: string; kind: SourceKind; size: number; mtimeMs: number; fingerprint: string;
  /** UTC days (YYYY-MM-DD) its valid rows fall in. */
  days: string[];
  rows: number;
}

export interface FoundInput { file: SourceFile; size: number; mtimeMs: number; fingerprint: string }

export interface InputDiff {
  /** In the manifest with the same content (a touched file gets its new mtime recorded). */
  unchanged: { file: SourceFile; record: InputRecord; touched: boolean; mtimeMs: number }[];
  /** New, or with other content than the manifest says: read this run. */
  changed: FoundInput[];
  /** In the manifest, no longer on disk. */
  gone: InputRecord[];
}

export async function fingerprintOf(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function loadManifest(pool: Pool): Promise<Map<string, InputRecord>> {
  // Days as text[] (YYYY-MM-DD strings), which node-postgres parses into a string array.
  const { rows } = await pool.query<{ path: string; kind: SourceKind; size: string; mtime_ms: number; fingerprint: string; days: string[]; rows: string }>(
    `SELECT path, kind, size, mtime_ms, fingerprint, days::text[] AS days, rows FROM batch_inputs`);
  return new Map(rows.map((r) => [r.path, {
    path: r.path, kind: r.kind, size: Number(r.size), mtimeMs: r.mtime_ms, fingerprint: r.fingerprint, days: r.days, rows: Number(r.rows),
  }]));
}

/** Compares the files found now with the manifest; `full` treats every file as changed. */
export async function diffInputs(files: readonly SourceFile[], manifest: ReadonlyMap<string, InputRecord>, full: boolean): Promise<InputDiff> {
  const diff: InputDiff = { unchanged: [], changed: [], gone: [] };
  const seen = new Set<string>();
  for (const file of files) {
    seen.add(file.path);
    const info = await stat(file.path);
    const known = full ? undefined : manifest.get(file.path);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) {
      diff.unchanged.push({ file, record: known, touched: false, mtimeMs: info.mtimeMs });
      continue;
    }
    const fingerprint = await fingerprintOf(file.path);
    if (known && known.fingerprint === fingerprint) diff.unchanged.push({ file, record: known, touched: true, mtimeMs: info.mtimeMs });
    else diff.changed.push({ file, size: info.size, mtimeMs: info.mtimeMs, fingerprint });
  }
  for (const record of manifest.values()) if (!seen.has(record.path)) diff.gone.push(record);
  return diff;
}

/** Replaces the manifest's rows for what this run read, dropped or saw touched (inside the publishing transaction). */
export async function saveManifest(client: PoolClient, runId: string, diff: InputDiff, read: readonly InputRecord[], full: boolean): Promise<void> {
  if (full) await client.query('DELETE FROM batch_inputs');
  const dropped = [...diff.gone.map((r) => r.path), ...read.map((r) => r.path)];
  if (dropped.length > 0) await client.query('DELETE FROM batch_inputs WHERE path = ANY($1::text[])', [dropped]);
  if (read.length > 0) {
    await client.query(`INSERT INTO batch_inputs (path, kind, size, mtime_ms, fingerprint, days, rows, run_id)
      SELECT path, kind, size, mtime_ms, fingerprint, string_to_array(days, ',')::date[], rows, $2
      FROM json_to_recordset($1::json) AS r(path text, kind text, size bigint, mtime_ms double precision, fingerprint text, days text, rows bigint)`,
    [JSON.stringify(read.map((r) => ({ path: r.path, kind: r.kind, size: r.size, mtime_ms: r.mtimeMs, fingerprint: r.fingerprint, days: r.days.join(','), rows: r.rows }))), runId]);
  }
  const touched = diff.unchanged.filter((u) => u.touched);
  if (touched.length > 0) {
    await client.query(`UPDATE batch_inputs b SET mtime_ms = t.mtime_ms FROM json_to_recordset($1::json) AS t(path text, mtime_ms double precision) WHERE b.path = t.path`,
      [JSON.stringify(touched.map((u) => ({ path: u.file.path, mtime_ms: u.mtimeMs })))]);
  }
}
