// The speed layer end to end on a real broker and database: 50,000 readings of all three
// regions in both schema versions plus 1 % malformed input.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../infra/index.ts';
import { REJECT_HEADERS, WATERMARK_CHANNEL, startSpeedLayer, type SpeedLayer } from '../speed/index.ts';
import { METRICS, SCHEMA_HEADER } from '../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { interleave, malformedMessages, nativeReadings, produce, waitFor } from './support/telemetry-fixtures.ts';

const VALID = 49_500;
const MALFORMED = 500;

describe('speed layer: 50,000 events with 1 % malformed', () => {
  const kafka = testKafka();
  const topic = uniqueName('speed');
  const dlqTopic = uniqueName('dlq');
  const fixtures = nativeReadings(VALID);
  let db: IsolatedSchema;
  let dataDir: string;
  let speed: SpeedLayer;
  const deadLetters: { value: string; headers: Record<string, string> }[] = [];

  beforeAll(async () => {
    db = await isolatedSchema('speed');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-speed-'));
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }, { topic: dlqTopic, numPartitions: 1 }]);
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('speed-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir, dlqTopic,
      alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1_048_576, archiveRollMs: 2_000, statusIntervalMs: 500,
    });
    const dlq = kafka.consumer({ groupId: uniqueName('dlq-reader') });
    await dlq.connect();
    await dlq.subscribe({ topic: dlqTopic, fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        deadLetters.push({
          value: message.value?.toString('base64') ?? '',
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await produce(kafka, topic, interleave(fixtures.map((f) => f.message), malformedMessages(MALFORMED)));
    await waitFor(() => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number), (n) => n >= VALID, 90_000);
    await waitFor(async () => deadLetters.length, (n) => n >= MALFORMED, 30_000);
    await dlq.disconnect();
  });

  afterAll(async () => {
    await speed?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every valid event exactly once', async () => {
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM readings_hot');
    expect(rows[0]).toEqual({ n: VALID, d: VALID });
  });

  it('normalizes units exactly as telemetry/ does (every row compared)', async () => {
    const { rows } = await db.pool.query(`SELECT event_id, ts, region, host_id, source, ${METRICS.join(', ')} FROM readings_hot`);
    const stored = new Map(rows.map((r) => [r.event_id as string, r]));
    for (const { expected } of fixtures) {
      const row = stored.get(expected.event_id);
      expect(row, expected.event_id).toBeDefined();
      expect({ ...row, ts: (row.ts as Date).getTime() }).toEqual(expected);
    }
    const usa = fixtures.find((f) => f.expected.region === 'usa' && f.expected.temp_c !== null)!;
    const native = JSON.parse(usa.message.value as string) as { temp_fahrenheit: number; load_fraction: number };
    expect(stored.get(usa.expected.event_id)?.temp_c).toBeCloseTo(((native.temp_fahrenheit - 32) * 5) / 9, 1);
    expect(stored.get(usa.expected.event_id)?.cpu_pct).toBeCloseTo(native.load_fraction * 100, 2);
  });

  it('covers all three regions in both schema versions', async () => {
    const tags = new Set(fixtures.map((f) => (f.message.headers?.[SCHEMA_HEADER] as string | undefined) ?? '').filter(Boolean));
    expect([...tags].sort()).toEqual(['germany/v1', 'germany/v2', 'india/v1', 'india/v2', 'usa/v1', 'usa/v2']);
    const { rows } = await db.pool.query('SELECT region, count(*)::int AS n FROM readings_hot GROUP BY 1 ORDER BY 1');
    expect(rows.map((r) => r.region)).toEqual(['germany', 'india', 'usa']);
  });

  it('dead-letters every malformed message with its reason and source offset, and counts it', async () => {
    expect(deadLetters).toHaveLength(MALFORMED);
    for (const letter of deadLetters) {
      expect(letter.headers[REJECT_HEADERS.reason]).toMatch(/^[a-z_]+$/);
      expect(letter.headers[REJECT_HEADERS.offset]).toMatch(/^\d+$/);
      expect(letter.headers[REJECT_HEADERS.topic]).toBe(topic);
    }
    const reasons = new Set(deadLetters.map((l) => l.headers[REJECT_HEADERS.reason]));
    expect(reasons).toEqual(new Set(['not_json', 'unknown_schema', 'not_object', 'out_of_range', 'bad_time', 'bad_number']));
    const { rows } = await db.pool.query('SELECT sum(n)::int AS n FROM rt_rejects_minute');
    expect(rows[0].n).toBe(MALFORMED);
  });

  it('keeps realtime aggregates equal to the hot rows they summarize', async () => {
    const hot = await db.pool.query(`SELECT region, count(*)::int AS n, count(temp_c)::int AS temp_n, round(sum(temp_c)::numeric, 6) AS temp_sum,
      max(cpu_pct) AS cpu_max FROM readings_hot GROUP BY 1 ORDER BY 1`);
    const regional = await db.pool.query(`SELECT region, sum(n)::int AS n, sum(temp_c_n)::int AS temp_n, round(sum(temp_c_sum)::numeric, 6) AS temp_sum,
      max(cpu_pct_max) AS cpu_max FROM rt_region_minute GROUP BY 1 ORDER BY 1`);
    const perHost = await db.pool.query(`SELECT region, sum(n)::int AS n, sum(temp_c_n)::int AS temp_n, round(sum(temp_c_sum)::numeric, 6) AS temp_sum,
      max(cpu_pct_max) AS cpu_max FROM rt_host_minute GROUP BY 1 ORDER BY 1`);
    expect(regional.rows).toEqual(hot.rows);
    expect(perHost.rows).toEqual(hot.rows);
  });

  it('archives every raw message, exactly as received, with its offset, in complete files only', async () => {
    const lines: { partition: number; offset: number; value?: string; value_b64?: string }[] = [];
    await waitFor(async () => {
      lines.length = 0;
      for (const entry of await readdir(join(dataDir, 'live_data'), { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && entry.name.endsWith('.jsonl')) {
          for (const line of (await readFile(join(entry.parentPath, entry.name), 'utf8')).trim().split('\n')) lines.push(JSON.parse(line));
        }
      }
      return lines.length;
    }, (n) => n >= VALID + MALFORMED, 15_000);
    const offsets = new Set(lines.map((l) => `${l.partition}:${l.offset}`));
    expect(offsets.size).toBe(VALID + MALFORMED);
    const raw = new Set(lines.map((l) => l.value ?? l.value_b64));
    for (const { message } of fixtures.slice(0, 500)) expect(raw.has(message.value as string)).toBe(true);
  });

  it('reports its progress in speed_status', async () => {
    const { rows } = await waitFor(() => db.pool.query('SELECT * FROM speed_status'), (r) => (r.rows[0]?.events_in ?? 0) >= VALID + MALFORMED, 5_000);
    expect(rows[0]).toMatchObject({ events_in: String(VALID + MALFORMED), events_stored: String(VALID), events_rejected: String(MALFORMED), lag: '0' });
  });

  it('expires hot rows and realtime minutes older than a new batch watermark minus the overlap', async () => {
    const times = fixtures.map((f) => f.expected.ts).sort((a, b) => a - b);
    const watermark = new Date(times[Math.floor(times.length / 2)] as number);
    const cutoff = watermark.getTime() - 3_600_000;
    const keep = fixtures.filter((f) => f.expected.ts >= cutoff).length;
    await db.pool.query(`INSERT INTO batch_watermark (watermark, run_id, published_at) VALUES ($1, 'test-run', now())
      ON CONFLICT (singleton) DO UPDATE SET watermark = excluded.watermark`, [watermark]);
    await db.pool.query('SELECT pg_notify($1, $2)', [WATERMARK_CHANNEL, JSON.stringify({ schema: db.schema, watermark })]);
    await waitFor(() => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number), (n) => n === keep, 15_000);
    const left = await db.pool.query(`SELECT (SELECT min(ts) FROM readings_hot) AS oldest_row,
      (SELECT min(minute) FROM rt_host_minute) AS oldest_minute, (SELECT sum(n)::int FROM rt_region_minute) AS counted`);
    expect(left.rows[0].oldest_row.getTime()).toBeGreaterThanOrEqual(cutoff);
    expect(left.rows[0].oldest_minute.getTime()).toBeGreaterThanOrEqual(cutoff - 60_000);
    expect(left.rows[0].counted).toBeGreaterThanOrEqual(keep);
  });
});
