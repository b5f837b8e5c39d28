// Fault: the Kafka broker stops mid-stream and comes back. The producer (`pulse bridge`,
// fed by a stand-in for the original system's socket server) and the consumer (`pulse
// speed`) both recover on their own; every line sent lands exactly once. Runs on a
// broker of its own.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, freePort } from '../../infra/index.ts';
import { decodePayload } from '../../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, uniqueName } from '../support/isolation.ts';
import { privateKafka } from '../support/private-services.ts';
import { startPulse, type PulseProcess } from '../support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects, timeUntilProgress } from '../support/reliability.ts';
import { waitFor } from '../support/telemetry-fixtures.ts';

const EVENTS = scaled(30_000, 200_000);
const OUTAGE_MS = 6_000;

/** Legacy socket lines of 200 hosts, one reading a second each, ending a minute ago. */
function legacyLines(count: number): { lines: string[]; ids: string[] } {
  const end = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const lines: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const ts = end - Math.floor(i / 200) * 1000;
    const line = JSON.stringify({ host_id: `legacy-${i % 200}`, timestamp: new Date(ts).toISOString(), temp_c: 40 + (i % 30), cpu_load: i % 100, voltage: 230, power_watts: 300 });
    const decoded = decodePayload(line, { now: Date.now(), schemaTag: 'legacy/v1' });
    if (!decoded.ok) throw new Error(`fixture rejected: ${decoded.rejection.message}`);
    lines.push(line);
    ids.push(decoded.record.event_id);
  }
  return { lines, ids };
}

/** The original system's server: streams `lines` once, over ~20 s, honouring TCP backpressure. */
function streamingServer(port: number, lines: string[]): Promise<Server> {
  const perTick = Math.ceil(lines.length / 200);
  let next = 0;
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      const tick = () => {
        if (socket.destroyed || next >= lines.length) return;
        const chunk = lines.slice(next, next + perTick).map((l) => `${l}\n`).join('');
        next += perTick;
        if (socket.write(chunk)) setTimeout(tick, 100);
        else socket.once('drain', () => setTimeout(tick, 100));
      };
      tick();
    });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('fault: Kafka broker stopped and restarted mid-stream', async () => {
  const kafkaService = await privateKafka();
  const db = await isolatedSchema('kafkafault');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-kafkafault-'));
  const topic = uniqueName('kafkafault');
  const env = {
    KAFKA_BROKERS: kafkaService.address, DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: uniqueName('kafkafault-group'), LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  const processes: PulseProcess[] = [];
  let server: Server | undefined;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    server?.close();
    await kafkaService.destroy();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses and repeats nothing while producer and consumer ride out the restart', async () => {
    await ensureTopics(createKafka({ brokers: [kafkaService.address], clientId: 'kafkafault-setup' }), [{ topic, numPartitions: 6 }]);
    const { lines, ids } = legacyLines(EVENTS);
    const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);
    const port = await freePort();
    server = await streamingServer(port, lines);

    const speed = startPulse(['speed'], env);
    const bridge = startPulse(['bridge', '--port', String(port)], env);
    processes.push(speed, bridge);
    await Promise.all([speed.waitForOutput('speed layer running', 60_000), bridge.waitForOutput('bridge running', 60_000)]);
    await waitFor(count, (n) => n > EVENTS * 0.25, 120_000);
    await kafkaService.stop();
    const stored = await count();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await kafkaService.start();
    const restartedAt = Date.now();
    const recoveryMs = await timeUntilProgress(count, stored, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\nspeed: ${speed.output().slice(-3000)}\nbridge: ${bridge.output().slice(-3000)}`);
    });
    await waitFor(count, (n) => n >= EVENTS, 180_000);
    const catchUpMs = Date.now() - restartedAt;
    expect(speed.child.exitCode).toBeNull(); // recovered in place, never restarted
    expect(bridge.child.exitCode).toBeNull();
    expect(await bridge.stop('SIGTERM')).toBe(0);
    expect(await speed.stop('SIGTERM')).toBe(0);

    const outcome = await speedOutcome(db.pool, ids);
    await recordScenario({
      scenario: 'Kafka broker stopped and restarted mid-stream', suite: 'fault', sent: EVENTS, ...outcome,
      recoverySeconds: recoveryMs / 1000, catchUpSeconds: catchUpMs / 1000, rejectsByReason: await speedRejects(db.pool),
      detail: `lines streamed by a socket server through \`pulse bridge\` to \`pulse speed\`; the broker stopped at 25 % for ${OUTAGE_MS / 1000} s (controlled shutdown) and restarted; neither process was restarted.`,
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });
  });
});
