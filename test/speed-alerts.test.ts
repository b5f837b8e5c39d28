// Alerts raised by the speed layer: Prometheus-style pending → firing → resolved with
// hysteresis, one per host and rule, stored with times and peak, announced with NOTIFY.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch/index.ts';
import { ensureTopics } from '../infra/index.ts';
import { startServing } from '../serving/index.ts';
import { incidentReadings } from '../generator/index.ts';
import { ALERTS_CHANNEL, closeSilentAlerts, startSpeedLayer, type SpeedLayer } from '../speed/index.ts';
import { SCHEMA_HEADER } from '../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { produce, waitFor } from './support/telemetry-fixtures.ts';

const MINUTE = 60_000;

describe('speed layer alerts', () => {
  const kafka = testKafka();
  const topic = uniqueName('alerts');
  let db: IsolatedSchema;
  let dataDir: string;
  let speed: SpeedLayer | undefined;
  const notifications: Record<string, unknown>[] = [];
  let listener: pg.Client;

  beforeAll(async () => {
    db = await isolatedSchema('alerts');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-alerts-'));
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
    listener = new pg.Client({ connectionString: testDatabaseUrl() });
    await listener.connect();
    listener.on('notification', (n) => {
      const payload = JSON.parse(n.payload ?? '{}') as Record<string, unknown>;
      if (payload['schema'] === db.schema) notifications.push(payload);
    });
    await listener.query(`LISTEN ${ALERTS_CHANNEL}`);
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('alerts-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir,
      dlqTopic: uniqueName('dlq'), alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1_048_576, archiveRollMs: 60_000,
    });
  });

  afterAll(async () => {
    await speed?.close();
    await listener.end();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const alertsOf = (host: string) => db.pool.query('SELECT * FROM alerts WHERE host_id = $1 ORDER BY alert_id', [host]).then((r) => r.rows);

  it('fires once after three hot readings, holds while the value hovers, resolves below 85 °C', async () => {
    const start = Date.now() - 60 * MINUTE;
    const temps = [70, 80, 91, 92, 96, 89, 91, 86, 88, 84.5, 70];
    await produce(kafka, topic, temps.map((temp_c, i) => ({
      key: 'hot-1', headers: { [SCHEMA_HEADER]: 'pulse/v1' },
      value: JSON.stringify({ event_id: `hot-1-${i}`, ts: start + i * MINUTE, region: 'lab', host_id: 'hot-1', temp_c, cpu_pct: 20 }),
    })));
    const rows = await waitFor(() => alertsOf('hot-1'), (r) => r[0]?.status === 'resolved', 30_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      region: 'lab', rule: 'temp_critical', metric: 'temp_c', severity: 'critical', status: 'resolved',
      opened_at: new Date(start + 4 * MINUTE), resolved_at: new Date(start + 9 * MINUTE), peak_value: 96, last_value: 84.5,
    });
    expect(notifications.filter((n) => n['host_id'] === 'hot-1').map((n) => n['event'])).toEqual(['opened', 'resolved']);
  });

  it('changes nothing when the same readings are delivered again', async () => {
    const start = Date.now() - 30 * MINUTE;
    const messages = [91, 92, 93].map((temp_c, i) => ({
      key: 'hot-2', value: JSON.stringify({ event_id: `hot-2-${i}`, ts: start + i * MINUTE, region: 'lab', host_id: 'hot-2', temp_c }),
    }));
    await produce(kafka, topic, messages);
    await waitFor(() => alertsOf('hot-2'), (r) => r.length === 1, 30_000);
    await produce(kafka, topic, messages);
    await produce(kafka, topic, [{ key: 'hot-2', value: JSON.stringify({ event_id: 'hot-2-marker', ts: start + 5 * MINUTE, region: 'lab', host_id: 'hot-2', temp_c: 94 }) }]);
    const rows = await waitFor(() => alertsOf('hot-2'), (r) => r[0]?.peak_value === 94, 30_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'firing', last_value: 94 });
  });

  it('opens exactly one alert for a generated overheating incident, resolved once it cools', async () => {
    const { messages, host, label } = incidentReadings('overheat', Date.now() - 4 * 60 * MINUTE);
    await produce(kafka, topic, messages);
    const rows = await waitFor(() => alertsOf(host), (r) => r.some((a) => a.rule === 'temp_critical' && a.status === 'resolved'), 30_000);
    const temperature = rows.filter((a) => a.rule === 'temp_critical');
    expect(temperature).toHaveLength(1);
    expect(temperature[0].opened_at.getTime()).toBeGreaterThanOrEqual(Date.parse(label.start));
    expect(temperature[0].resolved_at.getTime()).toBeLessThanOrEqual(Date.parse(label.end) + MINUTE);
    expect(temperature[0].peak_value).toBeGreaterThan(90);
  });

  it('ends the episode of a host that fell silent at its last reading + 15 minutes, before a later breach starts anew', async () => {
    const start = Date.now() - 90 * MINUTE;
    const readings = [[0, 91], [1, 92], [2, 93], [40, 95], [41, 96], [42, 97]];
    await produce(kafka, topic, readings.map(([minute, temp_c]) => ({
      key: 'quiet-1', value: JSON.stringify({ event_id: `quiet-1-${minute}`, ts: start + minute! * MINUTE, region: 'lab', host_id: 'quiet-1', temp_c }),
    })));
    const rows = await waitFor(() => alertsOf('quiet-1'), (r) => r.length === 2, 30_000);
    expect(rows[0]).toMatchObject({ status: 'resolved', opened_at: new Date(start + 2 * MINUTE), resolved_at: new Date(start + 17 * MINUTE), last_value: 93, peak_value: 93 });
    expect(rows[0].detail).toMatchObject({ closed_by: 'silence' });
    expect(rows[1]).toMatchObject({ status: 'firing', opened_at: new Date(start + 42 * MINUTE), peak_value: 97 });
  });

  it('is matched by the episodes a batch run computes from the archived readings, each reported once by the API', async () => {
    const served = async () => {
      const serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: [], port: 0, host: '127.0.0.1' });
      try {
        const body = await (await fetch(`http://127.0.0.1:${serving.port}/api/alerts?status=all&from=${new Date(Date.now() - 6 * 60 * MINUTE).toISOString()}`)).json() as { alerts: Record<string, any>[] };
        return body.alerts;
      } finally {
        await serving.close();
      }
    };
    const realtime = (await db.pool.query(`SELECT host_id, rule, opened_at, peak_value FROM alerts ORDER BY host_id, rule, opened_at`)).rows;
    expect((await served()).map((a) => a.origin)).toEqual(realtime.map(() => 'realtime'));
    // Closing the speed layer completes its archive files; the batch run steps them through the same rules.
    await speed?.close();
    speed = undefined;
    await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB', alertForReadings: 3 });
    const batch = (await db.pool.query(`SELECT host_id, rule, opened_at, max(segment_peak) AS peak_value FROM batch_alert_segments
      GROUP BY host_id, rule, opened_at ORDER BY host_id, rule, opened_at`)).rows;
    expect(batch).toEqual(realtime);
    const after = await served();
    expect(after).toHaveLength(realtime.length);
    expect(after.every((a) => a.origin === 'batch')).toBe(true);
  });

  it('closes, in its sweep, the alert of a host that stopped reporting while the fleet goes on, at its last reading + 15 minutes', async () => {
    const fleetNow = Date.now() - 20 * MINUTE;
    await db.pool.query(`INSERT INTO rt_host_latest (region, host_id, ts, event_id, temp_c) VALUES ('lab', 'gone-1', $1, 'g1', 95), ('lab', 'alive-1', $2, 'a1', 40)`,
      [new Date(fleetNow - 30 * MINUTE), new Date(fleetNow)]);
    await db.pool.query(`INSERT INTO alerts (region, host_id, rule, severity, metric, status, opened_at, peak_value, last_value, fire_above, clear_below, detail)
      VALUES ('lab', 'gone-1', 'temp_critical', 'critical', 'temp_c', 'firing', $1, 95, 95, 90, 85, '{}')`, [new Date(fleetNow - 40 * MINUTE)]);
    expect(await closeSilentAlerts(db.pool)).toBeGreaterThanOrEqual(1);
    const [gone] = await alertsOf('gone-1');
    expect(gone).toMatchObject({ status: 'resolved', resolved_at: new Date(fleetNow - 15 * MINUTE), detail: { closed_by: 'silence' } });
    expect(await closeSilentAlerts(db.pool)).toBe(0); // nothing twice
  });
});
