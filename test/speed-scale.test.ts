// Consumer-group scale-out: two `pulse speed` processes share six partitions; stopping
// one hands its partitions to the other without losing or repeating an event.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../infra/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName } from './support/isolation.ts';
import { startPulse, type PulseProcess } from './support/pulse-process.ts';
import { nativeReadings, produce, waitFor } from './support/telemetry-fixtures.ts';

describe('speed layer scale-out', async () => {
  const db = await isolatedSchema('scale');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-scale-'));
  const topic = uniqueName('scale');
  const env = {
    KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: uniqueName('scale-group'), LOG_LEVEL: 'info',
  };
  const processes: PulseProcess[] = [];
  const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);
  const assigned = (p: PulseProcess) => {
    const joins = [...p.output().matchAll(/"assignment":\{"[^"]+":\[([\d,]*)\]\}/g)];
    return (joins.at(-1)?.[1] ?? '').split(',').filter(Boolean).map(Number);
  };

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('splits the partitions between two processes and hands them over on stop', async () => {
    const kafka = testKafka();
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }]);
    const fixtures = nativeReadings(60_000, { days: 2 });
    const [a, b] = [startPulse(['speed'], env), startPulse(['speed'], env)];
    processes.push(a, b);
    await Promise.all([a.waitForOutput('speed layer running', 60_000), b.waitForOutput('speed layer running', 60_000)]);
    await waitFor(async () => [assigned(a).length, assigned(b).length], ([x, y]) => x! > 0 && y! > 0 && x! + y! === 6, 30_000);
    expect([...assigned(a), ...assigned(b)].sort()).toEqual([0, 1, 2, 3, 4, 5]);

    await produce(kafka, topic, fixtures.slice(0, 30_000).map((f) => f.message));
    await waitFor(count, (n) => n >= 30_000, 60_000);

    expect(await a.stop('SIGTERM')).toBe(0);
    await waitFor(async () => assigned(b).length, (n) => n === 6, 30_000);
    await produce(kafka, topic, fixtures.slice(30_000).map((f) => f.message));
    await waitFor(count, (n) => n >= 60_000, 60_000);

    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM readings_hot');
    expect(rows[0]).toEqual({ n: 60_000, d: 60_000 });
    const status = await db.pool.query('SELECT sum(events_stored)::int AS stored FROM speed_status');
    expect(status.rows[0].stored).toBeLessThanOrEqual(60_000);
  });
});
