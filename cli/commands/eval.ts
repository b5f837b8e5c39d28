// `pulse eval`: precision, recall and F1 of the anomaly detector on labeled data — the
// generator's history and labels, or real server metrics in NAB format.

import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Counts, EvalReport } from '../../eval/index.ts';
import type { ConfigSource } from '../main.ts';
import { nonNegativeNumber, positiveInt } from '../options.ts';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function printTable(title: string, rows: [string, Counts][]): void {
  const table = [[title, 'windows', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'],
    ...rows.map(([name, c]) => [name, String(c.tp + c.fn), String(c.tp), String(c.fp), String(c.fn), pct(c.precision), pct(c.recall), pct(c.f1)])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

function printReport(report: EvalReport): void {
  console.log(`${report.format === 'nab' ? 'NAB series' : 'generator history'} ${report.dir}: ${report.files} files, ${report.rows} readings; `
    + `scored ${report.scored} from ${report.scoredFrom} (walk-forward, ${report.models} daily models), ${report.windows} labeled windows, ${report.seconds.toFixed(1)} s`);
  printTable(report.format === 'nab' ? 'file' : 'incident kind', Object.entries(report.scores.byKind));
  printTable('overall', [['all', report.scores.overall]]);
}

export function registerEvalCommand(program: Command, getConfig: ConfigSource): void {
  program.command('eval')
    .description('score the anomaly detector on labeled data: precision, recall and F1 per incident kind (or NAB file) and overall')
    .option('--history <dir>', 'generator history with labels.jsonl (default: $PULSE_DATA_DIR/historical)')
    .option('--nab <dir>', 'a NAB directory (data/*.csv and windows.json), e.g. ../shared/nab')
    .option('--for-readings <n>', 'readings in a row above the threshold before an anomaly counts (default: PULSE_ALERT_FOR_READINGS)', positiveInt)
    .option('--contamination <share>', 'share of training readings taken as anomalous (sets the threshold)', nonNegativeNumber)
    .option('--json', 'print the report as JSON')
    .action(async (flags: { history?: string; nab?: string; forReadings?: number; contamination?: number; json?: boolean }) => {
      const config = getConfig();
      const { evaluate } = await import('../../eval/index.ts');
      const absolute = (dir: string) => (isAbsolute(dir) ? dir : resolve(dir));
      const targets: { dir: string; format: 'history' | 'nab' }[] = flags.nab
        ? [{ dir: absolute(flags.nab), format: 'nab' }, ...(flags.history ? [{ dir: absolute(flags.history), format: 'history' as const }] : [])]
        : [{ dir: absolute(flags.history ?? join(config.dataDir, 'historical')), format: 'history' }];
      const reports: EvalReport[] = [];
      for (const target of targets) {
        reports.push(await evaluate({
          ...target, forReadings: flags.forReadings ?? config.speed.alertForReadings, memoryLimit: config.batch.memoryLimit,
          ...(flags.contamination !== undefined ? { contamination: flags.contamination } : {}),
          onProgress: (message) => process.stderr.isTTY && process.stderr.write(`\r\x1b[K${message}`),
        }));
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      }
      if (flags.json) console.log(JSON.stringify(reports.map(({ detections, ...rest }) => ({ ...rest, detections: detections.length })), null, 2));
      else reports.forEach(printReport);
    });
}
