// `pulse batch` and `pulse replay`: recompute the batch views from the master dataset.

import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger, createPool, prepareSchema, type Config, type Logger } from '../../infra/index.ts';
import { closeOnSignal } from '../lifecycle.ts';
import type { ConfigSource } from '../config-source.ts';
import { duration } from '../options.ts';

function printSummary(summary: import('../../batch/index.ts').BatchSummary): void {
  const rows = summary.bySource.map((s) => [s.kind, String(s.files), String(s.read), String(s.kept), String(s.quarantined)]);
  const table = [['source', 'files', 'rows read', 'valid', 'quarantined'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  if (rows.length === 0) console.log('no new or changed input files');
  else for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  for (const r of summary.byReason) console.log(`  quarantined ${r.kind} rows, ${r.reason}: ${r.rows}`);
  for (const f of summary.filesQuarantined) console.log(`  quarantined file ${f.path}: ${f.reason} (${f.detail.slice(0, 120)})`);
  if (summary.model) console.log(`  anomaly model v${summary.model.version}: ${summary.model.hosts} hosts, trained on ${summary.model.trainingRows} readings`);
  const i = summary.inputs;
  console.log(`  ${summary.full ? 'full run' : 'incremental run'}: ${i.read} files read, ${i.unchanged} unchanged (${i.reread} of them read again for their days), ${i.gone} gone; ${i.dirtyDays} dirty day(s) in silver, ${i.goldDays} day(s) of gold published`);
  const e = summary.episodes;
  if (e.days > 0) console.log(`  alerts and anomalies: ${e.days} day(s) stepped through the rules${e.resumed > 0 ? ` (${e.resumed} on from where the last run stopped)` : ''}, ${e.segments} alert segment(s), ${e.anomalyPoints} anomalous reading(s), ${e.modelsTrained} day model(s) trained`);
  console.log(`batch ${summary.runId}: ${summary.silverRows} readings in silver (${summary.deduplicated} duplicates removed, ${summary.quarantined} rows quarantined to ${summary.quarantineDir}); watermark ${summary.watermark.toISOString()}; ${summary.seconds.toFixed(1)} s`);
}

async function prepare(config: Config, logger: Logger): Promise<void> {
  await prepareSchema(config.databaseUrl, config.dbSchema, logger);
}

async function runOnce(config: Config, logger: Logger, extraArchiveDirs: string[] = [], full = false) {
  const { runBatch } = await import('../../batch/index.ts');
  const summary = await runBatch({
    dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.dbSchema, memoryLimit: config.batch.memoryLimit,
    alertForReadings: config.speed.alertForReadings, extraArchiveDirs, logger, full, onPhase: (phase) => process.stderr.isTTY && process.stderr.write(`\r\x1b[K${phase}…`),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  printSummary(summary);
  return summary;
}

export function registerBatchCommands(program: Command, getConfig: ConfigSource): void {
  registerBatch(program, getConfig);
  registerReplay(program, getConfig);
}

function registerBatch(program: Command, getConfig: ConfigSource): void {
  program.command('batch')
    .description('absorb what changed in the master dataset (history files, complete cold archives) into the batch views (DuckDB) and publish them to PostgreSQL with a new watermark')
    .option('--once', 'run once and exit (the default)')
    .option('--every <duration>', 'run on a schedule, e.g. 15m', duration)
    .option('--full', 'rebuild every day from the master dataset instead of only the days new, changed or deleted files touch')
    .addHelpText('after', BATCH_HELP)
    .action(async (flags: { once?: boolean; every?: number; full?: boolean }) => {
      const config = getConfig();
      const logger = createLogger('batch', config.logLevel);
      await prepare(config, logger);
      if (!flags.every || flags.once) await runOnce(config, logger, [], flags.full === true);
      else await runEvery(flags.every, config, logger);
    });
}

/** A run every `intervalMs` until a signal; a failed run is logged and the next one comes on time. */
async function runEvery(intervalMs: number, config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  let wake: () => void = () => undefined;
  closeOnSignal(async () => {
    stopping = true;
    wake();
  }, logger);
  while (!stopping) {
    await runOnce(config, logger).catch((error: unknown) => logger.error({ err: error }, 'batch run failed; the previous views stay published'));
    await new Promise<void>((resolveWait) => {
      wake = resolveWait;
      setTimeout(resolveWait, intervalMs);
    });
  }
}

function registerReplay(program: Command, getConfig: ConfigSource): void {
  program.command('replay')
    .argument('[dirs...]', 'cold-archive directories (stream_run_… or any folder of archive files); default: everything under $PULSE_DATA_DIR/live_data')
    .description('absorb cold archives the speed layer wrote into the batch views and publish; absorbing the same archive twice changes nothing')
    .action(async (dirs: string[]) => {
      const config = getConfig();
      const logger = createLogger('replay', config.logLevel);
      await prepare(config, logger);
      const absolute = dirs.map((d) => (isAbsolute(d) ? d : resolve(d)));
      const outside = absolute.filter((d) => !d.startsWith(resolve(config.dataDir, 'live_data')));
      if (outside.length > 0) {
        const pool = createPool({ databaseUrl: config.databaseUrl, schema: config.dbSchema, max: 1, logger });
        await pool.query('INSERT INTO batch_archive_dirs (path) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [outside]).finally(() => pool.end());
      }
      await runOnce(config, logger, absolute);
    });
}

const BATCH_HELP = `
Incremental runs: the batch layer records every input file it absorbed (path, size, mtime,
SHA-256, the UTC days its rows fall in). A run reads only files that are new or changed,
plus the unchanged files that share a day with them, and rebuilds just those days (and the
days the watermark moved over); --full recomputes everything and gives the same result.

Alerts and anomalies are batch views too: each recomputed day's silver is streamed, host by
host in time order, through the speed layer's own rules (PULSE_ALERT_FOR_READINGS), from
the state the day before ended in, and scored by the model trained on the 7 days before it.

Silver is a Hive-partitioned Parquet dataset, $PULSE_DATA_DIR/silver/date=YYYY-MM-DD/region=R/
base-N.parquet plus the delta-N.parquet files later runs added (zstd; region and date are in
the path only): a run that only adds rows writes them as a delta instead of the day again.
Another engine reads it with partition pruning, e.g. DuckDB: SELECT * FROM read_parquet('silver/*/*/*.parquet', hive_partitioning = true)
or Spark: spark.read.parquet("silver"). History files may be CSV, JSON lines (.jsonl/.json),
a JSON array (.json), Parquet, or any of them gzipped (.gz), in folders of any name; other
files are reported as unsupported_format.`;
