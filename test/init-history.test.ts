// `pulse init` on a fresh installation generates history that ends at the current minute
// (so the views hold data up to now, not up to last midnight), and on a later start
// backfills the time since the last event any view holds, from the same fleet and seed.

import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedSchema, testBrokers, testDatabaseUrl, type IsolatedSchema } from './support/isolation.ts';
import { startPulse } from './support/pulse-process.ts';

const MINUTE = 60_000;

describe('pulse init history', () => {
  let db: IsolatedSchema;
  let dataDir: string;
  let env: Record<string, string>;
  const init = async () => {
    const run = startPulse(['init', '--servers-per-region', '2', '--history-days', '1'], env);
    expect(await run.exited, run.output()).toBe(0);
    return run.output();
  };
  const newestMinute = async () => (await db.pool.query<{ m: Date }>('SELECT max(minute) AS m FROM gold_region_minute')).rows[0]!.m.getTime();

  beforeAll(async () => {
    db = await isolatedSchema('inithist');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-init-'));
    env = { DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_DATA_DIR: dataDir, KAFKA_BROKERS: testBrokers().join(','), LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates history up to the current minute and publishes it up to then', async () => {
    const started = Math.floor(Date.now() / MINUTE) * MINUTE;
    await init();
    expect(await newestMinute()).toBeGreaterThanOrEqual(started - 2 * MINUTE);
    const watermark = (await db.pool.query<{ watermark: Date }>('SELECT watermark FROM batch_watermark')).rows[0]!.watermark.getTime();
    expect(watermark).toBeGreaterThanOrEqual(started);
  });

  it('backfills the minutes since the last event on a later start, in a folder of their own', async () => {
    // As if Pulse had been stopped 30 minutes ago: the views end there.
    const cut = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
    await db.pool.query('DELETE FROM gold_region_minute WHERE minute >= $1', [new Date(cut)]);
    const before = Math.floor(Date.now() / MINUTE) * MINUTE;
    await init();
    const folders = (await readdir(join(dataDir, 'historical'))).filter((f) => f.startsWith('backfill-'));
    expect(folders).toHaveLength(1);
    expect(await newestMinute()).toBeGreaterThanOrEqual(before - 2 * MINUTE);
    // Each minute of the backfilled half hour holds every host's reading once: no hole, no double count.
    const minutes = await db.pool.query<{ n: string }>(`SELECT sum(n) AS n FROM gold_region_minute WHERE minute >= $1 AND minute < $2`, [new Date(cut), new Date(cut + 20 * MINUTE)]);
    expect(Number(minutes.rows[0]!.n)).toBe(20 * 6);
  });

  it('adds nothing when started again right away', async () => {
    await init();
    expect((await readdir(join(dataDir, 'historical'))).filter((f) => f.startsWith('backfill-'))).toHaveLength(1);
  });
});
