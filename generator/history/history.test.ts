// History files, checked with a reader we did not write (DuckDB): exact native values,
// both schema versions of every region, labels that match what was injected, and
// byte-identical output for identical options.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReading, type TelemetryRecord } from '../../telemetry/index.ts';
import { historyFileName, historyRows, planHistory, writeHistory, type HistoryOptions, type IncidentLabel } from '../index.ts';

const OPTIONS: HistoryOptions = {
  serversPerRegion: 5, days: 1, intervalSeconds: 60, seed: 7, regions: ['india', 'usa', 'germany'],
  end: Date.UTC(2026, 10, 20), incidentRate: 1,
};

const READERS = {
  csv: (f: string) => `SELECT * FROM read_csv('${f}', all_varchar = true)`,
  jsonl: (f: string) => `SELECT * FROM read_json('${f}', format = 'newline_delimited')`,
  parquet: (f: string) => `SELECT * FROM read_parquet('${f}')`,
} as const;

/** DuckDB's value as the text or number the generator wrote. */
function comparable(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  return value;
}

function medianPower(records: TelemetryRecord[]): number {
  const powers = records.map((r) => r.power_w).filter((p) => p !== null).sort((a, b) => a - b);
  return powers[Math.floor(powers.length / 2)] ?? Number.NaN;
}

async function checksums(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

describe('pulse generate history', () => {
  let dir: string;
  let duck: DuckDBConnection;
  let instance: DuckDBInstance;
  const plan = planHistory(OPTIONS);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-history-'));
    await writeHistory(dir, OPTIONS);
    instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
  });
  afterAll(async () => {
    duck.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes both schema versions of every region, split by day and version', async () => {
    for (const region of OPTIONS.regions) {
      const files = (await readdir(join(dir, region))).sort();
      expect(files.map((f) => f.replace(/^\d{4}-\d{2}-\d{2}_/, ''))).toEqual([expect.stringMatching(/^v1\./), expect.stringMatching(/^v2\./)]);
    }
  });

  it('holds exactly the native values the model produced, as DuckDB reads them', async () => {
    const expected = new Map<string, Record<string, unknown>[]>();
    for (const row of historyRows(plan)) {
      const file = historyFileName(row.region, row.day, row.schema.version, row.schema.format as keyof typeof READERS);
      const text = row.schema.format === 'csv';
      const values = Object.fromEntries(Object.entries(row.record).map(([k, v]) => [k, text && v !== null ? String(v) : v]));
      expected.set(file, [...(expected.get(file) ?? []), values]);
    }
    expect(expected.size).toBe(6);
    for (const [file, rows] of expected) {
      const format = file.split('.').pop() as keyof typeof READERS;
      const result = await duck.runAndReadAll(READERS[format](join(dir, file)));
      const actual = result.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, comparable(v)])));
      expect(actual, file).toEqual(rows);
    }
  });

  it('records every injected incident in labels.jsonl, and each shows in the data', async () => {
    const labels = (await readFile(join(dir, 'labels.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as IncidentLabel);
    expect(labels).toHaveLength(plan.incidents.length);
    expect(new Set(labels.map((l) => l.kind)).size).toBeGreaterThanOrEqual(4);

    const byHost = new Map<string, TelemetryRecord[]>();
    for (const row of historyRows(plan)) {
      const decoded = decodeReading(row.record, { source: 'history', now: OPTIONS.end });
      if (!decoded.ok) throw new Error(decoded.rejection.message);
      byHost.set(decoded.record.host_id, [...(byHost.get(decoded.record.host_id) ?? []), decoded.record]);
    }
    for (const label of labels) {
      const inWindow = (byHost.get(label.host) ?? []).filter((r) => r.ts >= Date.parse(label.start) && r.ts < Date.parse(label.end));
      const peak = (metric: 'temp_c' | 'cpu_pct' | 'mem_pct' | 'power_w') => Math.max(...inWindow.map((r) => r[metric] ?? -Infinity));
      if (label.kind === 'overheat') expect(peak('temp_c'), JSON.stringify(label)).toBeGreaterThan(90);
      if (label.kind === 'cpu_saturation') expect(peak('cpu_pct'), JSON.stringify(label)).toBeGreaterThan(94);
      if (label.kind === 'memory_leak') expect(peak('mem_pct'), JSON.stringify(label)).toBeGreaterThan(90);
      if (label.kind === 'power_surge') expect(peak('power_w'), JSON.stringify(label)).toBeGreaterThan(1.4 * medianPower(byHost.get(label.host) ?? []));
      if (label.kind === 'stuck_sensor') {
        const temps = inWindow.map((r) => r.temp_c).filter((t) => t !== null);
        expect(new Set(temps).size, JSON.stringify(label)).toBe(1);
        expect(temps.length).toBeGreaterThan(30);
      }
    }
  });

  it('writes byte-identical files for the same options, and different ones for another seed', async () => {
    const again = await mkdtemp(join(tmpdir(), 'pulse-history-'));
    const other = await mkdtemp(join(tmpdir(), 'pulse-history-'));
    await writeHistory(again, OPTIONS);
    await writeHistory(other, { ...OPTIONS, seed: 8 });
    expect(await checksums(again)).toEqual(await checksums(dir));
    expect(await checksums(other)).not.toEqual(await checksums(dir));
    await rm(again, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });
});
