// Managed services: Pulse reaches Kafka over SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512,
// CA from a file) and PostgreSQL over TLS (sslmode and DATABASE_SSL_CA_FILE), as it would
// Confluent Cloud, MSK or a managed PostgreSQL. A broker with a SASL_SSL listener and a
// server with ssl=on, both with certificates of a CA this file makes, stand in for them.
// A wrong password or an untrusted certificate ends a command with one line naming the
// variable to fix; no secret ever reaches a log line or an error.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, createPool, ensureTopics, freePort, loadConfig, requireKafka } from '../infra/index.ts';
import { uniqueName } from './support/isolation.ts';
import { privateKafka, privatePostgres } from './support/private-services.ts';
import { startPulse, type PulseProcess } from './support/pulse-process.ts';
import { waitFor } from './support/telemetry-fixtures.ts';
import { createTestCa } from './support/test-ca.ts';

const KAFKA_PASSWORD = `kafka-${uniqueName('pw')}`;
const PG_PASSWORD = `pg-${uniqueName('pw')}`;
const CONTROL_TOKEN = `control-${uniqueName('token')}-0123456789`;

/** The output lines of a command that failed, less blank ones. */
async function failure(args: string[], env: Record<string, string>): Promise<{ code: number | null; lines: string[]; text: string }> {
  const run = startPulse(args, env);
  const code = await run.exited;
  const text = run.output();
  return { code, lines: text.split('\n').filter((l) => l.trim() !== ''), text };
}

describe('managed services: Kafka over SASL_SSL and PostgreSQL over TLS', async () => {
  const ca = await createTestCa();
  const passwordFile = join(ca.dir, 'kafka-password');
  await writeFile(passwordFile, `${KAFKA_PASSWORD}\n`, { mode: 0o600 });
  const kafka = await privateKafka({ secureListener: { keystorePem: ca.serverKeystoreFile, users: [{ name: 'pulse', password: KAFKA_PASSWORD }] } });
  const pg = await privatePostgres({ tls: { certFile: ca.serverCertFile, keyFile: ca.serverKeyFile }, password: PG_PASSWORD });
  const secureBrokers = kafka.secureAddress as string;
  const pgUrl = (password = PG_PASSWORD) => {
    const url = new URL(pg.address);
    url.password = password;
    url.hostname = 'localhost'; // verify-full checks the name the certificate carries
    return url.toString();
  };
  const kafkaEnv = (mechanism: string) => ({
    KAFKA_BROKERS: secureBrokers, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'pulse',
    KAFKA_SASL_PASSWORD_FILE: passwordFile, KAFKA_SSL_CA_FILE: ca.caFile,
  });
  const env = {
    ...kafkaEnv('SCRAM-SHA-512'), DATABASE_URL: pgUrl(), DATABASE_SSL_CA_FILE: ca.caFile, PULSE_DB_SCHEMA: 'managed',
    PULSE_TOPIC: uniqueName('managed'), PULSE_DATA_DIR: join(ca.dir, 'data'), PULSE_SPEED_GROUP: uniqueName('managed-group'),
    LOG_LEVEL: 'debug', PULSE_CONTROL_TOKEN: CONTROL_TOKEN,
  };
  const processes: PulseProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await kafka.destroy();
    await pg.destroy();
    await ca.destroy();
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('produces and consumes over SASL_SSL with %s, the password read from a file', async (mechanism) => {
    const config = loadConfig(kafkaEnv(mechanism));
    expect(config.kafka.security.protocol).toBe('SASL_SSL');
    await requireKafka(config.kafka);
    const client = createKafka({ ...config.kafka, clientId: uniqueName('sasl') });
    const topic = uniqueName(`sasl-${mechanism.toLowerCase()}`);
    await ensureTopics(client, [{ topic, numPartitions: 1 }]);
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: mechanism }] });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: uniqueName('sasl-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }));
    await consumer.disconnect();
    expect(received).toBe(mechanism);
  });

  it('runs speed, generator, agent and serving against them, every database session encrypted, no secret in any log line', async () => {
    const speed = startPulse(['speed'], env);
    processes.push(speed);
    await speed.waitForOutput('speed layer running', 90_000);
    const generator = startPulse(['generate', 'live', '--count', '300', '--rate', '300', '--servers-per-region', '5'], env);
    const agent = startPulse(['agent', '--interval', '1', '--host-id', 'managed-agent'], env);
    const port = await freePort();
    const serve = startPulse(['serve', '--host', '127.0.0.1'], { ...env, PORT: String(port) });
    processes.push(generator, agent, serve);
    expect(await generator.exited).toBe(0);
    const pool = createPool({ databaseUrl: loadConfig(env).databaseUrl, schema: 'managed', max: 1 });
    try {
      await waitFor(() => pool.query("SELECT count(*)::int AS n FROM readings_hot WHERE host_id <> 'managed-agent'").then((r) => r.rows[0].n as number), (n) => n >= 300, 60_000);
      await waitFor(() => pool.query("SELECT count(*)::int AS n FROM readings_hot WHERE host_id = 'managed-agent'").then((r) => r.rows[0].n as number), (n) => n >= 1, 60_000);
      await serve.waitForOutput('"msg":"serving"', 60_000);
      const health = await (await fetch(`http://127.0.0.1:${port}/api/health`)).text();
      expect(health).toContain('1 broker(s)'); // the health probe authenticated too
      const control = await fetch(`http://127.0.0.1:${port}/api/control/rate`, {
        method: 'POST', headers: { authorization: `Bearer ${CONTROL_TOKEN}`, 'content-type': 'application/json' }, body: '{"rate":5}',
      });
      expect(control.status).toBe(202); // the control producer reached the SASL_SSL listener
      const sessions = await pool.query<{ ssl: boolean; n: number }>(
        "SELECT s.ssl, count(*)::int AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'pulse%' GROUP BY s.ssl");
      expect(sessions.rows).toEqual([{ ssl: true, n: expect.any(Number) }]);
    } finally {
      await pool.end();
    }
    for (const p of [agent, serve, speed]) expect(await p.stop('SIGTERM')).toBe(0);
    for (const p of [speed, generator, agent, serve]) {
      expect(p.output()).not.toContain(KAFKA_PASSWORD);
      expect(p.output()).not.toContain(PG_PASSWORD);
      expect(p.output()).not.toContain(CONTROL_TOKEN);
    }
  });

  it('ends with one line naming KAFKA_SASL_PASSWORD when Kafka refuses the password', async () => {
    const wrong = 'not-the-kafka-password';
    const run = await failure(['speed'], { ...env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrong });
    expect(run.code).not.toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^pulse: Kafka at .* refused the SASL credentials \(KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD\)/);
    expect(run.text).not.toContain(wrong);
    expect(run.text).not.toContain(KAFKA_PASSWORD);
  });

  it('ends with one line naming KAFKA_SSL_CA_FILE when the brokers\' certificate is not trusted', async () => {
    const run = await failure(['speed'], { ...env, KAFKA_SSL_CA_FILE: ca.otherCaFile });
    expect(run.code).not.toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^pulse: Kafka at .* not trusted \(KAFKA_SSL_CA_FILE\)/);
  });

  it('ends with one line naming the database password when PostgreSQL refuses it', async () => {
    const wrong = 'not-the-pg-password';
    const run = await failure(['migrate'], { ...env, DATABASE_URL: pgUrl(wrong) });
    expect(run.code).not.toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^pulse: PostgreSQL at .* refused the user or password \(DATABASE_URL, DATABASE_PASSWORD\)/);
    expect(run.text).not.toContain(wrong);
    expect(run.text).not.toContain(PG_PASSWORD);
  });

  it('ends with one line naming DATABASE_SSL_CA_FILE when PostgreSQL\'s certificate is not trusted', async () => {
    const run = await failure(['migrate'], { ...env, DATABASE_SSL_CA_FILE: ca.otherCaFile });
    expect(run.code).not.toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^pulse: PostgreSQL at .* not trusted \(DATABASE_SSL_CA_FILE\)/);
    expect(run.text).not.toContain(PG_PASSWORD);
  });
});
