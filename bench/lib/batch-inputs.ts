// Inputs for the batch benchmark: one hour of cold archives written as the speed layer
// writes them, and the DuckDB floor pipeline run as a process of its own.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../infra/index.ts';
import { archiveLine } from '../../speed/index.ts';
import { SCHEMA_HEADER } from '../../telemetry/index.ts';
import { runNodeToEnd } from './pulse-child.ts';

/** `events` readings of one hour (spread over 150 hosts) into `root/stream_run_bench/date=…/hour=…/`. */
export async function writeArchiveHour(root: string, hourStart: number, events: number, run: number): Promise<void> {
  const iso = new Date(hourStart).toISOString();
  const dir = join(root, `stream_run_bench_${run}`, `date=${iso.slice(0, 10)}`, `hour=${iso.slice(11, 13)}`);
  await mkdir(dir, { recursive: true });
  const perFile = 60_000;
  for (let f = 0; f * perFile < events; f += 1) {
    const lines: string[] = [];
    for (let i = f * perFile; i < Math.min(events, (f + 1) * perFile); i += 1) {
      const ts = hourStart + Math.floor((i * 3_600_000) / events);
      const value = JSON.stringify({ event_id: `bench-${run}-${i}`, ts: new Date(ts).toISOString(), region: 'lab', host_id: `lab-${i % 150}`, cpu_pct: (i * 7) % 100, temp_c: 40 + (i % 30), mem_pct: 50 });
      lines.push(archiveLine({ topic: 'telemetry.raw', partition: i % 6, offset: String(i), timestamp: String(ts), key: null, value: Buffer.from(value), headers: { [SCHEMA_HEADER]: 'pulse/v1' } }));
    }
    await writeFile(join(dir, `part-${String(f).padStart(5, '0')}.jsonl`), lines.join(''));
  }
}

/** Runs bench/duckdb-floor.ts: its seconds and peak RSS. */
export async function duckdbFloor(historyDir: string, outDir: string): Promise<{ seconds: number; peakRssMb: number }> {
  const { output, peakRssMb } = await runNodeToEnd([join(packageRoot, 'bench', 'duckdb-floor.ts'), historyDir, outDir]);
  const seconds = Number(/duckdb floor: ([\d.]+) s/.exec(output)?.[1]);
  if (!Number.isFinite(seconds)) throw new Error(`duckdb floor printed no time: ${output.slice(-2000)}`);
  return { seconds, peakRssMb };
}
