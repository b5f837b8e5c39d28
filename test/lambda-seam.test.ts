// The Lambda seam: after `pulse replay` absorbs the cold archive, the watermark advances,
// the speed layer expires the hot data the batch views now cover, and batch views before
// the watermark plus realtime views after it count every event exactly once — while live
// data keeps flowing.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../infra/index.ts';
import { startSpeedLayer } from '../speed/index.ts';
import { SCHEMA_HEADER } from '../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, testKafka, uniqueName } from './support/isolation.ts';
import { startPulse } from './support/pulse-process.ts';
import { produce, waitFor } from './support/telemetry-fixtures.ts';

const HOUR = 3_600_000;

function event(id: string, ts: number) {
  return { key: `seam-${id.length % 7}`, headers: { [SCHEMA_HEADER]: 'pulse/v1' }, value: JSON.stringify({ event_id: id, ts, region: 'seam', host_id: `seam-${Number(id.split('-')[1]) % 7}`, temp_c: 50, cpu_pct: 30 }) };
}

describe('Lambda seam', async () => {
  const db = await isolatedSchema('seam');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-seam-'));
  await chmod(dataDir, 0o755);
  const kafka = testKafka();
  const topic = uniqueName('seam');
  await ensureTopics(kafka, [{ topic, numPartitions: 3 }]);
  const speed = await startSpeedLayer({
    kafka, topic, group: uniqueName('seam-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir, dlqTopic: uniqueName('dlq'),
    alertForReadings: 3, expiryOverlapMs: 0, archiveRollBytes: 1_048_576, archiveRollMs: 500,
  });
  afterAll(async () => {
    await speed.close();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const count = (sql: string, params: unknown[] = []) => db.pool.query(sql, params).then((r) => Number(r.rows[0].n));

  it('counts every event once across batch and realtime views, before and after the batch run', async () => {
    const now = Date.now();
    const sent = new Map<string, number>();
    const history = Array.from({ length: 3000 }, (_, i) => {
      const ts = now - 3 * HOUR + i * 3_500;
      sent.set(`seam-${i}`, ts);
      return event(`seam-${i}`, ts);
    });
    await produce(kafka, topic, history);
    await waitFor(() => count('SELECT count(*) AS n FROM readings_hot'), (n) => n === history.length, 30_000);
    await new Promise((r) => setTimeout(r, 2_000)); // the archive files of those batches complete

    // Before any batch run there is no watermark: the realtime views alone count everything.
    expect(await count('SELECT sum(n) AS n FROM rt_region_minute')).toBe(history.length);
    expect(await count('SELECT count(*) AS n FROM batch_watermark')).toBe(0);

    let flowing = true;
    let next = history.length;
    const live = (async () => {
      while (flowing) {
        const batch = Array.from({ length: 50 }, () => {
          const id = `seam-${next++}`;
          sent.set(id, Date.now());
          return event(id, Date.now());
        });
        await produce(kafka, topic, batch);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const replay = startPulse(['replay'], { DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(await replay.exited, replay.output()).toBe(0);
    const watermark = (await db.pool.query('SELECT watermark FROM batch_watermark')).rows[0].watermark as Date;
    expect(watermark.getTime()).toBe(Math.floor(Date.now() / HOUR) * HOUR);
    await waitFor(() => count('SELECT count(*) AS n FROM readings_hot WHERE ts < $1', [watermark]), (n) => n === 0, 15_000);

    flowing = false;
    await live;
    await waitFor(() => count('SELECT count(*) AS n FROM readings_hot WHERE ts >= $1', [watermark]), (n) => n === [...sent.values()].filter((t) => t >= watermark.getTime()).length, 30_000);

    const union = async (from: number, to: number) => {
      const batch = await count('SELECT coalesce(sum(n), 0) AS n FROM gold_region_minute WHERE minute >= $1 AND minute < $2 AND minute < $3', [new Date(from), new Date(to), watermark]);
      const realtime = await count('SELECT coalesce(sum(n), 0) AS n FROM rt_region_minute WHERE minute >= $1 AND minute < $2 AND minute >= $3', [new Date(from), new Date(to), watermark]);
      return batch + realtime;
    };
    const expectedIn = (from: number, to: number) => [...sent.values()].filter((t) => t >= from && t < to).length;
    const minute = (t: number) => Math.floor(t / 60_000) * 60_000;
    for (const [from, to] of [[minute(now - 4 * HOUR), minute(now + HOUR)], [watermark.getTime() - 30 * 60_000, watermark.getTime() + 30 * 60_000], [minute(now - 2 * HOUR), minute(now - HOUR)]] as const) {
      expect(await union(from, to), `window ${new Date(from).toISOString()} … ${new Date(to).toISOString()}`).toBe(expectedIn(from, to));
    }
  });
});
