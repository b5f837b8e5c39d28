// Silver as a Hive-partitioned Parquet dataset: silver/date=YYYY-MM-DD/region=R/*.parquet
// (zstd). The partition columns live in the path only, as Spark and Trino expect, so any
// engine reads it with partition pruning. A partition is a base file and the delta files
// incremental runs added to it (silver-files.ts), each written aside and renamed into place.

import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { METRICS, PulseError } from '../telemetry/index.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';
import { addPartitionFile, partitionFiles } from './silver-files.ts';

/**
 * Columns of a silver file (region and date are the path's). The lineage columns say which
 * input row each reading came from (kind, file, position): deduplication keeps the first
 * copy in that order, so new files can be merged into a day's silver without re-reading
 * the day's other inputs.
 */
export const SILVER_FILE_COLUMNS = ['event_id', 'ts_ms', 'host_id', 'source', ...METRICS, 'lineage_kind', 'lineage_file', 'lineage_locator'] as const;
const SILVER_COLUMNS = `event_id, ts_ms, region, host_id, source, ${METRICS.join(', ')}, source_kind AS lineage_kind, source_file AS lineage_file, locator AS lineage_locator`;
/** Silver rows in the shape of staged rows (lineage as source_kind, source_file, locator), to deduplicate again. */
const AS_STAGED = `lineage_kind AS source_kind, lineage_file AS source_file, lineage_locator AS locator, event_id, ts_ms, region, host_id, source, ${METRICS.join(', ')}`;
/** Deltas a partition gathers before a merge rewrites it whole (stepping and gold read every file of a day). */
const MAX_DELTAS = 8;
/** The order of rows inside a partition file (the stepping order of the alert and anomaly views). */
export const SILVER_ORDER = 'host_id, ts_ms, event_id';
const REGION_DIR = /^region=([a-z][a-z0-9_-]{0,31})$/;

export const silverDir = (dataDir: string) => join(dataDir, 'silver');
const dayDir = (dataDir: string, day: string) => join(silverDir(dataDir), `date=${day}`);

/** The UTC day of an epoch-ms column, as DuckDB's DATE. */
export const utcDay = (column = 'ts_ms') => `CAST(epoch_ms(${column}) AS DATE)`;
/** Whether `ts_ms` falls on one of `days` (YYYY-MM-DD). */
export const onDays = (days: readonly string[]) => `${utcDay()} IN (${days.map((d) => `DATE ${sqlString(d)}`).join(', ')})`;

/**
 * Deduplication: one row per (UTC day, event_id), the first by source kind, file and
 * position. Copies of one event_id always share their timestamp unless the data conflicts;
 * a conflicting copy on another day is kept as that day's reading, so every day is
 * computed from its own inputs alone and incremental runs equal a full recompute.
 * Duplicates are rare, so ids are first grouped by a 64-bit hash and only repeats go
 * through the ordered pick.
 */
export function silverSql(input: string, target: string): string {
  return `
CREATE OR REPLACE TEMP TABLE repeated_hashes AS
  SELECT hash(event_id, ${utcDay()}) AS h FROM ${input} GROUP BY 1 HAVING count(*) > 1;
CREATE OR REPLACE TABLE ${target} AS
  SELECT ${SILVER_COLUMNS} FROM ${input} WHERE hash(event_id, ${utcDay()}) NOT IN (SELECT h FROM repeated_hashes)
UNION ALL
  SELECT ${SILVER_COLUMNS} FROM ${input} WHERE hash(event_id, ${utcDay()}) IN (SELECT h FROM repeated_hashes)
  QUALIFY row_number() OVER (PARTITION BY event_id, ${utcDay()} ORDER BY source_kind, source_file, locator) = 1;
DROP TABLE repeated_hashes`;
}

/** The region partitions of a day that exist now, sorted. */
async function regionDirs(dataDir: string, day: string): Promise<string[]> {
  const regions = await readdir(dayDir(dataDir, day)).catch(() => [] as string[]);
  return regions.filter((r) => REGION_DIR.test(r)).sort().map((r) => join(dayDir(dataDir, day), r));
}

/** The live files of the given days' partitions (by day, region, then the order they were written in). */
export async function silverFiles(dataDir: string, days: Iterable<string>): Promise<string[]> {
  const files: string[] = [];
  for (const day of days) for (const dir of await regionDirs(dataDir, day)) files.push(...(await partitionFiles(dir)).live);
  return files;
}

/** The region of a partition file, from its path. */
export function silverFileRegion(file: string): string {
  const region = REGION_DIR.exec(basename(dirname(file)))?.[1];
  if (region === undefined) throw new PulseError('BATCH_INVARIANT', `${file} is not a silver partition file`);
  return region;
}

/** Every day that has a partition, sorted. */
export async function silverDays(dataDir: string): Promise<string[]> {
  const entries = await readdir(silverDir(dataDir)).catch(() => [] as string[]);
  return entries.map((e) => /^date=(\d{4}-\d{2}-\d{2})$/.exec(e)?.[1]).filter((d): d is string => d !== undefined).sort();
}

const readSilver = (files: readonly string[]) => `read_parquet(${sqlList(files)}, hive_partitioning = true, hive_types = {'region': VARCHAR, 'date': DATE})`;

/** A relation over the silver partitions of `days`, with region back as a column. */
export async function silverRelation(dataDir: string, days: Iterable<string>): Promise<string | null> {
  const files = await silverFiles(dataDir, days);
  if (files.length === 0) return null;
  return `(SELECT event_id, ts_ms, region, host_id, source, ${METRICS.join(', ')} FROM ${readSilver(files)})`;
}

/** The silver rows of `days` shaped as staged rows, to merge new rows into (null when none). */
export async function silverAsStaged(dataDir: string, days: Iterable<string>): Promise<string | null> {
  const files = await silverFiles(dataDir, days);
  return files.length === 0 ? null : `(SELECT ${AS_STAGED} FROM ${readSilver(files)})`;
}

/** The (day, region) pairs `table` holds rows for. */
async function partitionsOf(duck: Duck, table: string): Promise<{ day: string; region: string }[]> {
  const present = await duck.rows<{ day: string; region: string }>(`SELECT DISTINCT strftime(${utcDay()}, '%Y-%m-%d') AS day, region FROM ${table} ORDER BY 1, 2`);
  for (const { region } of present) {
    if (!REGION_DIR.test(`region=${region}`)) throw new PulseError('BATCH_INVARIANT', `silver region ${JSON.stringify(region)} is not a partition name`);
  }
  return present;
}

/**
 * Writes the rows of `select` to a file aside, sorted by host and time: sorted files let the
 * alert and anomaly views stream a day host by host without sorting it again, and give other
 * engines row-group statistics to skip hosts by. (A partitioned COPY would write threads'
 * sorted runs one after another, so each file is a COPY of its own.)
 */
async function writeSorted(duck: Duck, select: string, file: string): Promise<void> {
  await duck.run(`COPY (${select} ORDER BY ${SILVER_ORDER}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
}

const rowsOf = (table: string, day: string, region: string) =>
  `SELECT ${SILVER_FILE_COLUMNS.join(', ')} FROM ${table} WHERE region = ${sqlString(region)} AND ${utcDay()} = DATE ${sqlString(day)}`;

async function stagingDir(dataDir: string, name: string): Promise<string> {
  const staging = join(silverDir(dataDir), `.${name}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  return staging;
}

/**
 * Writes `table` (silver rows of exactly `days`) as those days' partitions: each (day,
 * region) becomes one new base file that replaces the partition's files; a region that no
 * longer has rows on a recomputed day loses its partition.
 */
export async function replaceSilverDays(duck: Duck, dataDir: string, table: string, days: readonly string[], stagingName: string): Promise<void> {
  const staging = await stagingDir(dataDir, stagingName);
  const present = await partitionsOf(duck, table);
  for (const { day, region } of present) await writeSorted(duck, rowsOf(table, day, region), join(staging, `${day}.${region}.parquet`));
  for (const day of days) {
    const keep = new Set(present.filter((p) => p.day === day).map((p) => p.region));
    for (const region of [...keep].sort()) await addPartitionFile(join(dayDir(dataDir, day), `region=${region}`), join(staging, `${day}.${region}.parquet`), 'base');
    for (const dir of await regionDirs(dataDir, day)) {
      const region = REGION_DIR.exec(basename(dir))?.[1];
      if (region !== undefined && !keep.has(region)) await rm(dir, { recursive: true, force: true });
    }
    if (keep.size === 0) await rm(dayDir(dataDir, day), { recursive: true, force: true });
  }
  await rm(staging, { recursive: true, force: true });
}

/**
 * Adds `table` (new silver rows, none of them a copy of a reading the partitions hold) to
 * their partitions: a delta file each, or, for a partition that has gathered MAX_DELTAS
 * deltas already, one base file with its rows and the new ones.
 */
export async function appendSilverRows(duck: Duck, dataDir: string, table: string, stagingName: string): Promise<void> {
  const staging = await stagingDir(dataDir, stagingName);
  for (const { day, region } of await partitionsOf(duck, table)) {
    const dir = join(dayDir(dataDir, day), `region=${region}`);
    const files = await partitionFiles(dir);
    const written = join(staging, `${day}.${region}.parquet`);
    const compact = files.deltas >= MAX_DELTAS;
    const select = compact ? `SELECT * FROM (${rowsOf(table, day, region)} UNION ALL SELECT ${SILVER_FILE_COLUMNS.join(', ')} FROM read_parquet(${sqlList(files.live)}))` : rowsOf(table, day, region);
    await writeSorted(duck, select, written);
    await addPartitionFile(dir, written, compact || files.live.length === 0 ? 'base' : 'delta');
  }
  await rm(staging, { recursive: true, force: true });
}

/**
 * Takes out of `table` (new rows, deduplicated among themselves) the copies of readings that
 * silver of the same day holds already and that win by lineage (a re-delivered batch, a run
 * killed after it wrote its delta). Returns false when a new copy wins over one in silver:
 * first-copy-wins then needs the partition rewritten, and `table` is left as it was.
 */
export async function dropKnownCopies(duck: Duck, dataDir: string, table: string, days: readonly string[]): Promise<boolean> {
  const files = await silverFiles(dataDir, days);
  if (files.length === 0) return true;
  await duck.run(`CREATE OR REPLACE TEMP TABLE known_copies AS
    SELECT n.event_id, n.ts_ms,
      (s.lineage_kind, s.lineage_file, s.lineage_locator) <= (n.lineage_kind, n.lineage_file, n.lineage_locator) AS silver_wins
    FROM ${table} n JOIN (SELECT event_id, ts_ms, lineage_kind, lineage_file, lineage_locator FROM read_parquet(${sqlList(files)})) s
      ON s.event_id = n.event_id AND ${utcDay('s.ts_ms')} = ${utcDay('n.ts_ms')}`);
  const [outcome] = await duck.rows<{ lost: bigint }>('SELECT count(*) FILTER (WHERE NOT silver_wins) AS lost FROM known_copies');
  const appendable = Number(outcome?.lost ?? 0) === 0;
  if (appendable) await duck.run(`DELETE FROM ${table} t USING known_copies k WHERE t.event_id = k.event_id AND ${utcDay('t.ts_ms')} = ${utcDay('k.ts_ms')}`);
  await duck.run('DROP TABLE known_copies');
  return appendable;
}

/** Rows in all of silver, from the Parquet footers only. */
export async function silverRowCount(duck: Duck, dataDir: string): Promise<number> {
  const files = await silverFiles(dataDir, await silverDays(dataDir));
  if (files.length === 0) return 0;
  const [row] = await duck.rows<{ n: bigint | null }>(`SELECT sum(num_rows) AS n FROM (SELECT DISTINCT file_name, num_rows FROM parquet_file_metadata(${sqlList(files)}))`);
  return Number(row?.n ?? 0);
}
