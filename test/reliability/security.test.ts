// Security of the entry points: request size and rate limits, injection attempts at every
// endpoint, and secrets (database password, control token) never in any log line.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/index.ts';
import { startServing, type Serving } from '../../serving/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, uniqueName, type IsolatedSchema } from '../support/isolation.ts';
import { startPulse } from '../support/pulse-process.ts';

describe('serving limits and injection', () => {
  let db: IsolatedSchema;
  let serving: Serving;
  const url = (path: string) => `http://127.0.0.1:${serving.port}${path}`;
  beforeAll(async () => {
    db = await isolatedSchema('security');
    serving = await startServing({
      databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1',
      controlToken: 'a-security-test-token-0123456789', limits: { perMinute: 40, controlPerMinute: 2, maxQueryBytes: 512 },
    });
  });
  afterAll(async () => {
    await serving.close();
    await db.drop();
  });

  it.each(['overview?region=', 'timeseries?group=host&host=', 'histogram?region=', 'hosts?region=', 'alerts?region=', 'health-scores?region=', 'stream?region=', 'volume?step='])(
    'refuses an injection attempt at /api/%s with 400 and leaves the tables intact', async (path) => {
      const response = await fetch(url(`/api/${path}${encodeURIComponent("x'); DROP TABLE alerts; --")}`));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_parameter');
      expect((await db.pool.query('SELECT count(*)::int AS n FROM alerts')).rows[0].n).toBe(0);
    });

  it('refuses an over-long query string with 414 and an over-large body with 413', async () => {
    expect((await fetch(url(`/api/overview?region=${'a'.repeat(600)}`))).status).toBe(414);
    const big = await fetch(url('/api/control/rate'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate: 1, pad: 'x'.repeat(20_000) }) });
    expect(big.status).toBe(413);
  });

  it('limits the rate per client, more strictly for live-feed control, with Retry-After', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url('/api/control/rate'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rate":1}' })).status);
    expect(statuses[0]).toBe(401); // two a minute: the 413 above was the first
    expect(statuses.at(-1)).toBe(429);
    let last: Response | undefined;
    for (let i = 0; i < 45 && last?.status !== 429; i++) last = await fetch(url('/api/openapi.json'));
    expect(last?.status).toBe(429);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await last!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });
});

describe('secrets', async () => {
  const db = await isolatedSchema('secrets');
  const token = `tok-${uniqueName('secret')}-${'z'.repeat(12)}`;
  const password = new URL(testDatabaseUrl()).password;
  afterAll(async () => db.drop());

  it('never writes the database password or the control token to any log line, even at debug level', async () => {
    const env = {
      KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_CONTROL_TOKEN: token,
      PORT: String(await freePort()), LOG_LEVEL: 'debug', PULSE_TOPIC: uniqueName('secrets'), PULSE_SPEED_GROUP: uniqueName('secrets-group'),
    };
    const serve = startPulse(['serve', '--host', '127.0.0.1'], env);
    const speed = startPulse(['speed'], env);
    await Promise.all([serve.waitForOutput('"serving"', 60_000), speed.waitForOutput('speed layer running', 60_000)]);
    const port = /localhost:(\d+)/.exec(serve.output())?.[1];
    await fetch(`http://127.0.0.1:${port}/api/control/rate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}x` }, body: '{"rate":5}' });
    await serve.stop('SIGTERM');
    await speed.stop('SIGTERM');
    const logs = serve.output() + speed.output();
    expect(password.length).toBeGreaterThan(3);
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(token);
    expect(logs.length).toBeGreaterThan(200);
  });
});
