// Silver as a Hive-partitioned Parquet dataset: silver/date=YYYY-MM-DD/region=R/readings.parquet
// (zstd). The partition columns live in the path only, as Spark and Trino expect, so any
// engine reads it with partition pruning. A partition is one file, written aside and renamed
// into place: a reader or a crash sees the old file or the new one, never half of one.

import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { METRICS, PulseError } from '../telemetry/index.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';

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
const PARTITION_FILE = 'readings.parquet';
/** The order of rows inside a partition file (the stepping order of the alert and anomaly views). */
export const SILVER_ORDER = 'host_id, ts_ms, event_id';
const REGION_DIR = /^region=([a-z][a-z0-9_-]{0,31})$/;

export const silverDir = (dataDir: string) => join(dataDir, 'silver');
const dayDir = (dataDir: string, day: string) => join(silverDir(dataDir), `date=${day}`);

/** The UTC day of an epoch-ms column, as DuckDB's DATE. */
export const utcDay = (column = 'ts_ms') => `CAST(epoch_ms(${column}) AS DATE)`;

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

/** The partition files of the given days that exist now. */
export async function silverFiles(dataDir: string, days: Iterable<string>): Promise<string[]> {
  const files: string[] = [];
  for (const day of days) {
    const regions = await readdir(dayDir(dataDir, day)).catch(() => [] as string[]);
    for (const region of regions.filter((r) => REGION_DIR.test(r)).sort()) files.push(join(dayDir(dataDir, day), region, PARTITION_FILE));
  }
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

/**
 * Writes `table` (silver rows of exactly `days`) as those days' partitions: each (day,
 * region) file is written aside sorted by host and time, then renamed over the old one; a
 * region that no longer has rows on a recomputed day loses its partition. Sorted files let
 * the alert and anomaly views stream a day host by host without sorting it again, and give
 * other engines row-group statistics to skip hosts by. (A partitioned COPY would write
 * threads' sorted runs one after another, so each file is a COPY of its own.)
 */
export async function replaceSilverDays(duck: Duck, dataDir: string, table: string, days: readonly string[], stagingName: string): Promise<void> {
  const staging = join(silverDir(dataDir), `.${stagingName}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const present = await duck.rows<{ day: string; region: string }>(`SELECT DISTINCT strftime(${utcDay()}, '%Y-%m-%d') AS day, region FROM ${table} ORDER BY 1, 2`);
  for (const { day, region } of present) {
    if (!REGION_DIR.test(`region=${region}`)) throw new PulseError('BATCH_INVARIANT', `silver region ${JSON.stringify(region)} is not a partition name`);
    await duck.run(`COPY (SELECT ${SILVER_FILE_COLUMNS.join(', ')} FROM ${table} WHERE region = ${sqlString(region)} AND ${utcDay()} = DATE ${sqlString(day)}
      ORDER BY ${SILVER_ORDER}) TO ${sqlString(join(staging, `${day}.${region}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
  }
  for (const day of days) {
    const keep = new Set(present.filter((p) => p.day === day).map((p) => p.region));
    for (const region of [...keep].sort()) {
      const dir = join(dayDir(dataDir, day), `region=${region}`);
      await mkdir(dir, { recursive: true });
      await rename(join(staging, `${day}.${region}.parquet`), join(dir, PARTITION_FILE));
    }
    const existing = await readdir(dayDir(dataDir, day)).catch(() => [] as string[]);
    for (const entry of existing) {
      const region = REGION_DIR.exec(entry)?.[1];
      if (region !== undefined && !keep.has(region)) await rm(join(dayDir(dataDir, day), entry), { recursive: true, force: true });
    }
    if (keep.size === 0) await rm(dayDir(dataDir, day), { recursive: true, force: true });
  }
  await rm(staging, { recursive: true, force: true });
}

/** Rows in all of silver, from the Parquet footers only. */
export async function silverRowCount(duck: Duck, dataDir: string): Promise<number> {
  const files = await silverFiles(dataDir, await silverDays(dataDir));
  if (files.length === 0) return 0;
  const [row] = await duck.rows<{ n: bigint | null }>(`SELECT sum(num_rows) AS n FROM (SELECT DISTINCT file_name, num_rows FROM parquet_file_metadata(${sqlList(files)}))`);
  return Number(row?.n ?? 0);
}
