// Fault: one broker of a three-node KRaft cluster (replication factor 3, min.insync.replicas
// 2) is killed with SIGKILL while `pulse generate live` streams to `pulse speed`, and is
// restarted later. Leadership moves to the survivors, neither Pulse process restarts, and
// every event the generator made is stored exactly once. Runs on a cluster of its own.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../infra/index.ts';
import { isolatedSchema, testDatabaseUrl, uniqueName } from '../support/isolation.ts';
import { privateKafkaCluster } from '../support/private-services.ts';
import { startPulse, type PulseProcess } from '../support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects } from '../support/reliability.ts';
import { waitFor } from '../support/telemetry-fixtures.ts';
import { indexTopic } from '../support/topic-index.ts';

const EVENTS = scaled(30_000, 200_000);
const RATE = scaled(1_500, 4_000);
const OUTAGE_MS = 10_000;

describe('fault: one broker of a three-node cluster killed with SIGKILL and restarted', async () => {
  const cluster = await privateKafkaCluster(3);
  const db = await isolatedSchema('cluster');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-cluster-'));
  const topic = uniqueName('cluster');
  const env = {
    KAFKA_BROKERS: cluster.address, DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: uniqueName('cluster-group'), LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  const kafka = createKafka({ brokers: cluster.address.split(','), clientId: uniqueName('cluster-test') });
  const admin = kafka.admin();
  await admin.connect();
  const processes: PulseProcess[] = [];
  const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);
  // The test's own view of the cluster; while a broker is down an admin request may fail: asked again.
  const partitions = async () => (await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined))?.topics[0]?.partitions ?? [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await admin.disconnect();
    await cluster.destroy();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses and repeats nothing, and keeps three replicas of every partition', async () => {
    const speed = startPulse(['speed'], env);
    processes.push(speed);
    await speed.waitForOutput('speed layer running', 90_000);
    // Pulse asked for the cluster's default replication: three copies, two in sync for a write.
    expect((await partitions()).map((p) => p.replicas.length)).toEqual([3, 3, 3, 3, 3, 3]);

    const generator = startPulse(['generate', 'live', '--count', String(EVENTS), '--rate', String(RATE)], env);
    processes.push(generator);
    await waitFor(count, (n) => n > EVENTS * 0.25, 120_000);
    const leaders = new Map<number, number>();
    for (const p of await partitions()) leaders.set(p.leader, (leaders.get(p.leader) ?? 0) + 1);
    const busiest = [...leaders.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as number;
    const victim = cluster.nodes[busiest - 1];
    const pid = await victim!.pid();
    process.kill(pid as number, 'SIGKILL');
    const killedAt = Date.now();
    const storedAtKill = await count();
    // Recovered: every partition led by a live broker, and the store moving again.
    await waitFor(partitions, (ps) => ps.length > 0 && ps.every((p) => p.leader !== busiest && p.leader >= 0), 60_000);
    await waitFor(count, (n) => n > storedAtKill, 60_000);
    const recoveryMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - recoveryMs)));
    await victim!.start();
    const restartedAt = Date.now();
    await waitFor(partitions, (ps) => ps.length === 6 && ps.every((p) => p.isr.length === 3), 120_000);
    const rejoinMs = Date.now() - restartedAt;

    const generated = await Promise.race([generator.exited, new Promise((r) => setTimeout(() => r('still running'), 120_000))]);
    if (generated !== 0) throw new Error(`generator: ${generated}\n${generator.output().slice(-4000)}\nspeed: ${speed.output().slice(-2000)}`);
    await waitFor(count, (n) => n >= EVENTS, 180_000).catch(async (error: Error) => {
      const high = await admin.fetchTopicOffsets(topic).catch(() => []);
      const committed = await admin.fetchOffsets({ groupId: env.PULSE_SPEED_GROUP, topics: [topic] }).catch(() => []);
      const inTopic = high.reduce((sum, o) => sum + Number(o.high), 0);
      const index = await indexTopic(kafka, topic, inTopic, 120_000);
      const stored = new Set((await db.pool.query('SELECT event_id FROM readings_hot')).rows.map((r) => r.event_id as string));
      const missing = [...index.entries()].filter(([, id]) => !stored.has(id));
      throw new Error(`${error.message}; rejects ${JSON.stringify(await speedRejects(db.pool))}; distinct in topic ${new Set(index.values()).size} of ${inTopic}; missing ${missing.length}: ${missing.slice(0, 5).map(([at]) => at).join(' ')}; committed ${JSON.stringify(committed)}`);
    });
    const catchUpMs = Date.now() - killedAt;
    expect(speed.child.exitCode).toBeNull(); // rode it out in place
    expect(await speed.stop('SIGTERM')).toBe(0);

    // What the generator made: every distinct event id in the topic (a retried send may repeat one there).
    const offsets = await waitFor(() => admin.fetchTopicOffsets(topic).catch(() => []), (o) => o.length === 6, 30_000);
    const inTopic = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    const sent = new Set((await indexTopic(kafka, topic, inTopic, 120_000)).values());
    expect(sent.size).toBe(EVENTS);
    const outcome = await speedOutcome(db.pool, sent);
    await recordScenario({
      scenario: 'one broker of a three-node cluster killed with SIGKILL', suite: 'fault', sent: EVENTS, ...outcome,
      recoverySeconds: recoveryMs / 1000, catchUpSeconds: catchUpMs / 1000, rejectsByReason: await speedRejects(db.pool),
      detail: `\`pulse generate live\` at ${RATE} events/s into \`pulse speed\` over a three-node KRaft cluster (replication factor 3, min.insync.replicas 2); at 25 % the broker leading most partitions was killed with SIGKILL and restarted ${OUTAGE_MS / 1000} s later; recovery is until every partition had a live leader and rows were stored again; the restarted broker was back in every ISR ${(rejoinMs / 1000).toFixed(1)} s after its restart; ${inTopic - EVENTS} repeated sends in the topic; neither Pulse process restarted.`,
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });
  }, 600_000);
});
