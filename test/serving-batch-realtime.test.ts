// The same readings, NULLs included, served from the realtime views (before a batch run)
// and from the batch views (after it) give the same values: an hour whose CPU is NULL
// throughout must not pull a two-hour CPU average down in either.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch/index.ts';
import { ensureTopics } from '../infra/index.ts';
import { startServing, type Serving } from '../serving/index.ts';
import { startSpeedLayer, type SpeedLayer } from '../speed/index.ts';
import { SCHEMA_HEADER } from '../telemetry/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { produce, waitFor } from './support/telemetry-fixtures.ts';

const HOUR = 3_600_000;
/** Two whole hours, well before the current one (so before the watermark after a batch run). */
const START = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;

/** Hour 1: CPU and temperature every minute; hour 2: temperature only, half the CPU field absent, half null. */
function readings() {
  return Array.from({ length: 120 }, (_, i) => {
    const ts = START + i * 60_000;
    const first = i < 60;
    const payload: Record<string, unknown> = { event_id: `nulls-${i}`, ts, region: 'nulls', host_id: 'nulls-1', temp_c: 40 + (i % 7) };
    if (first) payload['cpu_pct'] = 20 + (i % 30);
    else if (i % 2 === 0) payload['cpu_pct'] = null;
    return { key: 'nulls-1', headers: { [SCHEMA_HEADER]: 'pulse/v1' }, value: JSON.stringify(payload) };
  });
}

type Point = { t: string; n: number; avg: number | null; min: number | null; max: number | null };

describe('batch and realtime views serve the same values for the same readings', () => {
  let db: IsolatedSchema;
  let dataDir: string;
  let speed: SpeedLayer;
  let serving: Serving;

  beforeAll(async () => {
    db = await isolatedSchema('nulls');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-nulls-'));
    await chmod(dataDir, 0o755);
    const kafka = testKafka();
    const topic = uniqueName('nulls');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('nulls-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir, dlqTopic: uniqueName('dlq'),
      alertForReadings: 3, expiryOverlapMs: 0, archiveRollBytes: 1_048_576, archiveRollMs: 300,
    });
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
    await produce(kafka, topic, readings());
    await waitFor(() => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number), (n) => n === 120, 30_000);
  });

  afterAll(async () => {
    await serving?.close();
    await speed?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const series = async (metric: string, step: string): Promise<Point[]> => {
    const url = `http://127.0.0.1:${serving.port}/api/timeseries?metric=${metric}&group=host&host=nulls-1&from=${new Date(START).toISOString()}&to=${new Date(START + 2 * HOUR).toISOString()}&step=${step}`;
    const body = await (await fetch(url)).json() as { points: (Point & { series: string })[] };
    return body.points.map(({ t, n, avg, min, max }) => ({ t, n, avg: avg === null ? null : Math.round(avg * 1e6) / 1e6, min, max }));
  };

  /** The overview's figures for region nulls over [from, to): after a batch run, whole hours come from the hourly view, edge minutes from the minute view. */
  const overview = async (from: number, to: number) => {
    const body = await (await fetch(`http://127.0.0.1:${serving.port}/api/overview?region=nulls&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`)).json() as { regions: Record<string, number | null>[] };
    const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 1e6) / 1e6);
    return body.regions.map((r) => ({ readings: r['readings'], temp_c: round(r['temp_c']), cpu_pct: round(r['cpu_pct']) }));
  };

  it('gives equal per-hour and two-hour CPU and temperature series before and after the batch run', async () => {
    const before = {
      cpu2h: await series('cpu_pct', '2h'), cpu1h: await series('cpu_pct', '1h'), temp2h: await series('temp_c', '2h'),
      overview: await overview(START, START + 2 * HOUR), overviewEdges: await overview(START + HOUR / 2, START + 2 * HOUR + HOUR / 4),
    };
    expect(before.overview).toEqual([expect.objectContaining({ readings: 120 })]);
    expect(before.overviewEdges).toEqual([expect.objectContaining({ readings: 90 })]);
    expect(before.cpu2h).toHaveLength(1);
    expect(before.cpu2h[0]?.avg).toBeCloseTo(Array.from({ length: 60 }, (_, i) => 20 + (i % 30)).reduce((a, b) => a + b, 0) / 60, 6);

    await new Promise((r) => setTimeout(r, 1_000)); // the archive file of that batch completes
    const summary = await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB' });
    expect(summary.watermark.getTime()).toBeGreaterThanOrEqual(START + 2 * HOUR);

    const after = {
      cpu2h: await series('cpu_pct', '2h'), cpu1h: await series('cpu_pct', '1h'), temp2h: await series('temp_c', '2h'),
      overview: await overview(START, START + 2 * HOUR), overviewEdges: await overview(START + HOUR / 2, START + 2 * HOUR + HOUR / 4),
    };
    expect(after).toEqual(before);
  });
});
