// Labeled datasets for `pulse eval`, loaded into DuckDB as a silver-shaped table:
// (a) the generator's history with its labels.jsonl, normalized by the batch layer's own
// staging; (b) NAB series (timestamp,value CSVs with windows.json), each file one host.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sqlString, type Duck } from '../batch/duck.ts';
import { stageFiles } from '../batch/absorb.ts';
import { silverSql } from '../batch/silver.ts';
import { historyFiles } from '../batch/sources.ts';
import { entityKey } from '../telemetry/index.ts';
import type { LabeledWindow } from './windows.ts';

export interface Dataset { table: string; features: string[]; windows: LabeledWindow[]; files: number; rows: number }

async function rowCount(duck: Duck, table: string): Promise<number> {
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

/** NAB timestamps are zone-less wall-clock times; Pulse reads them as UTC. */
export const nabTime = (text: string) => Date.parse(`${text.trim().replace(' ', 'T').slice(0, 23)}Z`);

/** A NAB directory: data/*.csv (timestamp,value) and windows.json; each file is a host of its own region. */
export async function loadNab(duck: Duck, dir: string): Promise<Dataset> {
  const dataDir = join(dir, 'data');
  const names = (await readdir(dataDir)).filter((f) => f.endsWith('.csv')).sort();
  await duck.run(`CREATE OR REPLACE TABLE nab (event_id VARCHAR, ts_ms BIGINT, region VARCHAR, host_id VARCHAR, value DOUBLE, ts_text VARCHAR)`);
  for (const name of names) {
    const host = basename(name, '.csv');
    await duck.run(`INSERT INTO nab SELECT ${sqlString(host)} || ':' || CAST(ts_ms AS VARCHAR), ts_ms, ${sqlString(host)}, ${sqlString(host)}, value, ts_text
      FROM (SELECT epoch_ms(CAST("timestamp" AS TIMESTAMP)) AS ts_ms, TRY_CAST(value AS DOUBLE) AS value, "timestamp" AS ts_text
        FROM read_csv(${sqlString(join(dataDir, name))}, header = true, all_varchar = true))`);
  }
  const spans = JSON.parse(await readFile(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const windows = Object.entries(spans).filter(([file]) => names.includes(file)).flatMap(([file, list]) => {
    const host = basename(file, '.csv');
    return list.map(([start, end]) => ({ entity: entityKey(host, host), kind: host, start: nabTime(start), end: nabTime(end) }));
  });
  return { table: 'nab', features: ['value'], windows, files: names.length, rows: await rowCount(duck, 'nab') };
}
