// The serving API over a real database: batch views before the watermark merged with
// realtime views after it (no gap, no double count at the seam), validated parameters,
// and a connection that cannot write.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readerPool, startServing, StreamHub, type Serving } from '../serving/index.ts';
import { ensureTopics } from '../infra/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';

const HOUR = 3_600_000;
const W = Date.UTC(2026, 10, 20, 12);

/** One region-minute row with `n` readings, all with cpu = 50. */
const minuteRow = (table: string, minute: number, n: number) =>
  `INSERT INTO ${table} (region, minute, n, temp_c_n, cpu_pct_n, cpu_pct_sum, cpu_pct_min, cpu_pct_max, mem_pct_n, disk_pct_n, net_in_kbps_n, net_out_kbps_n, voltage_v_n, power_w_n${table === 'rt_region_minute' ? ', shard' : ''})
   VALUES ('usa', '${new Date(minute).toISOString()}', ${n}, 0, ${n}, ${50 * n}, 50, 50, 0, 0, 0, 0, 0, 0${table === 'rt_region_minute' ? ', 0' : ''})`;

describe('serving API', () => {
  let db: IsolatedSchema;
  let serving: Serving;
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${serving.port}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const countOver = async (from: number, to: number) => {
    const { body } = await get(`/api/timeseries?metric=cpu_pct&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&step=1h`);
    return (body['points'] as { n: number }[]).reduce((sum, p) => sum + p.n, 0);
  };

  beforeAll(async () => {
    db = await isolatedSchema('serving');
    // Realtime holds the two hours around W (the hour before W not yet expired); batch holds the hours before W.
    for (let m = W - HOUR; m < W + HOUR; m += 60_000) await db.pool.query(minuteRow('rt_region_minute', m, 2));
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await serving.close();
    await db.drop();
  });

  it('counts everything from the realtime views before the first batch run', async () => {
    expect(await countOver(W - HOUR, W + HOUR)).toBe(240);
  });

  it('counts each reading once across the watermark after a batch run publishes', async () => {
    for (let m = W - 3 * HOUR; m < W; m += 60_000) await db.pool.query(minuteRow('gold_region_minute', m, 2));
    // The same readings by the hour, as the batch layer publishes them (long windows read these).
    for (let h = W - 3 * HOUR; h < W; h += HOUR) {
      await db.pool.query(`INSERT INTO gold_region_hour (region, hour, n, hosts, cpu_pct_avg, cpu_pct_min, cpu_pct_max, hot_readings, temp_c_n, cpu_pct_n, disk_pct_n)
        VALUES ('usa', $1, 120, 1, 50, 50, 50, 0, 0, 120, 0)`, [new Date(h)]);
    }
    await db.pool.query(`INSERT INTO batch_watermark (watermark, run_id, published_at) VALUES ($1, 'r1', now())`, [new Date(W)]);
    expect(await countOver(W - 3 * HOUR, W + HOUR)).toBe(3 * 120 + 120);
    expect(await countOver(W - HOUR, W + HOUR)).toBe(240);
    const volume = await get(`/api/volume?from=${new Date(W - HOUR).toISOString()}&to=${new Date(W + HOUR).toISOString()}&step=1h`);
    expect(volume.body['totals']).toEqual({ batch: 120, realtime: 120 });
  });

  it('answers the overview with averages per region', async () => {
    const { status, body } = await get(`/api/overview?from=${new Date(W - HOUR).toISOString()}&to=${new Date(W + HOUR).toISOString()}`);
    expect(status).toBe(200);
    expect(body['regions'][0]).toMatchObject({ region: 'usa', readings: 240, cpu_pct: 50 });
  });

  it('answers histograms, alerts, health scores and the latest host readings from their tables', async () => {
    await db.pool.query(`INSERT INTO gold_temp_hist_hour VALUES ('usa', $1, 40, 30), ('usa', $1, 41, 10), ('usa', $1, 59, 60)`, [new Date(W - HOUR)]);
    // Before the watermark the batch view's episode answers; the speed layer's copy of it is not reported again.
    await db.pool.query(`INSERT INTO batch_alert_segments (day, region, host_id, rule, kind, severity, metric, opened_at, fire_above, clear_below, segment_peak, last_value, resolved_at, closed_by, detail)
      VALUES ($1::timestamptz::date, 'usa', 'h-1', 'temp_critical', 'threshold', 'critical', 'temp_c', $1, 90, 85, 97, 80, $2, 'clear', '{}')`, [new Date(W - 30 * 60_000), new Date(W - 20 * 60_000)]);
    await db.pool.query(`INSERT INTO alerts (region, host_id, rule, severity, metric, status, opened_at, resolved_at, peak_value, last_value, fire_above, clear_below)
      VALUES ('usa', 'h-1', 'temp_critical', 'critical', 'temp_c', 'resolved', $1, $2, 97, 80, 90, 85)`, [new Date(W - 30 * 60_000), new Date(W - 20 * 60_000)]);
    await db.pool.query(`INSERT INTO gold_host_health VALUES ('usa', 'h-1', '2026-11-19', 100, 50, 60, 'mem_pct', 10, 54), ('usa', 'h-2', '2026-11-19', 100, 20, 30, 'mem_pct', 0, 80)`);
    await db.pool.query(`INSERT INTO rt_host_latest (region, host_id, ts, event_id, temp_c, cpu_pct) VALUES ('usa', 'h-1', now(), 'e1', 92, 85)`);
    const range = `from=${new Date(W - 2 * HOUR).toISOString()}&to=${new Date(W).toISOString()}`;
    const histogram = await get(`/api/histogram?${range}&bins=2`);
    expect(histogram.body['bins']).toEqual([{ from: 40, to: 50, n: 40 }, { from: 50, to: 60, n: 60 }]);
    const alerts = await get(`/api/alerts?status=resolved&${range}`);
    expect(alerts.body['alerts']).toEqual([expect.objectContaining({ host_id: 'h-1', peak_value: 97, duration_s: 600, origin: 'batch' })]);
    const scores = await get('/api/health-scores?date=2026-11-19');
    expect(scores.body['scores'].map((s: { host_id: string }) => s.host_id)).toEqual(['h-1', 'h-2']);
    const hosts = await get('/api/hosts');
    expect(hosts.body['hosts']).toEqual([expect.objectContaining({ host_id: 'h-1', cpu_level: 'HIGH', temp_c: 92 })]);
  });

  it('reports an alert and anomaly points that straddle the watermark once each, with one opening time', async () => {
    const at = (minutes: number) => new Date(W + minutes * 60_000);
    const segment = `INSERT INTO batch_alert_segments (day, region, host_id, rule, kind, severity, metric, opened_at, fire_above, clear_below, segment_peak, last_value, resolved_at, closed_by, detail)
      VALUES ($1::timestamptz::date, 'usa', 'h-9', 'temp_critical', 'threshold', 'critical', 'temp_c', $1, 90, 85, $2, $3, NULL, NULL, '{}')`;
    const realtime = `INSERT INTO alerts (region, host_id, rule, severity, metric, status, opened_at, resolved_at, peak_value, last_value, fire_above, clear_below)
      VALUES ('usa', 'h-9', 'temp_critical', 'critical', 'temp_c', $1, $2, $3, $4, $5, 90, 85)`;
    // Firing at the watermark in the batch view; the speed layer saw the same opening and its end after the watermark.
    await db.pool.query(segment, [at(-20), 95, 93]);
    await db.pool.query(realtime, ['resolved', at(-20), at(10), 97, 84]);
    // The speed layer's copy of an episode before the watermark the batch view does not hold: the batch view answers there.
    await db.pool.query(realtime, ['resolved', at(-50), at(-40), 92, 84]);
    await db.pool.query(realtime, ['firing', at(5), null, 91, 91]);
    const range = `from=${at(-60).toISOString()}&to=${at(60).toISOString()}`;
    const { body } = await get(`/api/alerts?status=all&${range}`);
    const ours = (body['alerts'] as Record<string, unknown>[]).filter((a) => a['host_id'] === 'h-9');
    expect(ours).toEqual([
      expect.objectContaining({ opened_at: at(5).toISOString(), status: 'firing', origin: 'realtime' }),
      expect.objectContaining({ opened_at: at(-20).toISOString(), status: 'resolved', resolved_at: at(10).toISOString(), peak_value: 97, last_value: 84, origin: 'batch' }),
    ]);
    const firing = await get(`/api/alerts?status=firing&${range}`);
    expect((firing.body['alerts'] as Record<string, unknown>[]).filter((a) => a['host_id'] === 'h-9')).toHaveLength(1);

    const point = (table: string, id: string, minutes: number) => db.pool.query(`INSERT INTO ${table} (${table === 'batch_anomaly_points' ? 'day, ' : ''}event_id, ts, region, host_id, score, metric, value, z, reason${table === 'anomaly_points' ? ', model_version' : ''})
      VALUES (${table === 'batch_anomaly_points' ? '$2::timestamptz::date, ' : ''}$1, $2, 'usa', 'h-9', 2, 'temp_c', 99, 6, 'isolation'${table === 'anomaly_points' ? ', 1' : ''})`, [id, at(minutes)]);
    await point('batch_anomaly_points', 'e-before', -10);
    await point('anomaly_points', 'e-before', -10); // the speed layer scored it too
    await point('anomaly_points', 'e-after', 1);
    const anomalies = await get(`/api/anomalies?host=h-9&${range}`);
    expect((anomalies.body['points'] as Record<string, unknown>[]).map((p) => [p['event_id'], p['origin']])).toEqual([['e-before', 'batch'], ['e-after', 'realtime']]);
  });

  it.each([
    ['/api/timeseries?bogus=1', 'unknown_parameter'],
    ['/api/timeseries?metric=cpu_pct;DROP TABLE alerts', 'invalid_parameter'],
    ["/api/overview?region=usa' OR '1'='1", 'invalid_parameter'],
    ['/api/timeseries?group=host&host=x%27%29%3B--', 'invalid_parameter'],
    ['/api/timeseries?from=yesterday', 'invalid_parameter'],
    ['/api/timeseries?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z', 'invalid_parameter'],
    ['/api/timeseries?step=1s', 'invalid_parameter'],
    ['/api/histogram?bins=0', 'invalid_parameter'],
    ['/api/alerts?status=open', 'invalid_parameter'],
    ['/api/health-scores?date=2026-13', 'invalid_parameter'],
  ])('rejects %s with 400 %s', async (path, code) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('reports health, documents itself and sends security headers without CORS', async () => {
    const health = await get('/api/health');
    expect(health.body).toMatchObject({ postgres: { ok: true }, kafka: { ok: true }, batch: { watermark: new Date(W).toISOString() } });
    const spec = await get('/api/openapi.json');
    expect(Object.keys(spec.body['paths'])).toEqual(expect.arrayContaining(['/api/overview', '/api/timeseries', '/api/histogram', '/api/volume', '/api/hosts', '/api/alerts', '/api/health-scores']));
    const response = await fetch(`http://127.0.0.1:${serving.port}/api/hosts`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('connects as a role that cannot write', async () => {
    const pool = readerPool({ databaseUrl: testDatabaseUrl(), schema: db.schema });
    await expect(pool.query(`DELETE FROM alerts`)).rejects.toThrow(/read-only transaction|permission denied/);
    const client = await pool.connect();
    await client.query('SET default_transaction_read_only = off'); // even then, the role itself may not write
    await expect(client.query('DELETE FROM alerts')).rejects.toThrow(/permission denied/);
    client.release();
    await pool.end();
  });
});

describe('serving API: Arrow and live push', () => {
  let db: IsolatedSchema;
  let serving: Serving;
  beforeAll(async () => {
    db = await isolatedSchema('servingpush');
    for (let m = W - 10 * 60_000; m < W; m += 60_000) await db.pool.query(minuteRow('rt_region_minute', m, 3));
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await serving.close();
    await db.drop();
  });

  it('answers a time series as an Arrow IPC stream when asked for one', async () => {
    const { tableFromIPC } = await import('apache-arrow');
    const url = `http://127.0.0.1:${serving.port}/api/timeseries?metric=cpu_pct&from=${new Date(W - HOUR).toISOString()}&to=${new Date(W).toISOString()}&step=1m`;
    const response = await fetch(url, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
    expect(response.headers.get('content-type')).toContain('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
    expect(table.numRows).toBe(10);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['series', 't_ms', 'n', 'avg', 'min', 'max']);
    expect(table.getChild('avg')?.get(0)).toBe(50);
  });

  it('pushes overview and volume events, and alerts as they open', async () => {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${serving.port}/api/stream?interval=1s`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil('event: volume');
    expect(text).toContain('retry: 3000');
    expect(text).toContain('event: overview');
    await db.pool.query(`SELECT pg_notify('pulse_alerts', $1)`, [JSON.stringify({ schema: db.schema, event: 'opened', host_id: 'h-1', rule: 'temp_critical' })]);
    await readUntil('event: alert');
    expect(text).toContain('"host_id":"h-1"');
    controller.abort();
  });
});

describe('serving API: live streams', () => {
  let db: IsolatedSchema;
  let serving: Serving;
  const open = (query = 'interval=1s') => {
    const controller = new AbortController();
    return { controller, response: fetch(`http://127.0.0.1:${serving.port}/api/stream?${query}`, { signal: controller.signal }) };
  };

  beforeAll(async () => {
    db = await isolatedSchema('streams');
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: [], port: 0, host: '127.0.0.1', streams: { perClient: 2, total: 3 } });
  });
  afterAll(async () => {
    await serving.close();
    await db.drop();
  });

  it('share one query per interval among viewers of the same parameters', async () => {
    const pool = readerPool({ databaseUrl: testDatabaseUrl(), schema: db.schema });
    const hub = new StreamHub(pool);
    const received: string[][] = [[], [], []];
    const closers = [hub.subscribe('a', null, 1000, (e) => received[0]!.push(e)), hub.subscribe('b', null, 1000, (e) => received[1]!.push(e)),
      hub.subscribe('c', 'usa', 1000, (e) => received[2]!.push(e))];
    expect(hub.stats()).toEqual({ streams: 3, groups: 2 });
    await new Promise((r) => setTimeout(r, 1500));
    for (const events of received) expect(events).toContain('overview');
    // A late viewer gets the group's last answer at once, without a query of its own.
    const late: string[] = [];
    closers.push(hub.subscribe('d', null, 1000, (e) => late.push(e)));
    expect(late).toEqual(['overview', 'volume']);
    for (const close of closers) close();
    expect(hub.stats()).toEqual({ streams: 0, groups: 0 });
    hub.close();
    await pool.end();
  });

  it('hand a viewer who joins a running group an event stream that starts with the group\'s last answer', async () => {
    const first = open('interval=1s&region=usa');
    const reader = (await first.response).body!.getReader();
    await reader.read(); // the group runs and has answered once
    await new Promise((r) => setTimeout(r, 1200));
    const late = open('interval=1s&region=usa');
    const response = await late.response;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const lateReader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: volume')) text += new TextDecoder().decode((await lateReader.read()).value);
    expect(text).toMatch(/^retry: 3000\n\nid: 1\nevent: overview\n/);
    first.controller.abort();
    late.controller.abort();
    await new Promise((r) => setTimeout(r, 200)); // both places freed before the next test counts them
  });

  it('are bounded per client and in all, with a clear refusal', async () => {
    const first = open();
    const second = open('interval=5s');
    expect((await first.response).status).toBe(200);
    expect((await second.response).status).toBe(200);
    const third = await open().response;
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({ error: { code: 'too_many_streams', message: expect.any(String) } });
    first.controller.abort();
    // The closed stream's place is free again.
    let again = await open().response;
    for (let i = 0; i < 20 && again.status !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      again = await open().response;
    }
    expect(again.status).toBe(200);
    second.controller.abort();
  });
});

describe('serving API: live-feed control', () => {
  const token = 'a-test-token-of-enough-length';
  const controlTopic = uniqueName('control');
  let db: IsolatedSchema;
  let open: Serving;
  let closed: Serving;
  const post = (serving: Serving, body: unknown, auth?: string) => fetch(`http://127.0.0.1:${serving.port}/api/control/rate`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body),
  });
  beforeAll(async () => {
    db = await isolatedSchema('servingctl');
    await ensureTopics(testKafka(), [{ topic: controlTopic, numPartitions: 1 }]);
    open = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1', controlToken: token, controlTopic });
    closed = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
    await db.drop();
  });

  it('is off without a configured token, and refuses a missing or wrong token', async () => {
    expect((await post(closed, { rate: 10 }, `Bearer ${token}`)).status).toBe(403);
    expect((await post(open, { rate: 10 })).status).toBe(401);
    expect((await post(open, { rate: 10 }, 'Bearer wrong-token-of-some-length')).status).toBe(401);
    expect((await post(open, { rate: -1 }, `Bearer ${token}`)).status).toBe(400);
  });

  it('sends a set_rate command to the control topic with the right token', async () => {
    const response = await post(open, { rate: 750 }, `Bearer ${token}`);
    expect(response.status).toBe(202);
    const consumer = testKafka().consumer({ groupId: uniqueName('ctl-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: controlTopic, fromBeginning: true });
    const value = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') }));
    await consumer.disconnect();
    expect(JSON.parse(value)).toEqual({ type: 'set_rate', rate: 750 });
  });
});
