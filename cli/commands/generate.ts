// `pulse generate history|live`: the fleet's history files and its live Kafka stream.

import { join } from 'node:path';
import type { Command } from 'commander';
import { HISTORY_REGIONS, type HistoryRegion } from '../../telemetry/index.ts';
import { writeHistory } from '../../generator/index.ts';
import type { ConfigSource } from '../main.ts';
import { integer, nonNegativeNumber, positiveInt, regionList, todayUtc, utcDay } from '../options.ts';
import { progressBar } from '../progress.ts';

interface HistoryFlags {
  out?: string; serversPerRegion: number; days: number; interval: number; seed: number;
  regions: HistoryRegion[]; end?: number; incidentRate: number;
}

export function registerGenerateCommands(program: Command, getConfig: ConfigSource): void {
  const generate = program.command('generate').description('produce the fleet\'s telemetry: history files, or a live stream to Kafka');

  generate.command('history')
    .description('write history in each region\'s native format (India CSV, USA JSON lines, Germany Parquet), one file per region, UTC day and schema version, plus labels.jsonl; the same options give byte-identical files')
    .option('--out <dir>', 'output directory (default: $PULSE_DATA_DIR/historical)')
    .option('--servers-per-region <n>', 'hosts in each region', positiveInt, 50)
    .option('--days <d>', 'days of history, ending at --end', positiveInt, 7)
    .option('--interval <seconds>', 'seconds between a host\'s readings (must divide 86400)', positiveInt, 60)
    .option('--seed <s>', 'random seed', integer, 42)
    .option('--regions <list>', 'comma-separated regions', regionList, [...HISTORY_REGIONS])
    .option('--end <YYYY-MM-DD>', 'UTC day the history ends at (exclusive; default: today)', utcDay)
    .option('--incident-rate <r>', 'expected labeled incidents per host per day', nonNegativeNumber, 0.25)
    .action(async (flags: HistoryFlags) => {
      const outDir = flags.out ?? join(getConfig().dataDir, 'historical');
      const bar = progressBar('history');
      const summary = await writeHistory(outDir, {
        serversPerRegion: flags.serversPerRegion, days: flags.days, intervalSeconds: flags.interval, seed: flags.seed,
        regions: flags.regions, end: flags.end ?? todayUtc(), incidentRate: flags.incidentRate,
      }, (done, total) => bar.update(done, total));
      bar.stop();
      const mb = (summary.bytes / 1_048_576).toFixed(1);
      console.log(`history: ${summary.rows} rows, ${summary.files} files, ${mb} MB, ${summary.incidents} incidents in ${summary.seconds.toFixed(1)} s (${Math.round(summary.rows / summary.seconds)} rows/s) → ${summary.outDir}`);
    });
}
