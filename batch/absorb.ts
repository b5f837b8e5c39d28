// Reading input files in bounded chunks: each chunk is staged (normalized and validated in
// DuckDB), its valid rows land in a run-local Parquet dataset partitioned by UTC day, its
// refused rows go to the run's quarantine, and what each file holds (rows, days) is
// returned for the manifest. Memory is bounded by the chunk, not by the history.

import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS } from '../telemetry/index.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';
import type { FoundInput, InputRecord } from './manifest.ts';
import { onDays, utcDay } from './silver.ts';
import { materialize, nameOf, probeFile, type ProbedFile, type SourceFile, type UnreadableFile } from './sources.ts';
import { stageSources } from './stage.ts';

export const STAGED_COLUMNS = `source_kind, source_file, locator, event_id, ts_ms, region, host_id, source, ${METRICS.join(', ')}`;

/**
 * Rows staged at once, estimated from file sizes; a larger file is a chunk of its own. A
 * staged row costs DuckDB about the same whatever its format, while a file's bytes per row
 * differ ninefold between Parquet and JSON lines: by bytes, a chunk of Parquet and CSV held
 * 6.7 M rows, spilled, and took a 10 M-row run past 1 GB. An input of at most 2 M rows
 * (twice CHUNK_ROWS) is one chunk: its rows then stay in DuckDB instead of a round trip through Parquet (at 1 M
 * rows, 2 s of a 16 s run), at a peak under 1 GB.
 */
export const CHUNK_ROWS = 1_000_000;
/** Fewest bytes a row takes in each format (so that estimates err towards more rows); a gzipped file's rows take a quarter. */
const MIN_ROW_BYTES: Record<SourceFile['format'], number> = { parquet: 15, csv: 40, json: 100, 'json-array': 100 };
const estimatedRows = (input: FoundInput) => (input.size / MIN_ROW_BYTES[input.file.format]) * (nameOf(input.file.path).gzipped ? 4 : 1);

export interface SourceStats { kind: string; files: number; read: number; kept: number; quarantined: number }
export interface ReasonCount { kind: string; reason: string; rows: number }

export interface Absorbed {
  records: InputRecord[];
  unreadable: UnreadableFile[];
  bySource: SourceStats[];
  byReason: ReasonCount[];
  /** Landing files of each UTC day; or, when everything fit in one chunk, the DuckDB table `landed` (the staged rows, refused ones included) holds them. */
  landing: Map<string, string[]>;
  inMemory: boolean;
}

function chunksOf(inputs: readonly FoundInput[], chunkRows: number): FoundInput[][] {
  if (inputs.reduce((sum, input) => sum + estimatedRows(input), 0) <= 2 * chunkRows) return inputs.length === 0 ? [] : [[...inputs]];
  const chunks: FoundInput[][] = [];
  let current: FoundInput[] = [];
  let rows = 0;
  for (const input of inputs) {
    if (current.length > 0 && rows + estimatedRows(input) > chunkRows) {
      chunks.push(current);
      current = [];
      rows = 0;
    }
    current.push(input);
    rows += estimatedRows(input);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Stages `files` into `staged`; returns the files that could not be read. */
export async function stageFiles(duck: Duck, files: readonly SourceFile[], workDir: string, clock: { now: number; legacyOffsetMinutes: number }, onPhase?: (phase: string) => void): Promise<UnreadableFile[]> {
  const unreadable: UnreadableFile[] = [];
  const history: ProbedFile[] = [];
  const archives: SourceFile[] = [];
  for (const [i, file] of files.entries()) {
    if (file.kind === 'archive') {
      archives.push(file);
      continue;
    }
    const readable = await materialize(file, workDir, i).catch((error: Error) => ({ path: file.path, kind: file.kind, reason: 'unreadable', detail: error.message.slice(0, 500) }));
    const probed = 'readPath' in readable ? await probeFile(duck, readable) : readable;
    if ('schema' in probed) history.push(probed);
    else unreadable.push(probed);
  }
  unreadable.push(...(await stageSources(duck, { probed: history, archives, now: clock.now, legacyOffsetMinutes: clock.legacyOffsetMinutes }, onPhase)));
  return unreadable;
}

function add(stats: Map<string, SourceStats>, row: SourceStats): void {
  const known = stats.get(row.kind) ?? { kind: row.kind, files: 0, read: 0, kept: 0, quarantined: 0 };
  stats.set(row.kind, { kind: row.kind, files: known.files + row.files, read: known.read + row.read, kept: known.kept + row.kept, quarantined: known.quarantined + row.quarantined });
}

/** Reads the new and changed files chunk by chunk into `landingDir`, quarantining refused rows to `quarantineRows`. */
export async function absorbChanged(duck: Duck, inputs: readonly FoundInput[], dirs: { work: string; landing: string; quarantineRows: string },
  clock: { now: number; legacyOffsetMinutes: number }, onPhase: (phase: string) => void, chunkRows = CHUNK_ROWS): Promise<Absorbed> {
  const result: Absorbed = { records: [], unreadable: [], bySource: [], byReason: [], landing: new Map(), inMemory: false };
  const stats = new Map<string, SourceStats>();
  const reasons = new Map<string, ReasonCount>();
  const chunks = chunksOf(inputs, chunkRows);
  // One chunk holds everything: its rows stay in memory rather than going through Parquet.
  result.inMemory = chunks.length === 1;
  for (const [k, chunk] of chunks.entries()) {
    onPhase(`reading ${chunk.length} new or changed files (chunk ${k + 1} of ${chunks.length})`);
    const unreadable = await stageFiles(duck, chunk.map((c) => c.file), dirs.work, clock, onPhase);
    onPhase(`landing chunk ${k + 1}`);
    result.unreadable.push(...unreadable);
    const failed = new Set(unreadable.map((u) => u.path));
    const chunkDir = join(dirs.landing, `chunk=${k}`);
    if (!result.inMemory) {
      await mkdir(dirs.landing, { recursive: true });
      await duck.run(`COPY (SELECT ${STAGED_COLUMNS}, strftime(${utcDay()}, '%Y-%m-%d') AS day FROM staged WHERE reason IS NULL)
        TO ${sqlString(chunkDir)} (FORMAT parquet, PARTITION_BY (day), COMPRESSION uncompressed)`);
    }
    for (const entry of await readdir(chunkDir).catch(() => [] as string[])) {
      const day = /^day=(\d{4}-\d{2}-\d{2})$/.exec(entry)?.[1];
      if (!day) continue;
      const files = (await readdir(join(chunkDir, entry))).map((f) => join(chunkDir, entry, f));
      result.landing.set(day, [...(result.landing.get(day) ?? []), ...files]);
    }
    const perFile = await duck.rows<{ source_file: string; rows: bigint; days: string[] | null }>(`SELECT source_file, count(*) FILTER (WHERE reason IS NULL) AS rows,
      list(DISTINCT strftime(${utcDay()}, '%Y-%m-%d') ORDER BY strftime(${utcDay()}, '%Y-%m-%d')) FILTER (WHERE reason IS NULL) AS days FROM staged GROUP BY 1`);
    const held = new Map(perFile.map((f) => [f.source_file, f]));
    for (const input of chunk) {
      if (failed.has(input.file.path)) continue; // retried, and reported again, next run
      const row = held.get(input.file.path);
      result.records.push({ path: input.file.path, kind: input.file.kind, size: input.size, mtimeMs: input.mtimeMs, fingerprint: input.fingerprint, days: row?.days ?? [], rows: Number(row?.rows ?? 0) });
    }
    const bySource = await duck.rows<SourceStats>(`SELECT source_kind AS kind, count(DISTINCT source_file)::INTEGER AS files, count(*)::BIGINT AS read,
      count(*) FILTER (WHERE reason IS NULL)::BIGINT AS kept, count(*) FILTER (WHERE reason IS NOT NULL)::BIGINT AS quarantined FROM staged GROUP BY 1`);
    for (const s of bySource) add(stats, { kind: s.kind, files: Number(s.files), read: Number(s.read), kept: Number(s.kept), quarantined: Number(s.quarantined) });
    for (const r of await duck.rows<ReasonCount>(`SELECT source_kind AS kind, reason, count(*)::BIGINT AS rows FROM staged WHERE reason IS NOT NULL GROUP BY 1, 2`)) {
      const key = `${r.kind}\u0000${r.reason}`;
      reasons.set(key, { kind: r.kind, reason: r.reason, rows: (reasons.get(key)?.rows ?? 0) + Number(r.rows) });
    }
    const part = `${dirs.quarantineRows}.${k}`;
    await duck.run(`COPY (SELECT source_kind, source_file, locator, reason, reason_field, raw FROM staged WHERE reason IS NOT NULL ORDER BY source_file, locator)
      TO ${sqlString(part)} (FORMAT json)`);
    await appendFile(dirs.quarantineRows, await readFile(part));
    await rm(part, { force: true });
    // A single chunk's valid rows are read from `staged` itself, kept as `landed` (not copied).
    await duck.run(result.inMemory ? 'ALTER TABLE staged RENAME TO landed' : 'DROP TABLE staged');
  }
  result.bySource = [...stats.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  result.byReason = [...reasons.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.reason.localeCompare(b.reason));
  return result;
}

/** A relation over the landing rows of `days` (null when none landed). */
export function landingRelation(absorbed: Pick<Absorbed, 'landing' | 'inMemory'>, days: readonly string[]): string | null {
  if (absorbed.inMemory) return `(SELECT ${STAGED_COLUMNS} FROM landed WHERE reason IS NULL AND ${onDays(days)})`;
  const files = days.flatMap((d) => absorbed.landing.get(d) ?? []);
  return files.length === 0 ? null : `(SELECT ${STAGED_COLUMNS} FROM read_parquet(${sqlList(files)}))`;
}
