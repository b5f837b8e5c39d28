// Every file a user drops into the history folder is read or reported: JSON lines saved as
// .json, a JSON array of records, a gzipped CSV, gzipped JSON lines, folders with names of
// their own, and an .xlsx that no reader knows (quarantined as unsupported_format). The run
// summary accounts for every row and every file. And publishing replaces the views so that
// a query running meanwhile sees the old state or the new one, never a mix.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchSummary } from '../batch/index.ts';
import { isolatedSchema, testDatabaseUrl, type IsolatedSchema } from './support/isolation.ts';

const HOUR = 3_600_000;
const BASE = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;

/** A USA reading (°F, 0–1 load) as the region's JSON lines hold it. */
function usaReading(i: number): Record<string, unknown> {
  return { instance_id: `i-0fa${String(i % 3).padStart(9, '0')}`, time_utc: new Date(BASE + i * 60_000).toISOString().slice(0, 19) + 'Z', temp_fahrenheit: 100 + (i % 20), load_fraction: (i % 90) / 100, voltage_v: 208 };
}

/** An India CSV (°C, IST local time). */
function indiaCsv(rows: number, offset: number): string {
  const lines = ['server_code,timestamp_ist,temp_celsius,cpu_usage_percent'];
  for (let i = 0; i < rows; i += 1) {
    const ist = new Date(BASE + (offset + i) * 60_000 + 330 * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`IN-HYD-${String(i % 4).padStart(3, '0')},${ist},${(40 + (i % 10)).toFixed(2)},${(i % 100).toFixed(1)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('history files of every supported shape, and one that is not', () => {
  let db: IsolatedSchema;
  let dataDir: string;
  let summary: BatchSummary;

  beforeAll(async () => {
    db = await isolatedSchema('formats');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-formats-'));
    const history = join(dataDir, 'historical');
    await mkdir(join(history, 'exports from pandas'), { recursive: true });
    await mkdir(join(history, 'misc', 'nested'), { recursive: true });
    // JSON lines saved as .json, as pandas' to_json(orient="records", lines=True) writes them.
    // Blank lines (empty, or spaces only) are no rows at all: neither read nor quarantined.
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify(usaReading(i)));
    lines.splice(10, 0, '', '    ');
    await writeFile(join(history, 'exports from pandas', 'usa-lines.json'), `${lines.join('\n')}\n`);
    // A JSON array of records, one of them not a reading at all.
    await writeFile(join(history, 'exports from pandas', 'usa-array.json'), JSON.stringify([...Array.from({ length: 20 }, (_, i) => usaReading(100 + i)), { hello: 'world' }]));
    await writeFile(join(history, 'misc', 'india.csv.gz'), gzipSync(indiaCsv(25, 200)));
    await writeFile(join(history, 'misc', 'nested', 'usa.jsonl.gz'), gzipSync(`${Array.from({ length: 10 }, (_, i) => JSON.stringify(usaReading(300 + i))).join('\n')}\nnot json\n`));
    await writeFile(join(history, 'misc', 'fleet.xlsx'), Buffer.from('PK\u0003\u0004 not really a spreadsheet'));
    summary = await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB' });
  });

  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads every readable file whatever its folder, and counts every row', () => {
    const history = summary.bySource.find((s) => s.kind === 'history');
    expect(history).toEqual({ kind: 'history', files: 4, read: 30 + 21 + 25 + 11, kept: 30 + 20 + 25 + 10, quarantined: 2 });
    expect(summary.silverRows).toBe(85);
    expect(summary.byReason).toEqual(expect.arrayContaining([{ kind: 'history', reason: 'unknown_schema', rows: 1 }, { kind: 'history', reason: 'not_json', rows: 1 }]));
    expect(summary.byReason.reduce((sum, r) => sum + r.rows, 0)).toBe(summary.quarantined);
  });

  it('quarantines the unknown file as unsupported_format, with its path, in the summary and quarantine', async () => {
    expect(summary.filesQuarantined).toEqual([expect.objectContaining({ path: join(dataDir, 'historical', 'misc', 'fleet.xlsx'), reason: 'unsupported_format' })]);
    const files = (await readFile(join(summary.quarantineDir, 'files.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(files.map((f) => f.reason)).toEqual(['unsupported_format']);
    const rows = (await readFile(join(summary.quarantineDir, 'rows.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.locator, r.reason]).sort()).toEqual([['element 21', 'unknown_schema'], ['line 11', 'not_json']]);
    // Each with the text it was refused for, as it was in its file.
    expect(Object.fromEntries(rows.map((r) => [r.locator, r.raw]))).toEqual({ 'element 21': '{"hello":"world"}', 'line 11': 'not json' });
  });

  it('serves the old views or the new ones to a query running while a run publishes, never a mix', async () => {
    const snapshot = `SELECT (SELECT coalesce(sum(n), 0) FROM gold_region_minute)::text || '/' || (SELECT count(*) FROM gold_host_hour)::text
      || '/' || (SELECT coalesce(sum(n), 0) FROM gold_region_day)::text AS state`;
    const before = (await db.pool.query(snapshot)).rows[0].state as string;
    await writeFile(join(dataDir, 'historical', 'misc', 'more.csv'), indiaCsv(40, 400));
    const seen = new Set<string>();
    let reading = true;
    const reader = (async () => {
      while (reading) seen.add((await db.pool.query(snapshot)).rows[0].state as string);
    })();
    await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB', beforeSwap: async () => new Promise((r) => setTimeout(r, 300)) });
    await new Promise((r) => setTimeout(r, 200));
    reading = false;
    await reader;
    const after = (await db.pool.query(snapshot)).rows[0].state as string;
    expect(after).not.toBe(before);
    expect([...seen].sort()).toEqual([after, before].sort());
  });
});

/**
 * A batch run over history files of its own (written by `write` into historical/), with
 * its schema and folder dropped afterwards; `summary` and `flaws()` (the quarantined rows
 * as [file, locator, reason], sorted) once it ran.
 */
function batchOver(name: string, write: (history: string) => Promise<void>) {
  const run = { summary: undefined as unknown as BatchSummary };
  let db: IsolatedSchema | undefined;
  let dataDir = '';
  beforeAll(async () => {
    db = await isolatedSchema(name);
    dataDir = await mkdtemp(join(tmpdir(), `pulse-${name}-`));
    await write(join(dataDir, 'historical'));
    run.summary = await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB' });
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const flaws = async () => (await readFile(join(run.summary.quarantineDir, 'rows.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    .map((r) => [String(r.source_file).split('/').pop(), r.locator, r.reason]).sort();
  return { run, flaws };
}

describe('CSV files read together (one header, in order)', () => {
  /** An India CSV whose 4th line has a column too many, and (in `withBadNumber`) whose 3rd parsed row has a temperature that is no number. */
  function flawedCsv(offset: number, withBadNumber: boolean): string {
    const lines = indiaCsv(6, offset).trimEnd().split('\n');
    if (withBadNumber) lines[3] = (lines[3] as string).replace(/,[\d.]+,([\d.]+)$/, ',warm,$1');
    lines.splice(3, 0, 'IN-HYD-009,2026-01-01 00:00:00,1,2,3');
    return `${lines.join('\n')}\n`;
  }
  const { run, flaws } = batchOver('csvgroup', async (history) => {
    await mkdir(join(history, 'india'), { recursive: true });
    await writeFile(join(history, 'india', 'a.csv'), flawedCsv(0, false));
    await writeFile(join(history, 'india', 'b.csv'), flawedCsv(100, true));
    await writeFile(join(history, 'india', 'c.csv'), indiaCsv(5, 200));
  });

  it('numbers lines and rows within each file, and quarantines each flaw under its own file', async () => {
    expect(await flaws()).toEqual([['a.csv', 'line 4', 'malformed_line'], ['b.csv', 'line 4', 'malformed_line'], ['b.csv', 'row 3', 'bad_number']]);
    expect(run.summary.bySource).toEqual([{ kind: 'history', files: 3, read: 6 + 1 + 6 + 1 + 5, kept: 6 + 5 + 5, quarantined: 3 }]);
    expect(run.summary.silverRows).toBe(16);
  });
});

describe('JSON lines files read together', () => {
  const line = (i: number) => Buffer.from(`${JSON.stringify(usaReading(500 + i))}\n`);
  const { run, flaws } = batchOver('linegroup', async (history) => {
    await mkdir(join(history, 'usa'), { recursive: true });
    // A line that is not UTF-8: quarantined by line number, and the file's other lines numbered among its readable ones.
    await writeFile(join(history, 'usa', 'odd.jsonl'), Buffer.concat([line(0), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), Buffer.from('not json\n'), line(1)]));
    await writeFile(join(history, 'usa', 'clean.jsonl'), Buffer.concat([line(2), Buffer.from('not json\n'), line(3)]));
  });

  it('numbers each file\'s lines on their own, and only a file with unreadable lines counts among its readable ones', async () => {
    expect(await flaws()).toEqual([['clean.jsonl', 'line 2', 'not_json'], ['odd.jsonl', 'line 2', 'malformed_line'], ['odd.jsonl', 'readable line 2', 'not_json']]);
    expect(run.summary.silverRows).toBe(4);
  });
});
