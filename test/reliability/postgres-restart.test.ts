// Fault: PostgreSQL stops mid-stream and comes back. The speed layer backs off and retries
// the batch in hand, commits no offset for an event it has not stored, and catches up on
// its own once the database answers again. Runs on a PostgreSQL server of its own.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, ensureTopics, migrate, type Pool } from '../../infra/index.ts';
import { testBrokers, testKafka, uniqueName } from '../support/isolation.ts';
import { privatePostgres } from '../support/private-services.ts';
import { startPulse, type PulseProcess } from '../support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects, timeUntilProgress } from '../support/reliability.ts';
import { nativeReadings, produce, waitFor } from '../support/telemetry-fixtures.ts';
import { committedButUnstored, committedOffsets, indexTopic } from '../support/topic-index.ts';

const EVENTS = scaled(30_000, 200_000);
const OUTAGE_MS = 8_000;

describe('fault: PostgreSQL stopped and restarted mid-stream', async () => {
  const postgres = await privatePostgres();
  const schema = uniqueName('pgfault');
  const admin = createPool({ databaseUrl: postgres.address, max: 1 });
  await migrate(admin, schema);
  await admin.end();
  let pool: Pool = createPool({ databaseUrl: postgres.address, schema });
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-pgfault-'));
  const topic = uniqueName('pgfault');
  const group = uniqueName('pgfault-group');
  const env = {
    KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: postgres.address, PULSE_DB_SCHEMA: schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: group, LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  let speed: PulseProcess | undefined;

  afterAll(async () => {
    await speed?.stop('SIGKILL');
    await pool.end().catch(() => undefined);
    await postgres.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds offsets while the database is down, then stores everything exactly once', async () => {
    const kafka = testKafka();
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }]);
    const fixtures = nativeReadings(EVENTS, { days: Math.ceil(EVENTS / 50_000) });
    const count = () => pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);

    speed = startPulse(['speed'], env);
    await speed.waitForOutput('speed layer running', 60_000);
    const producing = produce(kafka, topic, fixtures.map((f) => f.message), 1_000, 150);
    await waitFor(count, (n) => n > EVENTS * 0.3, 120_000);
    await pool.end(); // the test's own connections go down with the server too
    await postgres.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await producing;
    const committedDuringOutage = await committedOffsets(kafka, group, topic);

    // A look at what was stored, on a port the speed layer does not know, before it can store more.
    const unseen = await postgres.startUnseen();
    const peek = createPool({ databaseUrl: unseen, schema });
    const storedAtOutage = new Set((await peek.query<{ event_id: string }>('SELECT event_id FROM readings_hot')).rows.map((r) => r.event_id));
    await peek.end();
    await postgres.stop();
    const index = await indexTopic(kafka, topic, EVENTS);
    expect(committedButUnstored(index, committedDuringOutage, storedAtOutage)).toEqual([]);
    expect(storedAtOutage.size).toBeLessThan(EVENTS);

    await postgres.start();
    const restartedAt = Date.now();
    pool = createPool({ databaseUrl: postgres.address, schema });
    const recoveryMs = await timeUntilProgress(count, storedAtOutage.size, 60_000).catch((e: Error) => { throw new Error(`${e.message}; speed output: ${speed?.output().slice(-4000)}`); });
    await waitFor(count, (n) => n >= EVENTS, 120_000);
    const catchUpMs = Date.now() - restartedAt;
    expect(speed.output()).toContain('sink write failed; retrying, offsets held');
    expect(await speed.stop('SIGTERM')).toBe(0);

    const outcome = await speedOutcome(pool, fixtures.map((f) => f.expected.event_id));
    await recordScenario({
      scenario: 'PostgreSQL stopped and restarted mid-stream', suite: 'fault', sent: EVENTS, ...outcome,
      recoverySeconds: recoveryMs / 1000, catchUpSeconds: catchUpMs / 1000, rejectsByReason: await speedRejects(pool),
      detail: `the speed layer's own PostgreSQL server stopped (fast shutdown) at 30 % for ${OUTAGE_MS / 1000} s; committed offsets read during the outage were checked against the rows stored at that moment (no offset past an unstored event), then the server restarted.`,
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });
  });
});
