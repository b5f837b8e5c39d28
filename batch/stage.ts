// Loading every readable source into one DuckDB table, `staged`: the canonical columns of
// each row, or why it was refused, with its source file and a row locator. History CSV
// and Parquet are read per schema version (detected from each file's columns); JSON lines
// and cold archives per line (the schema of each line detected from its fields or tag).

import { stat } from 'node:fs/promises';
import { ENVELOPE_PATHS, METRICS, schemaByTag, SCHEMAS, type NativeSchema } from '../telemetry/index.ts';
import { PulseError, rootMessage } from '../infra/index.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';
import { columnAccess, fieldsRead, jsonFieldAccess, jsonFieldRelation, normalizeSql, payloadSql, type FieldAccess } from './normalize-sql.ts';
import type { ProbedFile, SourceFile, SourceKind, UnreadableFile } from './sources.ts';

export const STAGED_DDL = `
CREATE OR REPLACE TABLE staged (
  source_kind VARCHAR, source_file VARCHAR, locator VARCHAR,
  event_id VARCHAR, ts_ms BIGINT, region VARCHAR, host_id VARCHAR, source VARCHAR,
  ${METRICS.map((m) => `${m} DOUBLE`).join(', ')},
  reason VARCHAR, reason_field VARCHAR, raw VARCHAR
)`;

/** The input's own path for the path DuckDB read (`column`): a gzipped file is read from a decompressed copy. */
function originalPath(column: string, files: readonly SourceFile[]): string {
  const copies = files.filter((f) => f.readPath !== f.path);
  return copies.length === 0 ? column : `CASE ${column} ${copies.map((f) => `WHEN ${sqlString(f.readPath)} THEN ${sqlString(f.path)}`).join(' ')} ELSE ${column} END`;
}

/**
 * Reads `files` together, and when that fails, file by file, so one bad file does not take
 * the others with it; `forget` removes what a failed read left behind. Returns the files
 * that could not be read.
 */
async function readTogether<F extends SourceFile>(files: readonly F[], read: (part: readonly F[]) => Promise<void>, forget: (paths: readonly string[]) => Promise<void>): Promise<UnreadableFile[]> {
  if (files.length === 0) return [];
  const failed: UnreadableFile[] = [];
  /** Null when `part` was read, else the error (what the read left is forgotten). */
  const attempt = async (part: readonly F[]): Promise<unknown> => {
    try {
      await read(part);
      return null;
    } catch (error) {
      await forget(part.map((f) => f.path));
      return error ?? new PulseError('INPUT_UNREADABLE', 'read failed');
    }
  };
  const together = await attempt(files);
  if (together === null) return failed;
  for (const file of files) {
    const error = files.length === 1 ? together : await attempt([file]);
    if (error !== null) failed.push({ path: file.path, kind: file.kind, reason: 'unreadable', detail: rootMessage(error).slice(0, 500) });
  }
  return failed;
}

const CANONICAL = ['event_id', 'ts_ms', 'region', 'host_id', 'source', ...METRICS, 'reason', 'reason_field'];

interface Clock { now: number; legacyOffsetMinutes: number }

async function insertNormalized(duck: Duck, kind: SourceKind, schema: NativeSchema, input: string, access: FieldAccess, source: string | null, clock: Clock): Promise<void> {
  const normalized = normalizeSql(schema, input, access, ['source_file', 'locator', 'raw'], { now: clock.now, source, legacyOffsetMinutes: clock.legacyOffsetMinutes });
  await duck.run(`INSERT INTO staged SELECT ${sqlString(kind)}, source_file, locator, ${CANONICAL.join(', ')},
    CASE WHEN reason IS NOT NULL THEN raw END FROM (${normalized})`);
}

/**
 * CSV files that share one header (in order), read together: DuckDB parallelizes across
 * them, while one small file is a single row group on one thread. Columns are taken by the
 * header, never by position; lines DuckDB cannot parse become `malformed_line` rows of
 * their file; rows are numbered within their file.
 */
async function stageCsv(duck: Duck, schema: NativeSchema, files: readonly ProbedFile[], clock: Clock): Promise<void> {
  const columns = (files[0] as ProbedFile).columns;
  await duck.run('DROP TABLE IF EXISTS csv_rejects; DROP TABLE IF EXISTS csv_scans'); // left by a unit that failed
  await duck.run(`CREATE OR REPLACE TEMP TABLE csv_rows AS SELECT * FROM read_csv(${sqlList(files.map((f) => f.readPath))}, all_varchar = true, header = true,
    filename = true, store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')`);
  // A file's rows are contiguous in the table (insertion order): its first rowid numbers them.
  await duck.run('CREATE OR REPLACE TEMP TABLE csv_files AS SELECT filename, min(rowid) AS first FROM csv_rows GROUP BY 1');
  const raw = `concat_ws(',', ${[...columns.keys()].map((f) => `coalesce(c."${f.replace(/"/g, '""')}", '')`).join(', ')})`;
  const input = `(SELECT c.*, ${originalPath('filename', files)} AS source_file, 'row ' || CAST(c.rowid - f.first + 1 AS VARCHAR) AS locator, ${raw} AS raw
    FROM csv_rows c JOIN csv_files f USING (filename))`;
  await insertNormalized(duck, 'history', schema, input, columnAccess(columns), 'history', clock);
  await duck.run(`INSERT INTO staged (source_kind, source_file, locator, reason, reason_field, raw)
    SELECT 'history', ${originalPath('s.file_path', files)}, 'line ' || CAST(r.line AS VARCHAR), 'malformed_line', lower(r.error_type), r.csv_line
    FROM csv_rejects r JOIN csv_scans s USING (scan_id, file_id)`);
  await duck.run('DROP TABLE csv_rejects; DROP TABLE csv_scans; DROP TABLE csv_files; DROP TABLE csv_rows');
}

/** CSV files grouped by their header, in order (a file with other columns, or in another order, is read apart). */
function byHeader(files: readonly ProbedFile[]): ProbedFile[][] {
  const groups = new Map<string, ProbedFile[]>();
  for (const file of files) {
    const key = JSON.stringify([...file.columns.keys()]);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return [...groups.values()];
}

async function stageParquet(duck: Duck, schema: NativeSchema, files: ProbedFile[], clock: Clock): Promise<void> {
  const columns = new Map(files.flatMap((f) => [...f.columns]));
  const input = `(SELECT *, ${originalPath('filename', files)} AS source_file, 'row ' || CAST(file_row_number + 1 AS VARCHAR) AS locator, NULL::VARCHAR AS raw
    FROM read_parquet(${sqlList(files.map((f) => f.readPath))}, filename = true, file_row_number = true, union_by_name = true))`;
  await insertNormalized(duck, 'history', schema, input, columnAccess(columns), 'history', clock);
}

/** The elements of one JSON array file into `json_lines`, located by position. */
async function loadArray(duck: Duck, file: SourceFile): Promise<void> {
  await duck.run(`INSERT INTO json_lines SELECT ${sqlString(file.path)}, 'element ' || CAST(row_number() OVER () AS VARCHAR), CAST(json AS VARCHAR)
    FROM read_json_objects(${sqlString(file.readPath)}, format = 'array')`);
}

const MAX_LINE_BYTES = 4 << 20;

/**
 * Lines of JSON-lines files into `json_lines`, with exact locators, the files read together
 * (DuckDB parallelizes across them). Lines are read by DuckDB's CSV scanner as one column
 * (no delimiter, no quoting): vectorized, with blank lines kept so a file's rows, counted
 * from its first, are its line numbers. Lines that are not valid UTF-8 are quarantined by
 * line number; in a file that has any, the others are numbered among its readable lines.
 */
async function loadLines(duck: Duck, kind: SourceKind, files: readonly SourceFile[]): Promise<void> {
  // The scanner allocates buffers of 16 × max_line_size per thread, so the limit is as long as
  // the longest file within 1–4 MB: at 64 MB, six 17 MB archive files read together ran out of
  // a 700 MB memory limit and fell back to one read per file. A longer line holds a payload
  // over MAX_PAYLOAD_BYTES whatever its envelope, so it is quarantined as too_large, as the
  // speed layer would; an archived Kafka message (≤ 1 MB, escaping at most doubling it) fits.
  const longest = Math.max(...(await Promise.all(files.map(async (f) => (await stat(f.readPath)).size))));
  const maxLine = Math.min(Math.max(longest + 1, 1 << 20), MAX_LINE_BYTES);
  await duck.run('DROP TABLE IF EXISTS line_rejects; DROP TABLE IF EXISTS line_scans'); // left by a read that failed
  await duck.run(`CREATE OR REPLACE TEMP TABLE file_lines AS SELECT line, filename FROM read_csv(${sqlList(files.map((f) => f.readPath))}, columns = {'line': 'VARCHAR'},
    header = false, delim = '\x1f', quote = '', escape = '', auto_detect = false, max_line_size = ${maxLine}, filename = true, store_rejects = true,
    rejects_table = 'line_rejects', rejects_scan = 'line_scans')`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE rejected_lines AS SELECT s.file_path AS filename, r.line, r.error_type FROM line_rejects r JOIN line_scans s USING (scan_id, file_id)`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE line_files AS SELECT filename, min(rowid) AS first,
    filename IN (SELECT filename FROM rejected_lines) AS rejected FROM file_lines GROUP BY 1`);
  // Blank lines are skipped. trim() copies the line, so it is asked only of a line that starts with a space.
  await duck.run(`INSERT INTO json_lines SELECT ${originalPath('filename', files)}, CASE WHEN f.rejected THEN 'readable line ' ELSE 'line ' END || CAST(l.rowid - f.first + 1 AS VARCHAR), l.line
    FROM file_lines l JOIN line_files f USING (filename)
    WHERE l.line IS NOT NULL AND CASE WHEN starts_with(l.line, ' ') THEN trim(l.line) <> '' ELSE l.line <> '' END`);
  await duck.run(`INSERT INTO staged (source_kind, source_file, locator, reason, reason_field, raw)
    SELECT ${sqlString(kind)}, ${originalPath('filename', files)}, 'line ' || CAST(line AS VARCHAR),
      CASE WHEN error_type = 'LINE SIZE OVER MAXIMUM' THEN 'too_large' ELSE 'malformed_line' END, lower(error_type), NULL FROM rejected_lines`);
  await duck.run('DROP TABLE line_rejects; DROP TABLE line_scans; DROP TABLE rejected_lines; DROP TABLE line_files; DROP TABLE file_lines');
}

/** Loads JSON arrays one by one and JSON-lines files together; returns the files that could not be read. */
async function loadAll(duck: Duck, kind: SourceKind, files: readonly SourceFile[]): Promise<UnreadableFile[]> {
  const forget = (paths: readonly string[]) => duck.run(`DELETE FROM json_lines WHERE source_file IN (SELECT unnest(${sqlList(paths)}));
    DELETE FROM staged WHERE source_file IN (SELECT unnest(${sqlList(paths)}))`);
  const failed: UnreadableFile[] = [];
  for (const file of files.filter((f) => f.format === 'json-array')) failed.push(...(await readTogether([file], () => loadArray(duck, file), forget)));
  failed.push(...(await readTogether(files.filter((f) => f.format !== 'json-array'), (part) => loadLines(duck, kind, part), forget)));
  return failed;
}

/** JSON-lines files of one kind: history lines are payloads; archive lines are envelopes around one. */
async function stageJsonLines(duck: Duck, kind: SourceKind, files: SourceFile[], clock: Clock): Promise<UnreadableFile[]> {
  if (files.length === 0) return [];
  await duck.run('CREATE OR REPLACE TEMP TABLE json_lines (source_file VARCHAR, locator VARCHAR, line VARCHAR)');
  const failed = await loadAll(duck, kind, files);
  // An archive line is an envelope around the payload: its fields come from one parse.
  const envelope = kind === 'archive'
    ? `SELECT source_file, coalesce('partition ' || e[1] || ' offset ' || e[2], locator) AS locator, e[3] AS payload, e[4] AS tag, line AS raw
       FROM (SELECT *, TRY(json_extract_string(line, ${sqlList([...ENVELOPE_PATHS])})) AS e FROM json_lines)` // TRY: NULL for a line that is not JSON
    : 'SELECT source_file, locator, line AS payload, NULL::VARCHAR AS tag FROM json_lines';
  // A history line is its payload: `checked` keeps that text once, and the lines go as soon as
  // it is built (at 10 M rows, three copies of every line were the run's peak memory).
  const raw = kind === 'archive' ? 'raw' : 'payload';
  await duck.run(`CREATE OR REPLACE TEMP TABLE checked AS ${payloadSql(`(${envelope})`, 'payload', 'tag', kind === 'archive' ? ['source_file', 'locator', 'raw'] : ['source_file', 'locator'])}`);
  await duck.run('DROP TABLE json_lines');
  await duck.run(`INSERT INTO staged (source_kind, source_file, locator, reason, raw)
    SELECT ${sqlString(kind)}, source_file, locator, payload_reason, ${raw} FROM checked WHERE payload_reason IS NOT NULL`);
  for (const schema of SCHEMAS) {
    const fields = fieldsRead(schema);
    const rows = `(SELECT *${kind === 'archive' ? '' : ', payload AS raw'} FROM checked WHERE payload_reason IS NULL AND schema_tag = ${sqlString(schema.tag)})`;
    const input = jsonFieldRelation(rows, 'payload', fields);
    await insertNormalized(duck, kind, schema, input, jsonFieldAccess(fields), kind === 'history' ? 'history' : null, clock);
  }
  await duck.run('DROP TABLE checked');
  return failed;
}

export interface StageInput { probed: ProbedFile[]; archives: SourceFile[]; now: number; legacyOffsetMinutes: number }

/** Stage everything; returns files that failed while being read (quarantined whole). */
export async function stageSources(duck: Duck, input: StageInput, onPhase?: (phase: string) => void): Promise<UnreadableFile[]> {
  await duck.run(STAGED_DDL);
  const failed: UnreadableFile[] = [];
  const forget = (paths: readonly string[]) => duck.run(`DELETE FROM staged WHERE source_file IN (SELECT unnest(${sqlList(paths)}))`);
  const byTag = new Map<string, ProbedFile[]>();
  for (const file of input.probed) {
    if (file.format === 'json' || file.format === 'json-array' || !file.schema) continue;
    byTag.set(file.schema.tag, [...(byTag.get(file.schema.tag) ?? []), file]);
  }
  for (const [tag, files] of byTag) {
    onPhase?.(`reading ${tag} (${files.length} files)`);
    const schema = schemaByTag(tag) as NativeSchema;
    // Parquet files of one version share a schema and are read together; CSV files by header.
    const units = schema.format === 'csv' ? byHeader(files) : [files];
    for (const unit of units) {
      failed.push(...(await readTogether(unit, (part) => (schema.format === 'csv' ? stageCsv(duck, schema, part, input) : stageParquet(duck, schema, [...part], input)), forget)));
    }
  }
  onPhase?.('reading JSON lines');
  failed.push(...(await stageJsonLines(duck, 'history', input.probed.filter((f) => f.format === 'json' || f.format === 'json-array'), input)));
  onPhase?.(`reading ${input.archives.length} archive files`);
  failed.push(...(await stageJsonLines(duck, 'archive', input.archives, input)));
  return failed;
}
