// The speed layer's lifecycle as health sees it: listed the moment it consumes, gone the
// moment it stops. And a speed layer whose start-up fails half-way closes what it had opened: its database
// pool, the cold-archive run (lock released, heartbeat timer stopped) and its producer.
// The failing step is real: KafkaJS refuses an empty consumer group id, which is created
// only after the pool, the archive and the dead-letter producer are open.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpeedLayer } from '../speed/index.ts';
import { startServing } from '../serving/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { ensureTopics } from '../infra/index.ts';

function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('speed layer start-up that fails part-way', () => {
  let db: IsolatedSchema;
  let dataDir: string;

  beforeAll(async () => {
    db = await isolatedSchema('speedfail');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-speedfail-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('closes its pool, archive run, timers and producer before the error reaches the caller', async () => {
    const kafka = testKafka();
    const before = openHandles();
    await expect(startSpeedLayer({
      kafka, topic: uniqueName('speedfail'), group: '', databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir,
      alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1_048_576, archiveRollMs: 2_000,
    })).rejects.toThrow(/groupId/);

    // The archive run was opened (its directory exists) and then closed: no lock is held.
    const runs = await readdir(join(dataDir, 'live_data'));
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs.filter((name) => !name.startsWith('date='))) {
      expect(await readdir(join(dataDir, 'live_data', run))).not.toContain('run.lock');
    }
    // Sockets (the pool's PostgreSQL connections, the producer's broker connections) and
    // intervals (the archive's heartbeat) are back where they were.
    await new Promise((r) => setTimeout(r, 200));
    const after = openHandles();
    for (const kind of ['TCPSocketWrap', 'Timeout']) expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
  });

  it('is listed by /api/health as soon as it has started, and no longer once it has stopped', async () => {
    const kafka = testKafka();
    const topic = uniqueName('speedlife');
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    const serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
    const instances = async () => {
      const body = await (await fetch(`http://127.0.0.1:${serving.port}/api/health`)).json() as { speed: { instances: { instance_id: string }[] } };
      return body.speed.instances.map((i) => i.instance_id);
    };
    try {
      const speed = await startSpeedLayer({
        kafka, topic, group: uniqueName('speedlife'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir,
        alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1_048_576, archiveRollMs: 2_000, statusIntervalMs: 60_000,
      });
      // The status interval is a minute: only the report made at start can list it now.
      expect(await instances()).toEqual([speed.instanceId]);
      await speed.close();
      expect(await instances()).toEqual([]);
      const { rows } = await db.pool.query('SELECT stopped_at FROM speed_status WHERE instance_id = $1', [speed.instanceId]);
      expect(rows[0]?.stopped_at).toBeInstanceOf(Date);
    } finally {
      await serving.close();
    }
  });
});
