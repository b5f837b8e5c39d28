// NAB series for `pulse eval --nab`: data/*.csv (timestamp,value) and windows.json, each file
// a host of its own region. Real files are not always clean, so each is read row by row and
// every row either scored or set aside with a stated reason: a timestamp that does not parse,
// a value that is missing, NaN or not a number, a repeated timestamp (the first row is kept).
// Rows out of time order are sorted. The input rows stay as read for NAB-format results.

import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sqlString, type Duck } from '../batch/index.ts';
import { entityKey } from '../telemetry/index.ts';
import { rowCount, type Dataset } from './datasets.ts';
import { csvRecords, nabTime } from './nab-files.ts';


/** One input row as read: its time text, parsed time and value (null where unusable), and whether it is scored. */
export interface NabInputRow { text: string; ts: number | null; value: number | null; scored: boolean }
export interface NabInputFile { series: string; rows: NabInputRow[] }
/** What happened to some rows of a file, e.g. `skipped: duplicate timestamp (first kept)`. */
export interface InputNote { file: string; note: string; rows: number }

export const NOTE = {
  badTime: 'skipped: unreadable timestamp',
  noValue: 'skipped: no value (missing, NaN or not a number)',
  duplicate: 'skipped: duplicate timestamp (first row kept)',
  unsorted: 'sorted: rows out of time order',
  unreadable: 'skipped: unreadable file (no timestamp,value header)',
  unscored: 'not scored: no reading after the first model (a file needs readings beyond its first UTC day, which only trains)',
  noModel: 'not scored: readings on days with no training data in the 7 days before (after a long gap)',
} as const;

function parseValue(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** A file's rows, which of them are scored, and notes on the rest. Pure. */
export function readNabSeries(series: string, text: string): { file: NabInputFile; notes: InputNote[] } {
  const records = csvRecords(text);
  const seen = new Set<number>();
  const tally = new Map<string, number>();
  const note = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);
  let previous = Number.NEGATIVE_INFINITY;
  const rows = records.map((record): NabInputRow => {
    const raw = record['timestamp'] ?? '';
    const parsed = nabTime(raw);
    const ts = Number.isFinite(parsed) ? parsed : null;
    const value = parseValue(record['value']);
    if (ts === null) note(NOTE.badTime);
    else if (seen.has(ts)) note(NOTE.duplicate);
    else if (value === null) note(NOTE.noValue);
    else {
      if (ts < previous) note(NOTE.unsorted);
      previous = Math.max(previous, ts);
    }
    const scored = ts !== null && value !== null && !seen.has(ts);
    if (scored) seen.add(ts);
    return { text: raw, ts, value, scored };
  });
  return { file: { series, rows }, notes: [...tally].map(([what, n]) => ({ file: series, note: what, rows: n })) };
}

export interface NabDataset extends Dataset { input: NabInputFile[]; notes: InputNote[] }

/** A NAB directory into table `nab` (the scored rows, silver-shaped) plus every input row as read. */
export async function loadNab(duck: Duck, dir: string): Promise<NabDataset> {
  const dataDir = join(dir, 'data');
  const names = (await readdir(dataDir)).filter((f) => f.endsWith('.csv')).sort();
  const input: NabInputFile[] = [];
  const notes: InputNote[] = [];
  for (const name of names) {
    const text = await readFile(join(dataDir, name), 'utf8');
    if (!/^\s*timestamp\s*,\s*value\b/.test(text)) {
      notes.push({ file: name, note: NOTE.unreadable, rows: 0 });
      continue;
    }
    const read = readNabSeries(name, text);
    input.push(read.file);
    notes.push(...read.notes);
  }
  await duck.run(`CREATE OR REPLACE TABLE nab (event_id VARCHAR, ts_ms BIGINT, region VARCHAR, host_id VARCHAR, value DOUBLE)`);
  // The scored rows reach DuckDB as one typed CSV: a few hundred thousand rows at most.
  const staged = join(tmpdir(), `pulse-nab-${process.pid}-${Date.now()}.csv`);
  const lines = ['host_id,ts_ms,value'];
  for (const file of input) {
    const host = basename(file.series, '.csv');
    for (const row of file.rows) if (row.scored) lines.push(`${host},${row.ts},${row.value}`);
  }
  try {
    await writeFile(staged, `${lines.join('\n')}\n`);
    await duck.run(`INSERT INTO nab SELECT host_id || ':' || CAST(ts_ms AS VARCHAR), ts_ms, host_id, host_id, value
      FROM read_csv(${sqlString(staged)}, header = true, columns = {'host_id': 'VARCHAR', 'ts_ms': 'BIGINT', 'value': 'DOUBLE'}, quote = '')`);
  } finally {
    await rm(staged, { force: true });
  }
  const spans = JSON.parse(await readFile(join(dir, 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const loaded = new Set(input.map((f) => f.series));
  const windows = Object.entries(spans).filter(([file]) => loaded.has(file)).flatMap(([file, list]) => {
    const host = basename(file, '.csv');
    return list.map(([start, end]) => ({ entity: entityKey(host, host), kind: host, start: nabTime(start), end: nabTime(end) }));
  });
  return { table: 'nab', features: ['value'], windows, files: input.length, rows: await rowCount(duck, 'nab'), input, notes };
}
