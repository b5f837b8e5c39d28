// Fault: two speed processes share the partitions; a third member joining starts a
// rebalance, and one of the two is killed with SIGKILL while it is under way. The survivors
// take over its partitions after the session timeout; every event is stored exactly once.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../infra/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName } from '../support/isolation.ts';
import { startPulse, type PulseProcess } from '../support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects } from '../support/reliability.ts';
import { nativeReadings, produce, waitFor } from '../support/telemetry-fixtures.ts';

const EVENTS = scaled(30_000, 200_000);

describe('fault: one of two speed processes killed during a rebalance', async () => {
  const db = await isolatedSchema('rebalance');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-rebalance-'));
  const topic = uniqueName('rebalance');
  const env = {
    KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: uniqueName('rebalance-group'), LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  const processes: PulseProcess[] = [];
  const start = () => {
    const p = startPulse(['speed'], env);
    processes.push(p);
    return p;
  };
  const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every event once when a member dies mid-rebalance', async () => {
    const kafka = testKafka();
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }]);
    const fixtures = nativeReadings(EVENTS, { days: Math.ceil(EVENTS / 50_000) });
    const [a, b] = [start(), start()];
    await Promise.all([a.waitForOutput('speed layer running', 60_000), b.waitForOutput('speed layer running', 60_000)]);
    const producing = produce(kafka, topic, fixtures.map((f) => f.message), Math.ceil(EVENTS / 60), 400);
    await waitFor(count, (n) => n > EVENTS * 0.3, 120_000);

    // A third member joins: the group rebalances. Kill `a` as soon as the rebalance begins.
    const joinsBefore = (a.output().match(/joined consumer group/g) ?? []).length;
    const c = start();
    await waitFor(async () => a.output().includes('rebalancing') || c.output().includes('speed layer running'), Boolean, 60_000).catch(() => undefined);
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    const marks = [b.output().length, c.output().length];
    // Recovered: the surviving members have rejoined a group without `a` and own its partitions.
    await waitFor(async () => [b.output().slice(marks[0]), c.output().slice(marks[1])], (texts) => texts.some((t) => t.includes('joined consumer group')), 60_000);
    const recoveryMs = Date.now() - killedAt;
    await producing;
    await waitFor(count, (n) => n >= EVENTS, 120_000);
    const catchUpMs = Date.now() - killedAt;
    expect(joinsBefore).toBeGreaterThan(0);
    expect(await b.stop('SIGTERM')).toBe(0);
    expect(await c.stop('SIGTERM')).toBe(0);

    const outcome = await speedOutcome(db.pool, fixtures.map((f) => f.expected.event_id));
    await recordScenario({
      scenario: 'two speed processes, one killed during a rebalance', suite: 'fault', sent: EVENTS, ...outcome,
      recoverySeconds: recoveryMs / 1000, // until the group re-formed without the dead member
      catchUpSeconds: catchUpMs / 1000, rejectsByReason: await speedRejects(db.pool),
      detail: 'two `pulse speed` processes share six partitions; a third joins at 30 % of the stream and one of the first two is killed with SIGKILL while the group rebalances; the others take over its partitions after the session timeout (10 s).',
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });
  });
});
