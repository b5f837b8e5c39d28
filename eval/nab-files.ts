// NAB's files, read without DuckDB (they are small): a directory's windows.json, one
// detector's published results (results/<detector>/<detector>_<series>.csv with the
// standard-profile threshold from results/thresholds.json) and NAB's own per-file scores.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** NAB timestamps are zone-less wall-clock times; Pulse reads them as UTC. NaN when unreadable. */
export const nabTime = (text: string) => Date.parse(`${text.trim().replace(' ', 'T').slice(0, 23)}Z`);

/** Per series file name (e.g. `ec2_cpu_utilization_24ae8d.csv`): its labeled windows, inclusive [start, end] epoch ms. */
export type NabWindows = Record<string, [number, number][]>;

export async function readNabWindows(dir: string): Promise<NabWindows> {
  const spans = JSON.parse(await readFile(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return Object.fromEntries(Object.entries(spans).map(([file, list]) => [file, list.map(([start, end]) => [nabTime(start), nabTime(end)] as [number, number])]));
}

/** One detector's output for one series: a time and an anomaly score per row. */
export interface DetectorResult { series: string; timestamps: number[]; scores: number[] }

/** Rows of a CSV with a header, as records of text (NAB's files hold no quoted commas). */
export function csvRecords(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((name, i) => [name, (cells[i] ?? '').trim()]));
  });
}

export async function publishedDetectors(dir: string): Promise<string[]> {
  const thresholds = await readThresholds(dir);
  return Object.keys(thresholds).sort();
}

export async function readThresholds(dir: string): Promise<Record<string, number>> {
  const json = JSON.parse(await readFile(join(dir, 'results', 'thresholds.json'), 'utf8')) as Record<string, { standard?: { threshold?: number } }>;
  return Object.fromEntries(Object.entries(json).flatMap(([name, profiles]) => {
    const threshold = profiles.standard?.threshold;
    return typeof threshold === 'number' ? [[name, threshold]] : [];
  }));
}

/** Every result file of `detector` (series name without the detector's prefix). */
export async function readDetectorResults(dir: string, detector: string): Promise<DetectorResult[]> {
  const folder = join(dir, 'results', detector);
  const prefix = `${detector}_`;
  const names = (await readdir(folder)).filter((f) => f.startsWith(prefix) && f.endsWith('.csv') && !f.endsWith('_scores.csv')).sort();
  return Promise.all(names.map(async (name) => {
    const records = csvRecords(await readFile(join(folder, name), 'utf8'));
    return {
      series: name.slice(prefix.length),
      timestamps: records.map((r) => nabTime(r['timestamp'] ?? '')),
      scores: records.map((r) => Number(r['anomaly_score'])),
    };
  }));
}

/** NAB's published per-file standard scores of `detector`, by series file name. */
export async function readPublishedScores(dir: string, detector: string): Promise<Record<string, { score: number; tp: number; fp: number; fn: number }>> {
  const text = await readFile(join(dir, 'results', detector, `${detector}_standard_scores.csv`), 'utf8');
  return Object.fromEntries(csvRecords(text).filter((r) => r['File'] && r['File'] !== 'Totals').map((r) => [
    (r['File'] as string).split('/').pop() as string,
    { score: Number(r['Score']), tp: Number(r['TP']), fp: Number(r['FP']), fn: Number(r['FN']) },
  ]));
}
