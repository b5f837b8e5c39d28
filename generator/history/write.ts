// `pulse generate history`: streams the planned rows into per-region, per-day,
// per-schema-version files in each region's native format, plus labels.jsonl.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryRegion } from '../../telemetry/index.ts';
import { toLabel } from '../signals/incidents.ts';
import { historyRows, planHistory, totalRows, type HistoryOptions, type HistoryPlan } from './plan.ts';
import { FILE_EXTENSION, openSink, type FileSink } from './sinks.ts';

export interface HistorySummary { rows: number; files: number; bytes: number; seconds: number; incidents: number; outDir: string }

/** `india/2026-11-15_v1.csv`: one file per region, UTC day and schema version. */
export function historyFileName(region: string, day: string, version: number, format: keyof typeof FILE_EXTENSION): string {
  return join(region, `${day}_v${version}.${FILE_EXTENSION[format]}`);
}

interface OpenFile { key: string; sink: FileSink }

export async function writeHistory(
  outDir: string,
  options: HistoryOptions,
  onProgress?: (rowsDone: number, rowsTotal: number) => void,
): Promise<HistorySummary> {
  const started = performance.now();
  const plan: HistoryPlan = planHistory(options);
  for (const region of options.regions) await mkdir(join(outDir, region), { recursive: true });
  const open = new Map<HistoryRegion, OpenFile>();
  const total = totalRows(plan);
  let rows = 0;
  let files = 0;
  let bytes = 0;
  try {
    for (const row of historyRows(plan)) {
      const name = historyFileName(row.region, row.day, row.schema.version, row.schema.format as keyof typeof FILE_EXTENSION);
      let current = open.get(row.region);
      if (current?.key !== name) {
        if (current) bytes += await current.sink.close();
        current = { key: name, sink: await openSink(row.schema, join(outDir, name)) };
        open.set(row.region, current);
        files += 1;
      }
      const pending = current.sink.write(row.record);
      if (pending) await pending;
      rows += 1;
      if (onProgress && rows % 20_000 === 0) onProgress(rows, total);
    }
    for (const file of open.values()) bytes += await file.sink.close();
    open.clear();
  } finally {
    for (const file of open.values()) await file.sink.abort();
  }
  const labels = plan.incidents.map((i) => `${JSON.stringify(toLabel(i))}\n`).join('');
  await writeFile(join(outDir, 'labels.jsonl'), labels);
  onProgress?.(rows, total);
  return { rows, files, bytes, seconds: (performance.now() - started) / 1000, incidents: plan.incidents.length, outDir };
}
