// One batch run: discover and probe the master dataset, stage and normalize it in DuckDB,
// quarantine what fails, deduplicate into silver, compute gold up to the watermark, write
// silver to Parquet and publish gold to PostgreSQL atomically.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPool, type Logger } from '../infra/index.ts';
import { trainAnomalyModel } from './anomaly-training.ts';
import { openDuck, sqlString, type Duck } from './duck.ts';
import { previousWatermark, publish } from './publish.ts';
import { archiveFiles, historyFiles, probeFile, type ProbedFile, type UnreadableFile } from './sources.ts';
import { stageSources } from './stage.ts';
import { GOLD_TABLES, goldQueries, SILVER_SQL, type GoldTable } from './views.ts';

export interface BatchOptions {
  dataDir: string;
  databaseUrl: string;
  schema: string;
  /** DuckDB memory limit, e.g. "2GB" (default 60 % of RAM as DuckDB decides when unset). */
  memoryLimit: string;
  /** Archive directories outside live_data/ to absorb as well (replay). */
  extraArchiveDirs?: readonly string[];
  legacyOffsetMinutes?: number;
  /** Called between phases (the CLI shows progress). */
  onPhase?: (phase: string) => void;
  /** Test hook: runs after the new views are loaded, before they are swapped in. */
  beforeSwap?: () => Promise<void>;
  logger?: Logger;
}

export interface SourceStats { kind: string; files: number; read: number; kept: number; quarantined: number }
export interface BatchSummary {
  runId: string; watermark: Date; seconds: number; rowsRead: number; rowsValid: number; silverRows: number;
  deduplicated: number; quarantined: number; filesQuarantined: UnreadableFile[]; bySource: SourceStats[];
  byReason: { kind: string; reason: string; rows: number }[]; quarantineDir: string;
  /** The anomaly model published with the views (null when silver held nothing to learn from). */
  model: { version: number; trainingRows: number; hosts: number } | null;
}

const HOUR = 3_600_000;

/** Complete up to the start of the current hour, or of the earliest hour an archive file is still being written for. */
export function computeWatermark(now: number, inProgressHours: readonly number[], previous: number | null): number {
  const candidate = Math.min(Math.floor(now / HOUR) * HOUR, ...inProgressHours);
  return Math.max(candidate, previous ?? Number.NEGATIVE_INFINITY);
}

function runIdOf(started: number): string {
  return `batch_run_${new Date(started).toISOString().replace(/[:.]/g, '-')}`;
}

async function sourceStats(duck: Duck): Promise<{ bySource: SourceStats[]; byReason: BatchSummary['byReason'] }> {
  const bySource = await duck.rows<SourceStats>(`SELECT source_kind AS kind, count(DISTINCT source_file)::INTEGER AS files, count(*)::BIGINT AS read,
    count(*) FILTER (WHERE reason IS NULL)::BIGINT AS kept, count(*) FILTER (WHERE reason IS NOT NULL)::BIGINT AS quarantined
    FROM staged GROUP BY 1 ORDER BY 1`);
  const byReason = await duck.rows<{ kind: string; reason: string; rows: number }>(`SELECT source_kind AS kind, reason, count(*)::BIGINT AS rows
    FROM staged WHERE reason IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`);
  const num = (v: unknown) => Number(v);
  return {
    bySource: bySource.map((s) => ({ kind: s.kind, files: num(s.files), read: num(s.read), kept: num(s.kept), quarantined: num(s.quarantined) })),
    byReason: byReason.map((r) => ({ ...r, rows: num(r.rows) })),
  };
}

async function writeQuarantine(duck: Duck, dir: string, unreadable: UnreadableFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await duck.run(`COPY (SELECT source_kind, source_file, locator, reason, reason_field, raw FROM staged WHERE reason IS NOT NULL ORDER BY source_file, locator)
    TO ${sqlString(join(dir, 'rows.jsonl'))} (FORMAT json)`);
  await writeFile(join(dir, 'files.jsonl'), unreadable.map((f) => `${JSON.stringify(f)}\n`).join(''));
}

async function writeSilver(duck: Duck, dataDir: string): Promise<void> {
  const dir = join(dataDir, 'silver');
  await mkdir(dir, { recursive: true });
  const partial = join(dir, '.readings.parquet.partial');
  await duck.run(`COPY silver TO ${sqlString(partial)} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(partial, join(dir, 'readings.parquet'));
}

export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const started = Date.now();
  const runId = runIdOf(started);
  const phase = (name: string) => {
    options.onPhase?.(name);
    options.logger?.info({ runId, phase: name }, 'batch phase');
  };
  const work = join(options.dataDir, 'batch', runId);
  const duck = await openDuck({ memoryLimit: options.memoryLimit, tempDirectory: join(work, 'spill') });
  const pool = createPool({ databaseUrl: options.databaseUrl, schema: options.schema, applicationName: 'pulse-batch', max: 2, ...(options.logger ? { logger: options.logger } : {}) });
  try {
    phase('discovering sources');
    const history = await historyFiles(join(options.dataDir, 'historical'));
    const extra = await pool.query<{ path: string }>('SELECT path FROM batch_archive_dirs ORDER BY path');
    const archiveDirs = [join(options.dataDir, 'live_data'), ...extra.rows.map((r) => r.path), ...(options.extraArchiveDirs ?? [])];
    const archives = await archiveFiles([...new Set(archiveDirs)]);
    const probes = await Promise.all(history.map((f) => probeFile(duck, f)));
    const probed = probes.filter((p): p is ProbedFile => 'schema' in p);
    const unreadable = probes.filter((p): p is UnreadableFile => !('schema' in p));

    unreadable.push(...(await stageSources(duck, { probed, archives: archives.complete, now: started, legacyOffsetMinutes: options.legacyOffsetMinutes ?? 0 }, phase)));
    phase('deduplicating into silver');
    await duck.run(SILVER_SQL);
    const { bySource, byReason } = await sourceStats(duck);
    const [counts] = await duck.rows<{ valid: bigint; silver: bigint; rejected: bigint }>(`SELECT count(*) FILTER (WHERE reason IS NULL) AS valid,
      (SELECT count(*) FROM silver) AS silver, count(*) FILTER (WHERE reason IS NOT NULL) AS rejected FROM staged`);
    const quarantineDir = join(options.dataDir, 'quarantine', runId);
    phase('writing quarantine and silver');
    await writeQuarantine(duck, quarantineDir, unreadable);
    await writeSilver(duck, options.dataDir);

    const watermark = computeWatermark(started, archives.inProgressHours, (await previousWatermark(pool))?.getTime() ?? null);
    phase('computing gold views');
    const files = {} as Record<GoldTable, string>;
    const queries = goldQueries(watermark);
    for (const table of GOLD_TABLES) {
      files[table] = join(work, `${table}.csv`);
      await duck.run(`COPY (${queries[table]}) TO ${sqlString(files[table])} (FORMAT csv, HEADER false)`);
    }
    phase('training the anomaly model');
    const model = await trainAnomalyModel(duck, { before: watermark });
    const rowsValid = Number(counts?.valid ?? 0);
    const silverRows = Number(counts?.silver ?? 0);
    const quarantined = Number(counts?.rejected ?? 0);
    const summary: BatchSummary = {
      runId, watermark: new Date(watermark), seconds: 0, rowsRead: rowsValid + quarantined, rowsValid, silverRows,
      deduplicated: rowsValid - silverRows, quarantined, filesQuarantined: unreadable, bySource, byReason, quarantineDir, model: null,
    };
    phase('publishing to PostgreSQL');
    summary.seconds = (Date.now() - started) / 1000;
    const published = await publish(pool, files, {
      runId, startedAt: new Date(started), finishedAt: new Date(), watermark: summary.watermark, rowsRead: summary.rowsRead,
      rowsKept: silverRows, rowsQuarantined: quarantined, rowsDeduplicated: summary.deduplicated, filesQuarantined: unreadable.length,
      sources: bySource, reasons: byReason, seconds: summary.seconds, model,
    }, options.beforeSwap);
    if (model && published.modelVersion !== null) {
      summary.model = { version: published.modelVersion, trainingRows: model.trainingRows, hosts: Object.keys(model.hosts).length };
    }
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  } finally {
    duck.close();
    await pool.end();
    await rm(work, { recursive: true, force: true });
  }
}
