// The batch layer on real files and a real database: history of all three regions in both
// schema versions, a cold archive with a re-delivered batch and malformed lines, and a file
// that cannot be read at all.

import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, GOLD_TABLES, type BatchSummary } from '../batch/index.ts';
import { historyRows, planHistory, writeHistory, type HistoryOptions } from '../generator/index.ts';
import { quoteIdentifier } from '../infra/index.ts';
import { archiveLine } from '../speed/index.ts';
import { decodeReading, decodePayload, METRICS, SCHEMA_HEADER, type TelemetryRecord } from '../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, type IsolatedSchema } from './support/isolation.ts';
import { startPulse } from './support/pulse-process.ts';
import { compareById, recordScenario } from './support/reliability.ts';

const END = Math.floor(Date.now() / 86_400_000) * 86_400_000;
/** An archive file of this hour is still being written, two hours ago. */
const OPEN_HOUR = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const HISTORY: HistoryOptions = { serversPerRegion: 4, days: 2, intervalSeconds: 300, seed: 21, regions: ['india', 'usa', 'germany'], end: END, incidentRate: 0.5 };

/** A complete archive file the way the speed layer writes one: a live batch, delivered twice, plus malformed lines. */
function archiveLines(): { lines: string[]; valid: TelemetryRecord[] } {
  const base = Date.now() - 3 * 3_600_000;
  const payloads = Array.from({ length: 50 }, (_, i) => JSON.stringify({ event_id: `live-${i}`, ts: new Date(base + i * 1000).toISOString(), region: 'lab', host_id: `lab-${i % 5}`, temp_c: 40 + i / 10, cpu_pct: i }));
  const malformed = ['not json', '[1]', JSON.stringify({ host_id: 'x', timestamp: '2026-02-30 10:00:00' })];
  const entry = (value: string, offset: number) => archiveLine({ topic: 't', partition: 0, offset: String(offset), timestamp: String(base), key: null, value: Buffer.from(value), headers: value.startsWith('{"event_id') ? { [SCHEMA_HEADER]: 'pulse/v1' } : {} });
  const once = [...payloads, ...malformed].map((v, i) => entry(v, i));
  const valid = payloads.map((p) => {
    const decoded = decodePayload(p, { now: Date.now(), schemaTag: 'pulse/v1' });
    if (!decoded.ok) throw new Error('fixture');
    return decoded.record;
  });
  return { lines: [...once, ...once.slice(0, 20)], valid };
}

async function viewChecksums(db: IsolatedSchema): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of GOLD_TABLES) {
    const rows = await db.pool.query(`SELECT * FROM ${quoteIdentifier(table)} ORDER BY 1, 2, 3`);
    out[table] = createHash('sha256').update(JSON.stringify(rows.rows)).digest('hex');
  }
  return out;
}

describe('pulse batch', () => {
  let db: IsolatedSchema;
  let dataDir: string;
  let first: BatchSummary;
  const archive = archiveLines();
  const run = (extra: Partial<Parameters<typeof runBatch>[0]> = {}) => runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB', ...extra });

  beforeAll(async () => {
    db = await isolatedSchema('batch');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-batch-'));
    await chmod(dataDir, 0o755);
    await writeHistory(join(dataDir, 'historical'), HISTORY);
    await writeFile(join(dataDir, 'historical', 'india', 'broken.csv'), 'wrong,header,here\n1,2,3\n');
    await writeFile(join(dataDir, 'historical', 'germany', 'truncated.parquet'), (await readFile(join(dataDir, 'historical', 'germany', `${new Date(END - 86_400_000).toISOString().slice(0, 10)}_v2.parquet`))).subarray(0, 2000));
    const open = new Date(OPEN_HOUR).toISOString();
    const hour = join(dataDir, 'live_data', 'stream_run_test', `date=${open.slice(0, 10)}`, `hour=${open.slice(11, 13)}`);
    await mkdir(hour, { recursive: true });
    await writeFile(join(hour, 'part-00001.jsonl'), archive.lines.join(''));
    await writeFile(join(hour, '.part-00002.jsonl.inprogress'), archive.lines[0] ?? '');
    first = await run();
  });

  afterAll(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps exactly the distinct valid events in silver, with values equal to the TypeScript normalizer', async () => {
    const expected = new Map<string, TelemetryRecord>();
    for (const row of historyRows(planHistory(HISTORY))) {
      const decoded = decodeReading(row.record, { source: 'history', now: Date.now() });
      if (decoded.ok) expected.set(decoded.record.event_id, decoded.record);
    }
    for (const r of archive.valid) expected.set(r.event_id, r);
    expect(first.silverRows).toBe(expected.size);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const silver = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${join(dataDir, 'silver', '*', '*', '*.parquet')}', hive_partitioning = true)`)).getRowObjectsJS();
    duck.closeSync();
    expect(silver).toHaveLength(expected.size);
    for (const row of silver) {
      const want = expected.get(row['event_id'] as string);
      expect(want, String(row['event_id'])).toBeDefined();
      expect({ ...Object.fromEntries(METRICS.map((m) => [m, row[m]])), ts: Number(row['ts_ms']), host_id: row['host_id'], region: row['region'], source: row['source'] })
        .toEqual({ ...Object.fromEntries(METRICS.map((m) => [m, want![m]])), ts: want!.ts, host_id: want!.host_id, region: want!.region, source: want!.source });
    }
  });

  it('writes each silver partition file sorted by host, time and event id (another engine can skip hosts by row-group statistics)', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const files = (await duck.runAndReadAll(`SELECT DISTINCT filename FROM read_parquet('${join(dataDir, 'silver', '*', '*', '*.parquet')}', filename = true)`)).getRowObjectsJS();
    expect(files.length).toBeGreaterThan(1);
    for (const { filename } of files) {
      const rows = (await duck.runAndReadAll(`SELECT host_id, ts_ms, event_id FROM read_parquet('${String(filename)}', file_row_number = true) ORDER BY file_row_number`)).getRowObjectsJS();
      const keys = rows.map((r) => [String(r['host_id']), Number(r['ts_ms']), String(r['event_id'])] as const);
      const sorted = [...keys].sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] !== b[1] ? a[1] - b[1] : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
      expect(keys, String(filename)).toEqual(sorted);
    }
    duck.closeSync();
  });

  it('accounts for duplicates, bad rows and unreadable files in its summary and quarantine', async () => {
    expect(first.deduplicated).toBe(20); // the re-delivered part of the archive
    expect(first.byReason).toEqual(expect.arrayContaining([
      { kind: 'archive', reason: 'not_json', rows: 1 }, { kind: 'archive', reason: 'not_object', rows: 1 }, { kind: 'archive', reason: 'bad_time', rows: 1 },
    ]));
    expect(first.filesQuarantined.map((f) => [f.path.split('/').pop(), f.reason]).sort()).toEqual([['broken.csv', 'unknown_schema'], ['truncated.parquet', 'unreadable']]);
    const rows = (await readFile(join(first.quarantineDir, 'rows.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(first.quarantined);
    for (const row of rows) expect(row).toMatchObject({ source_file: expect.any(String), locator: expect.stringMatching(/^(partition 0 offset \d+|line \d+|row \d+)$/), reason: expect.any(String) });
    const files = (await readFile(join(first.quarantineDir, 'files.jsonl'), 'utf8')).trim().split('\n');
    expect(files).toHaveLength(2);
  });

  it('publishes gold views and a watermark that stops at the hour an archive file is still being written', async () => {
    expect(first.watermark.getTime()).toBe(OPEN_HOUR);
    const counted = await db.pool.query('SELECT sum(n)::int AS n FROM gold_region_minute');
    const expected = await db.pool.query('SELECT rows_kept FROM batch_runs WHERE run_id = $1', [first.runId]);
    expect(counted.rows[0].n).toBeLessThanOrEqual(Number(expected.rows[0].rows_kept));
    const watermark = await db.pool.query('SELECT watermark, run_id FROM batch_watermark');
    expect(watermark.rows[0]).toEqual({ watermark: first.watermark, run_id: first.runId });
  });

  it('leaves identical views when run again on the same inputs', async () => {
    const before = await viewChecksums(db);
    const again = await run();
    expect(again.silverRows).toBe(first.silverRows);
    expect(await viewChecksums(db)).toEqual(before);
  });

  it('leaves the previous views and watermark intact when a run fails before its swap, and the next run succeeds', async () => {
    const before = await viewChecksums(db);
    const mark = await db.pool.query('SELECT * FROM batch_watermark');
    await expect(run({ beforeSwap: async () => { throw new Error('killed'); } })).rejects.toThrow('killed');
    expect(await viewChecksums(db)).toEqual(before);
    expect((await db.pool.query('SELECT * FROM batch_watermark')).rows).toEqual(mark.rows);
    await run();
    expect(await viewChecksums(db)).toEqual(before);
  });

  it('survives pulse batch being killed with SIGKILL at any moment', async () => {
    const before = await viewChecksums(db);
    const env = { DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    for (const phase of ['reading JSON lines', 'computing gold views', 'publishing to PostgreSQL']) {
      const batch = startPulse(['batch'], env);
      await batch.waitForOutput(phase, 60_000).catch(() => undefined);
      batch.child.kill('SIGKILL');
      await batch.exited;
      expect(await viewChecksums(db)).toEqual(before);
    }
    const restartedAt = Date.now();
    const last = startPulse(['batch'], env);
    expect(await last.exited).toBe(0);
    expect(await viewChecksums(db)).toEqual(before);

    const sent = new Set(archive.valid.map((r) => r.event_id));
    for (const row of historyRows(planHistory(HISTORY))) {
      const decoded = decodeReading(row.record, { source: 'history', now: Date.now() });
      if (decoded.ok) sent.add(decoded.record.event_id);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const silver = (await duck.runAndReadAll(`SELECT event_id FROM read_parquet('${join(dataDir, 'silver', '*', '*', '*.parquet')}', hive_partitioning = true)`)).getRowObjectsJS();
    duck.closeSync();
    const outcome = compareById(sent, silver.map((r) => String(r['event_id'])));
    const rejects: Record<string, number> = {};
    for (const { reason, rows } of first.byReason) rejects[reason] = (rejects[reason] ?? 0) + rows;
    for (const file of first.filesQuarantined) rejects[`file: ${file.reason}`] = (rejects[`file: ${file.reason}`] ?? 0) + 1;
    await recordScenario({
      scenario: 'batch layer killed mid-publish', suite: 'fault', sent: sent.size, ...outcome,
      recoverySeconds: null, catchUpSeconds: (Date.now() - restartedAt) / 1000, rejectsByReason: rejects,
      detail: '`pulse batch` killed with SIGKILL while reading, while computing and while publishing; after each kill the published views and watermark were byte-for-byte the previous ones; the next run completed; its silver dataset compared with every valid history and archive event.',
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
  });
});
