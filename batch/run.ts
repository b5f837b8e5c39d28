// One batch run, incremental: find the input files that are new, changed or gone since the
// published views (the manifest), derive the dirty UTC days, read only the files that touch
// them, rebuild those days' silver partitions, compute those days' gold (plus the days the
// watermark moved over), and publish them by day with the watermark. `full` rebuilds
// everything from the master dataset and gives the same silver and gold.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool, RUNNING_SPEED_INSTANCE, type Logger, type Pool } from '../infra/index.ts';
import { absorbChanged, landingRelation, stageFiles, STAGED_COLUMNS, type Absorbed, type ReasonCount, type SourceStats } from './absorb.ts';
import { computeEpisodeViews, profileSource, trainDayModel, type EpisodeViews } from './episode-days.ts';
import { DEFAULT_FOR_READINGS, type AnomalyModel } from '../telemetry/index.ts';
import { openDuck, sqlString, type Duck } from './duck.ts';
import { STAGED_DDL } from './stage.ts';
import { diffInputs, loadManifest, type InputDiff } from './manifest.ts';
import { previousWatermark, publish } from './publish.ts';
import { appendSilverRows, dropKnownCopies, onDays, replaceSilverDays, silverAsStaged, silverDays, silverDir, silverRelation, silverRowCount, silverSql } from './silver.ts';
import { archiveFiles, historyFiles, type SourceFile, type UnreadableFile } from './sources.ts';
import { GOLD_TABLES, goldQueries, type GoldTable } from './views.ts';

export interface BatchOptions {
  dataDir: string;
  databaseUrl: string;
  schema: string;
  /** DuckDB memory limit, e.g. "2GB". */
  memoryLimit: string;
  /** Rebuild every day from the master dataset instead of only the dirty ones. */
  full?: boolean;
  /**
   * Days recomputed together (default 1): bounds memory whatever the history's length. At 10 M
   * rows a day at a time rebuilt silver in 41 s under 600 MB; seven at a time took 69 s and
   * 1.2 GB (the sort and the partition files of a week at once spill).
   */
  groupDays?: number;
  /** Rows staged at once, estimated from file sizes (default CHUNK_ROWS; an input of twice that or less is one chunk). */
  chunkRows?: number;
  /** Readings in a row past a threshold before an alert fires (PULSE_ALERT_FOR_READINGS), as in the speed layer. */
  alertForReadings?: number;
  /** Archive directories outside live_data/ to absorb as well (replay). */
  extraArchiveDirs?: readonly string[];
  legacyOffsetMinutes?: number;
  /** Called between phases (the CLI shows progress). */
  onPhase?: (phase: string) => void;
  /** The run's clock, epoch ms (default: now): what the watermark and the future-time rule are measured against. */
  now?: number;
  /** Test hook: runs after the new views are loaded, before they are published. */
  beforeSwap?: () => Promise<void>;
  logger?: Logger;
}

export type { SourceStats };
export interface BatchSummary {
  runId: string; watermark: Date; seconds: number; full: boolean; rowsRead: number; rowsValid: number; silverRows: number;
  deduplicated: number; quarantined: number; filesQuarantined: UnreadableFile[]; bySource: SourceStats[];
  byReason: ReasonCount[]; quarantineDir: string;
  /** Input files by what this run did with them, and the UTC days it recomputed. */
  inputs: { read: number; unchanged: number; gone: number; reread: number; dirtyDays: number; goldDays: number };
  /**
   * The alert and anomaly views: days stepped through the rules again (`resumed` of them on
   * from where the run before stopped), alert segments published for them, and the anomalous
   * readings this run found.
   */
  episodes: { days: number; resumed: number; segments: number; anomalyPoints: number; modelsTrained: number };
  /** The anomaly model published with the views (null when silver held nothing to learn from). */
  model: { version: number; trainingRows: number; hosts: number } | null;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Complete up to the start of the current minute, or of the earliest hour an archive file is
 * still being written for (while the speed layer runs, that is the current hour). Before the
 * speed layer has run, history generated up to now is covered up to now.
 */
export function computeWatermark(now: number, inProgressHours: readonly number[], previous: number | null): number {
  const candidate = Math.min(Math.floor(now / MINUTE) * MINUTE, ...inProgressHours);
  return Math.max(candidate, previous ?? Number.NEGATIVE_INFINITY);
}

const runIdOf = (started: number) => `batch_run_${new Date(started).toISOString().replace(/[:.]/g, '-')}`;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(fromMs / DAY) * DAY; t < toMs; t += DAY) days.push(isoDay(t));
  return days;
}

function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

async function discover(options: BatchOptions, pool: Pool) {
  const history = await historyFiles(join(options.dataDir, 'historical'));
  const extra = await pool.query<{ path: string }>('SELECT path FROM batch_archive_dirs ORDER BY path');
  const archives = await archiveFiles([...new Set([join(options.dataDir, 'live_data'), ...extra.rows.map((r) => r.path), ...(options.extraArchiveDirs ?? [])])]);
  // A running speed layer is still archiving the current hour, also between two files of it
  // (a file rolls, the next one starts with the next write): that hour is in progress too.
  const running = await pool.query(`SELECT 1 FROM speed_status WHERE ${RUNNING_SPEED_INSTANCE} LIMIT 1`);
  const currentHour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const inProgressHours = running.rowCount ? [...archives.inProgressHours, currentHour] : archives.inProgressHours;
  return { files: [...history.files, ...archives.complete], unsupported: history.unsupported, inProgressHours };
}

/** The days whose silver must be rebuilt: where new or changed files' rows fall, and where changed or gone files' rows fell. */
function dirtyDaysOf(diff: InputDiff, readDays: Iterable<string>, manifestDays: (path: string) => readonly string[]): Set<string> {
  const dirty = new Set(readDays);
  for (const c of diff.changed) for (const d of manifestDays(c.file.path)) dirty.add(d);
  for (const g of diff.gone) for (const d of g.days) dirty.add(d);
  return dirty;
}

/** Where a rebuilt day's other rows come from: its current silver, or its unchanged input files. */
type SilverSource = { merge: true } | { merge: false; unchanged: SourceFile[] };

/**
 * Merges the rows landed this run into the silver of `days` (only new files touched them):
 * deduplicated among themselves and against silver (first copy wins), they are added as
 * delta files, so the run writes its new rows, not the days again. When a new copy wins
 * over one in silver, the days are rewritten from their silver and the new rows instead.
 */
async function mergeSilver(duck: Duck, options: BatchOptions, days: string[], absorbed: Absorbed, workDir: string, now: number,
  withSilver: (table: string) => Promise<void>): Promise<{ input: number; kept: number }> {
  const landed = landingRelation(absorbed, days);
  const counts = { input: 0, kept: 0 };
  if (landed) {
    const [before] = await duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${landed}`);
    await duck.run(silverSql(landed, 'silver_new'));
    if (!(await dropKnownCopies(duck, options.dataDir, 'silver_new', days))) {
      await duck.run('DROP TABLE silver_new');
      return rebuildSilver(duck, options, days, absorbed, { merge: true }, workDir, now, withSilver);
    }
    const [after] = await duck.rows<{ n: bigint }>('SELECT count(*) AS n FROM silver_new');
    await appendSilverRows(duck, options.dataDir, 'silver_new', `staging-${days[0]}`);
    await duck.run('DROP TABLE silver_new');
    Object.assign(counts, { input: Number(before?.n ?? 0), kept: Number(after?.n ?? 0) });
  }
  const silver = await silverRelation(options.dataDir, days);
  if (silver) await withSilver(silver); // gold of these days, from all their files
  return counts;
}

/**
 * Rebuilds the silver of `days` from the rows landed this run plus either the days' current
 * silver (`merge`: only new files touched them, and first-copy-wins deduplication merges)
 * or the unchanged input files that touch them (a file changed or went away).
 */
async function rebuildSilver(duck: Duck, options: BatchOptions, days: string[], absorbed: Absorbed, from: SilverSource,
  workDir: string, now: number, withSilver: (table: string) => Promise<void>): Promise<{ input: number; kept: number }> {
  // Unchanged files that touch these days are staged again (an empty `staged` when none are needed).
  if (!from.merge && from.unchanged.length > 0) await stageFiles(duck, from.unchanged, workDir, { now, legacyOffsetMinutes: options.legacyOffsetMinutes ?? 0 });
  else await duck.run(STAGED_DDL);
  const parts = [`SELECT ${STAGED_COLUMNS} FROM staged WHERE reason IS NULL AND ${onDays(days)}`];
  const current = from.merge ? await silverAsStaged(options.dataDir, days) : null;
  if (current) parts.push(`SELECT * FROM ${current}`);
  const landed = landingRelation(absorbed, days);
  if (landed) parts.push(`SELECT * FROM ${landed}`);
  const input = `(${parts.join(' UNION ALL ')})`;
  // Rows already in silver are not counted as read again: `input` counts this run's candidates.
  const [before] = await duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${input}`);
  const [existing] = current ? await duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${current}`) : [{ n: 0n }];
  await duck.run(silverSql(input, 'silver_group'));
  const [after] = await duck.rows<{ n: bigint }>('SELECT count(*) AS n FROM silver_group');
  await replaceSilverDays(duck, options.dataDir, 'silver_group', days, `staging-${days[0]}`);
  await withSilver('silver_group'); // gold of these days, from the rows in memory
  await duck.run('DROP TABLE silver_group; DROP TABLE staged');
  return { input: Number(before?.n ?? 0) - Number(existing?.n ?? 0), kept: Number(after?.n ?? 0) - Number(existing?.n ?? 0) };
}

async function writeGold(duck: Duck, silver: string, watermark: number, workDir: string, files: Record<GoldTable, string[]>): Promise<void> {
  const queries = goldQueries(watermark, silver);
  for (const table of GOLD_TABLES) {
    const file = join(workDir, `${table}.${files[table].length}.csv`);
    await duck.run(`COPY (${queries[table]}) TO ${sqlString(file)} (FORMAT csv, HEADER false)`);
    files[table].push(file);
  }
}

interface RunContext {
  options: BatchOptions; runId: string; started: number; work: string; duck: Duck; pool: Pool;
  phase: (name: string) => void;
}

/** Finds what changed since the published views, reads the new and changed files, and quarantines what they refuse. */
async function absorbInputs(ctx: RunContext) {
  const { options, pool } = ctx;
  ctx.phase('discovering sources');
  const found = await discover(options, pool);
  const manifest = await loadManifest(pool);
  const full = options.full === true || manifest.size === 0;
  const diff = await diffInputs(found.files, manifest, full);
  const quarantineDir = join(options.dataDir, 'quarantine', ctx.runId);
  await mkdir(quarantineDir, { recursive: true });
  await writeFile(join(quarantineDir, 'rows.jsonl'), '');
  await rm(join(silverDir(options.dataDir), 'readings.parquet'), { force: true }); // silver of Pulse ≤ 0.1 was one file
  const absorbed = await absorbChanged(ctx.duck, diff.changed, { work: ctx.work, landing: join(ctx.work, 'landing'), quarantineRows: join(quarantineDir, 'rows.jsonl') },
    { now: ctx.started, legacyOffsetMinutes: options.legacyOffsetMinutes ?? 0 }, ctx.phase, options.chunkRows);
  const unreadable = [...found.unsupported, ...absorbed.unreadable];
  await writeFile(join(quarantineDir, 'files.jsonl'), unreadable.map((f) => `${JSON.stringify(f)}\n`).join(''));
  return { found, manifest, full, diff, absorbed, unreadable, quarantineDir };
}

type Absorption = Awaited<ReturnType<typeof absorbInputs>>;

/**
 * Which days to rebuild and how: a day only new files touched merges them into its silver;
 * a day a changed or deleted file touched is recomputed from its inputs. Gold is recomputed
 * for the dirty days and for the days the watermark moved over.
 */
async function planDays(ctx: RunContext, run: Absorption, previous: number | null, watermark: number) {
  const { full, diff, manifest, absorbed } = run;
  const dirty = dirtyDaysOf(diff, absorbed.records.flatMap((r) => r.days), (path) => (full ? [] : manifest.get(path)?.days ?? []));
  const existing = await silverDays(ctx.options.dataDir);
  if (full) for (const day of existing) dirty.add(day); // days that no input holds any more
  const dirtyDays = [...dirty].sort();
  const known = [...new Set([...existing, ...dirtyDays])].sort();
  const moved = previous === null ? known : daysBetween(previous, watermark).filter((d) => known.includes(d));
  const goldDays = [...new Set([...dirtyDays, ...moved])].sort();
  const readDays = new Map(absorbed.records.map((r) => [r.path, r.days]));
  const modified = diff.changed.filter((c) => manifest.has(c.file.path));
  const recompute = new Set(full ? dirtyDays : [
    ...modified.flatMap((c) => [...(manifest.get(c.file.path)?.days ?? []), ...(readDays.get(c.file.path) ?? [])]),
    ...diff.gone.flatMap((g) => g.days),
  ]);
  return { dirtyDays, goldDays, recompute };
}

/** Rebuilds the silver of the dirty days, then gold for them (from memory) and for the other gold days (from silver). */
async function rebuildDays(ctx: RunContext, run: Absorption, plan: Awaited<ReturnType<typeof planDays>>, watermark: number) {
  const { options, duck, work } = ctx;
  const files = Object.fromEntries(GOLD_TABLES.map((t) => [t, [] as string[]])) as Record<GoldTable, string[]>;
  let deduplicated = 0;
  let reread = 0;
  const rebuild = async (days: string[], from: SilverSource, label: string) => {
    ctx.phase(`rebuilding silver of ${days[0]}…${days.at(-1)} (${label})`);
    const gold = (table: string) => writeGold(duck, table, watermark, work, files);
    const counts = from.merge ? await mergeSilver(duck, options, days, run.absorbed, work, ctx.started, gold)
      : await rebuildSilver(duck, options, days, run.absorbed, from, work, ctx.started, gold);
    deduplicated += counts.input - counts.kept;
  };
  const groupDays = options.groupDays ?? 1;
  for (const days of groupsOf(plan.dirtyDays.filter((d) => !plan.recompute.has(d)), groupDays)) await rebuild(days, { merge: true }, 'new files merged');
  for (const days of groupsOf(plan.dirtyDays.filter((d) => plan.recompute.has(d)), groupDays)) {
    const wanted = new Set(days);
    const unchanged = run.diff.unchanged.filter((u) => u.record.days.some((d) => wanted.has(d))).map((u) => u.file);
    reread += unchanged.length;
    await rebuild(days, { merge: false, unchanged }, 'recomputed from inputs');
  }
  ctx.phase('computing gold views');
  const dirty = new Set(plan.dirtyDays);
  for (const days of groupsOf(plan.goldDays.filter((d) => !dirty.has(d)), groupDays)) {
    const silver = await silverRelation(options.dataDir, days);
    if (silver) await writeGold(duck, silver, watermark, work, files);
  }
  return { files, deduplicated, reread };
}

/**
 * The model the speed layer scores with: the walk-forward model of the watermark's day
 * (trained on the 7 days before it), so live readings are scored by the model the batch
 * layer scores that day's history with. Published when it was trained again this run, or
 * when none is published yet; else null (the published one stays).
 */
async function speedModel(ctx: RunContext, episodes: EpisodeViews, watermark: number, changed: { full: boolean }): Promise<AnomalyModel | null> {
  const day = isoDay(watermark);
  if (episodes.modelDays.includes(day)) return episodes.lastModel?.day === day ? episodes.lastModel.model : null;
  // The watermark's day holds no silver yet, so nothing of it is scored in the batch views:
  // the published model stays until that day has readings, unless there is none or the run is full.
  if (!changed.full && (await ctx.pool.query('SELECT 1 FROM anomaly_models LIMIT 1')).rowCount !== 0) return null;
  ctx.phase('training the anomaly model');
  const profiles = profileSource({ duck: ctx.duck, pool: ctx.pool, dataDir: ctx.options.dataDir, watermark }, episodes.profiles, episodes.unprofiled);
  return trainDayModel(ctx.duck, ctx.options.dataDir, await silverDays(ctx.options.dataDir), day, profiles);
}

/**
 * After silver is rebuilt, the rows read this run are no longer needed, and the alert and
 * anomaly views read a day at a time: the landed rows are dropped and DuckDB is held to a
 * quarter of its limit (at least 128 MB), so its buffers are given back while the rules run
 * in JavaScript. Peak memory is then the larger of the two phases, not their sum.
 */
async function releaseReadingMemory(duck: Duck, memoryLimit: string): Promise<void> {
  await duck.run('DROP TABLE IF EXISTS landed');
  const bytes = parseSize(memoryLimit);
  if (bytes !== null) await duck.run(`SET memory_limit = '${Math.max(128, Math.floor(bytes / 4 / 2 ** 20))}MB'`);
}

const UNITS: Record<string, number> = { KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };
/** Bytes of a size such as "700MB" or "2 GiB" (the forms PULSE_BATCH_MEMORY accepts); null for any other text. */
function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]I?B)$/i.exec(text.trim());
  const unit = match ? UNITS[(match[2] as string).toUpperCase()] : undefined;
  return match && unit ? Number(match[1]) * unit : null;
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const started = options.now ?? Date.now();
  const clockStart = Date.now(); // the run's duration is wall time, whatever its clock says
  const runId = runIdOf(started);
  const phase = (name: string) => {
    options.onPhase?.(name);
    options.logger?.info({ runId, phase: name }, 'batch phase');
  };
  const work = join(options.dataDir, 'batch', runId);
  // At LOG_LEVEL=debug every DuckDB statement is logged with its milliseconds: where a run spends its time.
  const trace = options.logger?.isLevelEnabled('debug') ? (sql: string, ms: number) => options.logger?.debug({ runId, ms: Math.round(ms), sql: sql.replace(/\s+/g, ' ').slice(0, 300) }, 'duckdb statement') : undefined;
  const duck = await openDuck({ memoryLimit: options.memoryLimit, tempDirectory: join(work, 'spill'), ...(trace ? { trace } : {}) });
  const pool = createPool({ databaseUrl: options.databaseUrl, schema: options.schema, applicationName: 'pulse-batch', max: 2, ...(options.logger ? { logger: options.logger } : {}) });
  const ctx: RunContext = { options, runId, started, work, duck, pool, phase };
  try {
    const run = await absorbInputs(ctx);
    const previous = (await previousWatermark(pool))?.getTime() ?? null;
    const watermark = computeWatermark(started, run.found.inProgressHours, previous);
    const plan = await planDays(ctx, run, previous, watermark);
    const rebuilt = await rebuildDays(ctx, run, plan, watermark);
    await releaseReadingMemory(duck, options.memoryLimit);
    const episodes = await computeEpisodeViews({
      duck, pool, dataDir: options.dataDir, watermark, previousWatermark: previous, forReadings: options.alertForReadings ?? DEFAULT_FOR_READINGS, full: run.full,
      silverDays: await silverDays(options.dataDir), dirtyDays: plan.dirtyDays, goldDays: plan.goldDays, spoolDir: join(work, 'episodes'), phase,
    });
    const model = await speedModel(ctx, episodes, watermark, { full: run.full });
    const { absorbed, diff } = run;
    const rowsRead = absorbed.bySource.reduce((sum, s) => sum + s.read, 0);
    const quarantined = absorbed.bySource.reduce((sum, s) => sum + s.quarantined, 0);
    const summary: BatchSummary = {
      runId, watermark: new Date(watermark), seconds: 0, full: run.full, rowsRead, rowsValid: rowsRead - quarantined, silverRows: await silverRowCount(duck, options.dataDir),
      deduplicated: rebuilt.deduplicated, quarantined, filesQuarantined: run.unreadable, bySource: absorbed.bySource, byReason: absorbed.byReason, quarantineDir: run.quarantineDir, model: null,
      episodes: { days: episodes.spool.counts.carries, resumed: episodes.resumed.length, segments: episodes.spool.counts.segments, anomalyPoints: episodes.spool.counts.points, modelsTrained: episodes.spool.counts.models },
      inputs: { read: absorbed.records.length, unchanged: diff.unchanged.length, gone: diff.gone.length, reread: rebuilt.reread, dirtyDays: plan.dirtyDays.length, goldDays: plan.goldDays.length },
    };
    // Publishing needs no DuckDB: closing it first gives its memory back before the gold and episode views are loaded.
    duck.close();
    phase('publishing to PostgreSQL');
    summary.seconds = (Date.now() - clockStart) / 1000;
    const published = await publish(pool, rebuilt.files, {
      runId, startedAt: new Date(started), finishedAt: new Date(), watermark: summary.watermark, rowsRead,
      rowsKept: summary.silverRows, rowsQuarantined: quarantined, rowsDeduplicated: rebuilt.deduplicated, filesQuarantined: run.unreadable.length,
      sources: absorbed.bySource, reasons: absorbed.byReason, seconds: summary.seconds, model,
    }, { days: run.full ? 'all' : plan.goldDays, diff, read: absorbed.records, episodes }, options.beforeSwap);
    if (model && published.modelVersion !== null) {
      summary.model = { version: published.modelVersion, trainingRows: model.trainingRows, hosts: Object.keys(model.hosts).length };
    }
    summary.seconds = (Date.now() - clockStart) / 1000;
    return summary;
  } finally {
    duck.close();
    await pool.end();
    await rm(work, { recursive: true, force: true });
  }
}
