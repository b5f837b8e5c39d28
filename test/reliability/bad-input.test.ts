// Bad input at every entry point — Kafka payloads, socket-bridge lines, history files, HTTP
// parameters: each bad item is rejected with a reason and counted, no process crashes, and
// the valid data beside it still lands. Results go to docs/RELIABILITY.md.

import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch/index.ts';
import { startBridge } from '../../generator/index.ts';
import { historyRows, planHistory, writeHistory, type HistoryOptions } from '../../generator/index.ts';
import { ensureTopics, freePort } from '../../infra/index.ts';
import { startServing, type Serving } from '../../serving/index.ts';
import { startSpeedLayer, type SpeedLayer } from '../../speed/index.ts';
import { decodeReading, SCHEMA_HEADER } from '../../telemetry/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from '../support/isolation.ts';
import { recordScenario, speedOutcome, speedRejects } from '../support/reliability.ts';
import { interleave, malformedMessages, nativeReadings, produce, waitFor } from '../support/telemetry-fixtures.ts';

const NOW = Date.now();
const pulse = (fields: Record<string, unknown>) => JSON.stringify({ ts: new Date(NOW - 3_600_000).toISOString(), region: 'usa', host_id: 'h-bad', temp_c: 40, ...fields });

/** Hand-made bad Kafka payloads, each with the reason it must be rejected for. */
const HAND_MADE: [string, string][] = [
  ['{"event_id":"nan","host_id":"h","ts":"2026-11-22T10:00:00Z","region":"usa","temp_c":NaN}', 'not_json'],
  [pulse({ event_id: 'inf', temp_c: 'Infinity' }), 'bad_number'],
  ['{"event_id":"big","host_id":"h","ts":"2026-11-22T10:00:00Z","region":"usa","temp_c":1e999}', 'bad_number'],
  [pulse({ event_id: 'y1970', ts: '1970-01-01T00:00:00Z' }), 'stale_time'],
  [pulse({ event_id: 'next-year', ts: new Date(NOW + 366 * 86_400_000).toISOString() }), 'future_time'],
  [pulse({ event_id: 'region', region: 'Mars; DROP TABLE x' }), 'bad_id'],
  ['{"event_id":"trunc","host_id":"h","ts":"2026-11-', 'not_json'],
];

describe('bad input: Kafka payloads and socket-bridge lines', async () => {
  const db = await isolatedSchema('badinput');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-badinput-'));
  const [topic, dlqTopic] = [uniqueName('badinput'), uniqueName('baddlq')];
  const kafka = testKafka();
  let speed: SpeedLayer;
  let server: Server | undefined;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }, { topic: dlqTopic, numPartitions: 1 }]);
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('badinput-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir, dlqTopic,
      alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1 << 20, archiveRollMs: 2_000,
    });
  });
  afterAll(async () => {
    await speed.close();
    server?.close();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rejects each bad payload with its reason, keeps the first of two values for one event_id, and stores the valid ones', async () => {
    const valid = nativeReadings(3_000);
    const bad: Message[] = [...malformedMessages(400), ...HAND_MADE.map(([value]) => ({ value }))];
    const duplicates: Message[] = [pulse({ event_id: 'dup-1', temp_c: 41 }), pulse({ event_id: 'dup-1', temp_c: 99 })].map((value) => ({ key: 'dup', value, headers: { [SCHEMA_HEADER]: 'pulse/v1' } }));
    await produce(kafka, topic, [...interleave(valid.map((f) => f.message), bad), ...duplicates]);
    const sentIds = [...valid.map((f) => f.expected.event_id), 'dup-1'];
    await waitFor(() => speedOutcome(db.pool, sentIds), (o) => o.stored >= sentIds.length, 60_000);
    await waitFor(() => speedRejects(db.pool), (r) => Object.values(r).reduce((a, b) => a + b, 0) >= bad.length, 30_000);

    const rejects = await speedRejects(db.pool);
    const outcome = await speedOutcome(db.pool, sentIds);
    const kept = await db.pool.query(`SELECT temp_c FROM readings_hot WHERE event_id = 'dup-1'`);
    const duplicatesDropped = speed.metrics().duplicates;
    await recordScenario({
      scenario: 'Kafka payloads', suite: 'bad input', sent: valid.length + 1, ...outcome, recoverySeconds: null,
      rejectsByReason: { ...rejects, 'duplicate event_id (first kept)': duplicatesDropped },
      detail: `${valid.length} valid readings of every regional schema interleaved with ${bad.length} bad payloads (bad JSON, NaN, Infinity, 1e999, 1970, next year, a malformed region, truncated JSON, non-UTF-8 bytes, an unknown schema tag, arrays, out-of-range and impossible values) and one event_id sent twice with different values; rejects go to the dead-letter topic and rt_rejects_minute. A well-formed region name nobody knows (e.g. \`mars\`) is accepted by design: host agents name their own region.`,
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(kept.rows).toEqual([{ temp_c: 41 }]);
    for (const [, reason] of HAND_MADE) expect(rejects[reason], reason).toBeGreaterThan(0);
    expect(Object.values(rejects).reduce((a, b) => a + b, 0)).toBe(bad.length);
  });

  it('dead-letters a 10 MB line from the socket bridge and forwards the lines around it', async () => {
    const before = await speedRejects(db.pool);
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ host_id: `bridge-${i % 10}`, timestamp: new Date(NOW - 600_000 + i * 1000).toISOString(), temp_c: 40, cpu_load: 10, voltage: 230, power_watts: 300 }));
    const bad = ['x'.repeat(10 * 1024 * 1024), 'not json', '{"host_id":"b","timestamp":"1970-01-01 00:00:00","temp_c":40}', Buffer.from([0x7b, 0xc4, 0xff, 0x7d]).toString('latin1')];
    const port = await freePort();
    let served = false; // once: the bridge reconnects after the server hangs up
    server = createServer((socket) => {
      socket.on('error', () => undefined).end(served ? '' : [...lines.slice(0, 100), ...bad, ...lines.slice(100)].map((l) => `${l}\n`).join(''));
      served = true;
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    const bridge = await startBridge({ kafka, topic, dlqTopic, host: '127.0.0.1', port, minBackoffMs: 50, maxBackoffMs: 200 });
    await waitFor(async () => bridge.stats(), (s) => s.forwarded >= lines.length + bad.length - 1, 30_000);
    const stats = bridge.stats();
    await bridge.close();
    const ids = lines.map((l) => `legacy:${JSON.parse(l).host_id}:${Date.parse(JSON.parse(l).timestamp)}`);
    await waitFor(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM readings_hot WHERE host_id LIKE 'bridge-%'`)).rows[0].n, (n) => n >= lines.length, 30_000);
    await waitFor(() => speedRejects(db.pool), (r) => Object.values(r).reduce((a, b) => a + b, 0) >= Object.values(before).reduce((a, b) => a + b, 0) + 3, 30_000);
    const after = await speedRejects(db.pool);
    const rejects: Record<string, number> = { too_large: stats.oversize };
    for (const [reason, n] of Object.entries(after)) if (n > (before[reason] ?? 0)) rejects[reason] = n - (before[reason] ?? 0);
    const stored = await db.pool.query<{ event_id: string }>(`SELECT event_id FROM readings_hot WHERE host_id LIKE 'bridge-%'`);
    const landed = stored.rows.map((r) => r.event_id);
    const lost = ids.filter((id) => !landed.includes(id)).length;
    await recordScenario({
      scenario: 'socket bridge lines', suite: 'bad input', sent: lines.length, stored: landed.length, lost, duplicated: landed.length - new Set(landed).size, recoverySeconds: null,
      rejectsByReason: rejects,
      detail: '200 valid legacy lines around a 10 MB line (dead-lettered by the bridge as too_large), a non-JSON line, a 1970 reading and a line of Latin-1 bytes (judged by the speed layer).',
    });
    expect({ lost, oversize: stats.oversize }).toEqual({ lost: 0, oversize: 1 });
    expect(Object.values(rejects).reduce((a, b) => a + b, 0)).toBe(bad.length);
  });
});

const HISTORY: HistoryOptions = { serversPerRegion: 2, days: 1, intervalSeconds: 600, seed: 5, regions: ['india', 'usa', 'germany'], end: Math.floor(NOW / 86_400_000) * 86_400_000, incidentRate: 0 };

describe('bad input: history files', async () => {
  const db = await isolatedSchema('badhistory');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-badhistory-'));
  await chmod(dataDir, 0o755);
  afterAll(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('quarantines bad rows and unreadable files with their reasons and keeps every valid row', async () => {
    const root = join(dataDir, 'historical');
    await writeHistory(root, HISTORY);
    const day = new Date(HISTORY.end! - 86_400_000).toISOString().slice(0, 10);
    const file = async (region: string) => join(root, region, (await readdir(join(root, region))).find((n) => n.startsWith(day)) as string);
    const usaLine = JSON.parse((await readFile(await file('usa'), 'utf8')).split('\n')[0] as string) as Record<string, unknown>;
    const usa = (fields: Record<string, unknown>) => JSON.stringify({ ...usaLine, instance_id: 'i-hand-made', ...fields });
    const handMade = [
      `{"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`, usa({ time_utc: '1970-01-01T00:00:00Z' }), usa({ time_utc: new Date(NOW + 366 * 86_400_000).toISOString() }),
      usa({ temp_fahrenheit: 'NaN' }), usa({ temp_fahrenheit: 'Infinity' }), usa({ time_utc: '2026-02-30T00:00:00Z' }),
      usa({ instance_id: 'i-dup', time_utc: new Date(NOW - 7_200_000).toISOString() }), usa({ instance_id: 'i-dup', time_utc: new Date(NOW - 7_200_000).toISOString(), temp_fahrenheit: 200 }),
    ];
    await writeFile(join(root, 'usa', 'hand-made.jsonl'), `${handMade.join('\n')}\n`);
    const indiaCsv = await readFile(await file('india'), 'latin1');
    const [header, firstRow] = indiaCsv.split('\n') as [string, string];
    // A UTF-8 file with one row in Latin-1 (a host id with Ä as the single byte 0xC4).
    await writeFile(join(root, 'india', 'mixed-encoding.csv'), Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(`${firstRow.replace(/IN-[^,]*/, 'IN-\u00c4')}\n`, 'latin1')]));
    await writeFile(join(root, 'india', 'wrong-header.csv'), 'wrong,header,here\n1,2,3\n');
    const parquet = await file('germany');
    await writeFile(join(root, 'germany', 'truncated.parquet'), (await readFile(parquet)).subarray(0, 1500));

    const summary = await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB' });
    const expected = new Set<string>();
    for (const row of historyRows(planHistory(HISTORY))) {
      const decoded = decodeReading(row.record, { source: 'history', now: Date.now() });
      if (decoded.ok) expected.add(decoded.record.event_id);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const silver = (await duck.runAndReadAll(`SELECT event_id FROM read_parquet('${join(dataDir, 'silver', '*', '*', '*.parquet')}', hive_partitioning = true)`)).getRowObjectsJS().map((r) => String(r['event_id']));
    duck.closeSync();
    const historyIds = silver.filter((id) => !id.includes('i-dup'));
    const rejects: Record<string, number> = {};
    for (const { reason, rows } of summary.byReason) rejects[reason] = (rejects[reason] ?? 0) + rows;
    for (const f of summary.filesQuarantined) rejects[`file: ${f.reason}`] = (rejects[`file: ${f.reason}`] ?? 0) + 1;
    if (summary.deduplicated) rejects['duplicate event_id'] = summary.deduplicated;
    const lost = [...expected].filter((id) => !historyIds.includes(id)).length;
    await recordScenario({
      scenario: 'history files', suite: 'bad input', sent: expected.size, stored: historyIds.length, lost, duplicated: silver.length - new Set(silver).size, recoverySeconds: null,
      rejectsByReason: rejects,
      detail: 'a day of history in all three formats next to a truncated Parquet file, a CSV with a wrong header, a CSV with a Latin-1 row, and a JSON-lines file with a 10 MB line, 1970 and next-year times, NaN and Infinity, 30 February, and one event twice with different values; the batch run completes.',
    });
    expect({ lost, duplicated: silver.length - new Set(silver).size }).toEqual({ lost: 0, duplicated: 0 });
    expect(silver.filter((id) => id.includes('i-dup'))).toHaveLength(1);
    expect(summary.filesQuarantined.map((f) => f.path.split('/').pop()).sort()).toEqual(expect.arrayContaining(['truncated.parquet', 'wrong-header.csv']));
    expect(summary.quarantined).toBeGreaterThanOrEqual(6);
  });
});

describe('bad input: HTTP parameters', async () => {
  let db: IsolatedSchema;
  let serving: Serving;
  beforeAll(async () => {
    db = await isolatedSchema('badhttp');
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await serving.close();
    await db.drop();
  });

  it('answers every fuzzed query string with 200 or a 400 naming the problem, never a 500', async () => {
    const endpoints = ['overview', 'timeseries', 'histogram', 'volume', 'hosts', 'alerts', 'health-scores'];
    const names = fc.constantFrom('metric', 'group', 'region', 'host', 'from', 'to', 'step', 'bins', 'status', 'limit', 'date', 'x', "'", '__proto__', 'constructor');
    const values = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("usa' OR '1'='1", '1; DROP TABLE alerts', '%00', 'NaN', 'Infinity', '-1', '1e309', '9999-99-99', '1970-01-01', 'cpu_pct'), fc.integer().map(String));
    const codes: Record<string, number> = {};
    let requests = 0;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...endpoints), fc.array(fc.tuple(names, values), { maxLength: 4 }), async (endpoint, params) => {
      const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      const response = await fetch(`http://127.0.0.1:${serving.port}/api/${endpoint}?${query}`);
      const body = (await response.json()) as { error?: { code: string; message: string } };
      requests += 1;
      if (response.status === 400) codes[body.error!.code] = (codes[body.error!.code] ?? 0) + 1;
      expect([200, 400]).toContain(response.status);
      if (response.status === 400) expect(body.error?.message).toEqual(expect.any(String));
    }), { numRuns: 300, seed: 9 });
    await recordScenario({
      scenario: 'HTTP parameters', suite: 'bad input', sent: requests, stored: requests, lost: 0, duplicated: 0, recoverySeconds: null, rejectsByReason: codes,
      detail: 'fast-check query strings (unknown and prototype-polluting names, SQL fragments, NaN, 1e309, impossible dates, random text) against every GET endpoint: each answered 200 or 400 with a code and message, none 500; "sent/stored" count requests answered.',
    });
  });
});
