// Small helpers shared by the benchmark programs: summary statistics and result files.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../infra/index.ts';

export interface Summary { median: number; min: number; max: number; runs: number[] }

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function summarize(runs: number[]): Summary {
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, runs };
}

/** "1,234,567 (1,200,000–1,300,000)": median and spread of several runs. */
export function formatSummary(summary: Summary, digits = 0): string {
  const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)}, ${summary.runs.length} runs)`;
}

export function machine(): Record<string, string | number> {
  return { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.versions.node };
}

export function isQuick(): boolean {
  return process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1';
}

/** How many runs a benchmark repeats each figure: BENCH_RUNS when set, else `fallback`. */
export function runCount(fallback: number): number {
  const runs = Number(process.env['BENCH_RUNS']);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** Write bench/results/<name>.json (<name>-quick.json for --quick; git-ignored); `npm run bench` gathers them into RESULTS.md. */
export async function saveResult(name: string, result: unknown): Promise<string> {
  const dir = join(packageRoot, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}${isQuick() ? '-quick' : ''}.json`); // a quick run never replaces full figures
  await writeFile(path, `${JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), quick: isQuick(), result }, null, 2)}\n`);
  return path;
}
