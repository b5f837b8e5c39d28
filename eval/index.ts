// Public surface of eval/: scoring Pulse's anomaly detector on labeled data (`pulse eval`).

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuck } from '../batch/index.ts';
import { ANOMALY_FEATURES, DEFAULT_FOR_READINGS } from '../telemetry/index.ts';
import { INCIDENT_METRIC } from '../generator/index.ts';
import { loadHistory, type Dataset } from './datasets.ts';
import { loadNab, type InputNote, type NabDataset } from './nab-load.ts';
import { walkForward } from './walk-forward.ts';
import { scoreDetections, type Detection, type WindowScores } from './windows.ts';
import { compareWithPublished, pulseSeries, scoringNotes, writeNabResults, type NabComparison, type ScoredReading } from './nab-report.ts';

export type { NabComparison } from './nab-report.ts';
export type { NabSummary, NabFileSummary } from './nab-compare.ts';
export { loadHistory } from './datasets.ts';
export { scoreDetections, counts, type Counts, type Detection, type LabeledWindow, type WindowScores } from './windows.ts';

export interface EvalOptions {
  /** The generator's history directory (with labels.jsonl), or a NAB directory. */
  dir: string;
  format: 'history' | 'nab';
  forReadings?: number;
  contamination?: number;
  seed?: number;
  memoryLimit?: string;
  /** NAB only: write NAB-format result files here, one per series. */
  resultsDir?: string;
  onProgress?: (message: string) => void;
}

export interface EvalReport {
  format: EvalOptions['format']; dir: string; files: number; rows: number; scored: number; windows: number; models: number;
  scoredFrom: string; scoredTo: string; seconds: number; scores: WindowScores; detections: Detection[];
  /** NAB only: the standard score and window counts of Pulse and of the published detectors, and result files written. */
  nab?: NabComparison & { resultFiles: string[]; notes: InputNote[] };
}

const DAY = 86_400_000;

/** False positives of the generator's data are charged to the incident kinds that show in their metric. */
function kindsOfMetric(detection: Detection): string[] {
  return Object.entries(INCIDENT_METRIC).filter(([, metric]) => metric === detection.metric).map(([kind]) => kind);
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const started = Date.now();
  const duck = await openDuck({ memoryLimit: options.memoryLimit ?? '2GB', tempDirectory: join(tmpdir(), `pulse-eval-${process.pid}`) });
  try {
    options.onProgress?.(`loading ${options.dir}`);
    const data: Dataset = options.format === 'nab' ? await loadNab(duck, options.dir) : await loadHistory(duck, options.dir, ANOMALY_FEATURES);
    const scored = new Map<string, Map<number, ScoredReading>>();
    const keep = options.format === 'nab'
      ? (r: { entity: string; ts: number; score: number; fired: boolean }) => {
        const own = scored.get(r.entity) ?? scored.set(r.entity, new Map()).get(r.entity)!;
        own.set(r.ts, { score: r.score, fired: r.fired });
      }
      : undefined;
    const result = await walkForward(duck, {
      table: data.table, features: data.features, forReadings: options.forReadings ?? DEFAULT_FOR_READINGS, warmupMs: DAY, retrainEveryMs: DAY,
      ...(options.contamination !== undefined ? { contamination: options.contamination } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(keep ? { onReading: keep } : {}),
      onStep: (s) => options.onProgress?.(`scored ${new Date(s.from).toISOString().slice(0, 10)}: ${s.scored} readings, ${s.detections} detections`),
    });
    // Windows that closed before scoring began could never be detected: they are left out, not counted as misses.
    const windows = data.windows.filter((w) => w.end > result.from);
    const scores = scoreDetections(windows, result.detections, options.format === 'nab' ? (d) => [d.entity.split('/')[0] as string] : kindsOfMetric);
    let nab: EvalReport['nab'];
    if (options.format === 'nab') {
      const { input, notes } = data as NabDataset;
      const resultFiles = options.resultsDir ? await writeNabResults(options.resultsDir, options.dir, input, scored) : [];
      nab = { ...await compareWithPublished(options.dir, pulseSeries(input, scored)), resultFiles, notes: [...notes, ...scoringNotes(input, scored, result.from)] };
    }
    return {
      ...(nab ? { nab } : {}),
      format: options.format, dir: options.dir, files: data.files, rows: data.rows, scored: result.scored, windows: windows.length, models: result.models,
      scoredFrom: new Date(result.from).toISOString(), scoredTo: new Date(result.to).toISOString(), seconds: (Date.now() - started) / 1000,
      scores, detections: result.detections,
    };
  } finally {
    duck.close();
  }
}
