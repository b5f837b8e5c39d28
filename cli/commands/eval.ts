// `pulse eval`: precision, recall and F1 of the anomaly detector on labeled data — the
// generator's history and labels, or real server metrics in NAB format.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Counts, EvalReport } from '../../eval/index.ts';
import type { ConfigSource } from '../config-source.ts';
import { nonNegativeNumber, positiveInt } from '../options.ts';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

function printRows(table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

const countCells = (c: Counts) => [String(c.tp + c.fn), String(c.tp), String(c.fp), String(c.fn), pct(c.precision), pct(c.recall), pct(c.f1)];

function printTable(title: string, rows: [string, Counts][]): void {
  printRows([[title, 'windows', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'], ...rows.map(([name, c]) => [name, ...countCells(c)])]);
}

/** Per file NAB's raw standard score beside the window counts (every onset and window counted), then Pulse among the published detectors. */
function printNab(nab: NonNullable<EvalReport['nab']>): void {
  for (const n of nab.notes) console.log(`${n.file}: ${n.note}${n.rows > 0 ? ` (${n.rows} rows)` : ''}`);
  console.log('\nNAB standard profile (A_TP 1, A_FP 0.11, A_FN 1; 15 % probation), windows end-inclusive, every alert onset counted:');
  printRows([['file', 'NAB raw', 'windows', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'],
    ...nab.pulse.files.map((f) => [f.series.replace(/\.csv$/, ''), f.nab.score.toFixed(3), ...countCells(f.windows)])]);
  console.log('\nPulse and the detectors NAB publishes, on the same files (scored from their result files at their standard thresholds):');
  const all = [nab.pulse, ...nab.published].sort((a, b) => b.score - a.score);
  printRows([['detector', 'NAB score', 'windows', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1'],
    ...all.map((d) => [d.detector, d.score.toFixed(1), ...countCells(d.windows)])]);
  if (nab.resultFiles.length > 0) console.log(`\nwrote ${nab.resultFiles.length} result files (timestamp,value,anomaly_score,label) to ${dirname(nab.resultFiles[0]!)}`);
}

function printReport(report: EvalReport): void {
  console.log(`${report.format === 'nab' ? 'NAB series' : 'generator history'} ${report.dir}: ${report.files} files, ${report.rows} readings; `
    + `scored ${report.scored} from ${report.scoredFrom} (walk-forward, ${report.models} daily models), ${report.windows} labeled windows, ${report.seconds.toFixed(1)} s`);
  if (report.nab) return printNab(report.nab);
  printTable('incident kind', Object.entries(report.scores.byKind));
  printTable('overall', [['all', report.scores.overall]]);
}

export function registerEvalCommand(program: Command, getConfig: ConfigSource): void {
  program.command('eval')
    .description('score the anomaly detector on labeled data: precision, recall and F1 per incident kind (or NAB file) and overall')
    .option('--history <dir>', 'generator history with labels.jsonl (default: $PULSE_DATA_DIR/historical)')
    .option('--nab <dir>', 'a NAB directory (data/*.csv and windows.json), e.g. ../shared/nab')
    .option('--for-readings <n>', 'readings in a row above the threshold before an anomaly counts (default: PULSE_ALERT_FOR_READINGS)', positiveInt)
    .option('--contamination <share>', 'share of training readings taken as anomalous (sets the threshold)', nonNegativeNumber)
    .option('--results <dir>', 'with --nab: write NAB-format result files there, <series>.csv (timestamp,value,anomaly_score,label)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { history?: string; nab?: string; results?: string; forReadings?: number; contamination?: number; json?: boolean }) => {
      const config = getConfig();
      const { evaluate } = await import('../../eval/index.ts');
      const absolute = (dir: string) => (isAbsolute(dir) ? dir : resolve(dir));
      const targets: { dir: string; format: 'history' | 'nab' }[] = flags.nab
        ? [{ dir: absolute(flags.nab), format: 'nab' }, ...(flags.history ? [{ dir: absolute(flags.history), format: 'history' as const }] : [])]
        : [{ dir: absolute(flags.history ?? join(config.dataDir, 'historical')), format: 'history' }];
      const reports: EvalReport[] = [];
      for (const target of targets) {
        reports.push(await evaluate({
          ...target, ...(target.format === 'nab' && flags.results ? { resultsDir: absolute(flags.results) } : {}), forReadings: flags.forReadings ?? config.speed.alertForReadings, memoryLimit: config.batch.memoryLimit,
          ...(flags.contamination !== undefined ? { contamination: flags.contamination } : {}),
          onProgress: (message) => process.stderr.isTTY && process.stderr.write(`\r\x1b[K${message}`),
        }));
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      }
      if (flags.json) console.log(JSON.stringify(reports.map(({ detections, nab, ...rest }) => ({
        ...rest, detections: detections.length,
        ...(nab ? { nab: { resultFiles: nab.resultFiles, detectors: [nab.pulse, ...nab.published].map((d) => ({ detector: d.detector, score: d.score, windows: d.windows, files: d.files.map((f) => ({ series: f.series, raw: f.nab.score, windows: f.windows })) })) } } : {}),
      })), null, 2));
      else reports.forEach(printReport);
    });
}
