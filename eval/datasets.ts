// Labeled datasets for `pulse eval`, loaded into DuckDB as a silver-shaped table:
// (a) the generator's history with its labels.jsonl, normalized by the batch layer's own
// staging; (b) NAB series (timestamp,value CSVs with windows.json, nab-load.ts), each file one host.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFiles, silverSql, stageFiles, type Duck } from '../batch/index.ts';
import { entityKey } from '../telemetry/index.ts';
import type { LabeledWindow } from './windows.ts';

export interface Dataset {
  table: string; features: string[]; windows: LabeledWindow[]; files: number; rows: number;
  /** Input rows left out of scoring, by file and reason (NAB only). */
  skipped?: SkippedRows[];
}

export interface SkippedRows { file: string; reason: string; rows: number }

export async function rowCount(duck: Duck, table: string): Promise<number> {
  const [row] = await duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

interface LabelLine { region: string; host: string; kind: string; start: string; end: string }

/** The generator's history directory: its files become silver, its labels.jsonl the windows. */
export async function loadHistory(duck: Duck, dir: string, features: readonly string[]): Promise<Dataset> {
  const { files } = await historyFiles(dir);
  const unreadable = await stageFiles(duck, files, dir, { now: Date.now(), legacyOffsetMinutes: 0 });
  await duck.run(silverSql('(SELECT * FROM staged WHERE reason IS NULL)', 'silver'));
  const probed = files.filter((f) => !unreadable.some((u) => u.path === f.path));
  const labels = (await readFile(join(dir, 'labels.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const windows = labels.map((line) => JSON.parse(line) as LabelLine).map((l) => ({
    entity: entityKey(l.region, l.host), kind: l.kind, start: Date.parse(l.start), end: Date.parse(l.end),
  }));
  return { table: 'silver', features: [...features], windows, files: probed.length, rows: await rowCount(duck, 'silver') };
}

