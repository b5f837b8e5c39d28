// Crash safety of the speed layer: `pulse speed` killed with SIGKILL three times while
// 100,000 events stream in (200,000 under PULSE_RELIABILITY_SCALE=full), restarted each
// time. Nothing lost, nothing counted twice; recorded for docs/RELIABILITY.md.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../infra/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName } from './support/isolation.ts';
import { startPulse, type PulseProcess } from './support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects, timeUntilProgress } from './support/reliability.ts';
import { nativeReadings, produce, waitFor } from './support/telemetry-fixtures.ts';

const EVENTS = scaled(100_000, 200_000);

async function archivedOffsets(dir: string): Promise<Set<string>> {
  const offsets = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.jsonl')) continue;
    for (const line of (await readFile(join(entry.parentPath, entry.name), 'utf8')).split('\n')) {
      if (!line) continue;
      const { partition, offset } = JSON.parse(line) as { partition: number; offset: number };
      offsets.add(`${partition}:${offset}`);
    }
  }
  return offsets;
}

describe('speed layer crash safety', async () => {
  const db = await isolatedSchema('crash');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-crash-'));
  const topic = uniqueName('crash');
  const env = {
    KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: uniqueName('crash-group'), LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  const processes: PulseProcess[] = [];
  const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);
  const startSpeed = async () => {
    const speed = startPulse(['speed'], env);
    processes.push(speed);
    await speed.waitForOutput('speed layer running', 60_000);
    return speed;
  };

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and counts nothing twice when killed three times mid-stream', async () => {
    const kafka = testKafka();
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }]);
    const fixtures = nativeReadings(EVENTS, { days: Math.ceil(EVENTS / 50_000) });
    expect(fixtures).toHaveLength(EVENTS);

    let speed = await startSpeed();
    const producing = produce(kafka, topic, fixtures.map((f) => f.message), 2_000, 60);
    const recoveries: number[] = [];
    let lastKill = 0;
    for (const fraction of [0.15, 0.4, 0.65]) {
      await waitFor(count, (n) => n > EVENTS * fraction, 120_000);
      speed.child.kill('SIGKILL');
      await speed.exited;
      const killedAt = Date.now();
      lastKill = killedAt;
      const before = await count();
      speed = await startSpeed();
      await timeUntilProgress(count, before, 120_000);
      recoveries.push(Date.now() - killedAt);
    }
    await producing;
    await waitFor(count, (n) => n >= EVENTS, 180_000);
    expect(await speed.stop('SIGTERM')).toBe(0);

    const outcome = await speedOutcome(db.pool, fixtures.map((f) => f.expected.event_id));
    await recordScenario({
      scenario: 'speed layer killed with SIGKILL three times', suite: 'fault', sent: EVENTS, ...outcome,
      recoverySeconds: Math.max(...recoveries) / 1000, catchUpSeconds: (Date.now() - lastKill) / 1000, rejectsByReason: await speedRejects(db.pool),
      detail: '`pulse speed` killed at 15 %, 40 % and 65 % of the stream and restarted each time; hot rows, realtime views and archive offsets compared with what was sent.',
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });

    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM readings_hot');
    expect(rows[0]).toEqual({ n: EVENTS, d: EVENTS });
    const expectedIds = new Set(fixtures.map((f) => f.expected.event_id));
    const stored = await db.pool.query('SELECT event_id FROM readings_hot');
    expect(stored.rows.every((r) => expectedIds.has(r.event_id))).toBe(true);

    const aggregates = await db.pool.query('SELECT (SELECT sum(n)::int FROM rt_host_minute) AS hosts, (SELECT sum(n)::int FROM rt_region_minute) AS regions');
    expect(aggregates.rows[0]).toEqual({ hosts: EVENTS, regions: EVENTS });

    const archived = await archivedOffsets(join(dataDir, 'live_data'));
    expect(archived.size).toBe(EVENTS);
  });
});
