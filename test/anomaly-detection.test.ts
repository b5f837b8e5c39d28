// Anomaly detection across the Lambda layers: the batch layer learns a model from silver and
// publishes it with its views; the speed layer scores live readings with it, raises anomaly
// alerts with a score and contributing metric, and takes up a newer model without a restart.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch/index.ts';
import { incidentReadings, writeHistory } from '../generator/index.ts';
import { ensureTopics } from '../infra/index.ts';
import { startServing } from '../serving/index.ts';
import { startSpeedLayer, type SpeedLayer } from '../speed/index.ts';
import { ANOMALY_FEATURES, type AnomalyModel } from '../telemetry/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { produce, waitFor } from './support/telemetry-fixtures.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe('anomaly detection', () => {
  const kafka = testKafka();
  const topic = uniqueName('anomaly');
  let db: IsolatedSchema;
  let dataDir: string;
  let speed: SpeedLayer | undefined;

  const batch = (full = false) => runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB', full });

  beforeAll(async () => {
    db = await isolatedSchema('anomaly');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-anomaly-'));
    // The fleet the incident host of incidentReadings belongs to (germany, seed 99), two clean days.
    const today = Math.floor(Date.now() / DAY) * DAY;
    await writeHistory(join(dataDir, 'historical'), {
      serversPerRegion: 8, days: 2, intervalSeconds: 60, seed: 99, regions: ['germany'], end: today, incidentRate: 0,
    });
    await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
  });

  afterAll(async () => {
    await speed?.close();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('trains a versioned model from silver in each batch run and publishes it with the views', async () => {
    const summary = await batch();
    expect(summary.model).toMatchObject({ hosts: 8, trainingRows: summary.silverRows });
    const { rows } = await db.pool.query<{ version: string; run_id: string; features: string[]; model: AnomalyModel }>('SELECT * FROM anomaly_models');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ run_id: summary.runId, features: [...ANOMALY_FEATURES] });
    const model = rows[0]!.model;
    expect(model.forest.trees).toHaveLength(100);
    // Hour-of-day baselines exist for every host and metric the Germany schema reports.
    const host = Object.values(model.hosts)[0]!;
    expect(host[ANOMALY_FEATURES.indexOf('temp_c')]?.hours.filter((h) => h !== null)).toHaveLength(24);
    expect(model.isolationThreshold).toBeGreaterThan(0.4);
  });

  it('scores live readings and raises one anomaly alert for a stuck temperature sensor (no threshold can see it), with its score and metric', async () => {
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('anomaly-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir,
      dlqTopic: uniqueName('dlq'), alertForReadings: 3, expiryOverlapMs: DAY, archiveRollBytes: 1_048_576, archiveRollMs: 60_000,
    });
    expect(speed.modelVersion()).toBe(1);
    // At a fixed hour (yesterday 06:00–10:00 UTC, inside the history the model learned from), so the
    // hour-of-day baselines the readings meet do not depend on when the test runs.
    const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY;
    const { messages, host, label } = incidentReadings('stuck_sensor', yesterday + 6 * 60 * MINUTE);
    await produce(kafka, topic, messages);
    const inWindow = (at: Date) => at.getTime() >= Date.parse(label.start) && at.getTime() < Date.parse(label.end);
    const alerts = await waitFor(
      () => db.pool.query(`SELECT * FROM alerts WHERE host_id = $1 AND kind = 'anomaly' ORDER BY alert_id`, [host]).then((r) => r.rows),
      (rows) => rows.some((a) => a.metric === 'temp_c'), 30_000);
    const stuck = alerts.filter((a) => a.metric === 'temp_c' && inWindow(a.opened_at));
    expect(stuck).toHaveLength(1);
    // (still firing if the sensor stays stuck to the end of these four hours, else resolved)
    expect(stuck[0]).toMatchObject({ rule: 'anomaly', kind: 'anomaly', fire_above: 1, clear_below: 0.75 });
    expect(stuck[0].detail).toMatchObject({ metric: 'temp_c', reason: 'flatline', model_version: 1 });
    expect(stuck[0].detail.score).toBeGreaterThanOrEqual(1);
    // no threshold alert: the temperature the sensor is stuck at is an ordinary one
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM alerts WHERE host_id = $1 AND kind = 'threshold'`, [host])).rows[0].n).toBe(0);
    const points = await db.pool.query(`SELECT ts, metric, score FROM anomaly_points WHERE host_id = $1 AND metric = 'temp_c'`, [host]);
    expect(points.rows.length).toBeGreaterThan(3);
    expect(points.rows.filter((p) => inWindow(p.ts)).length / points.rows.length).toBeGreaterThan(0.8);
  });

  it('takes up the model of the next batch run without a restart', async () => {
    // A run with nothing new keeps the published model; a full one trains the next version.
    await batch(true);
    const taken = await waitFor(async () => speed!.modelVersion(), (version) => version === 2, 15_000).catch(() => speed!.modelVersion());
    expect(taken).toBe(2);
  });
  it('serves the anomalous points and anomaly alerts once a batch run has absorbed the readings, from its views', async () => {
    // The readings are a day old, behind the watermark: there the batch views answer. Closing
    // the speed layer completes its archive files, which the next batch run absorbs.
    await speed?.close();
    speed = undefined;
    const absorbed = await batch();
    expect(absorbed.episodes.anomalyPoints).toBeGreaterThan(3);
    const serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1' });
    try {
      const get = async (path: string) => (await fetch(`http://127.0.0.1:${serving.port}${path}`)).json() as Promise<Record<string, any>>;
      const from = new Date(Math.floor(Date.now() / DAY) * DAY - DAY).toISOString();
      const anomalies = await get(`/api/anomalies?region=germany&from=${from}`);
      expect(anomalies.model).toMatchObject({ features: [...ANOMALY_FEATURES] });
      expect(anomalies.points.length).toBeGreaterThan(3);
      expect(anomalies.points[0]).toMatchObject({ region: 'germany', reason: expect.any(String), origin: 'batch' });
      const alerts = await get(`/api/alerts?kind=anomaly&from=${from}`);
      expect(alerts.alerts.length).toBeGreaterThan(0);
      expect(alerts.alerts.every((a: { kind: string }) => a.kind === 'anomaly')).toBe(true);
      expect(alerts.alerts[0]).toMatchObject({ origin: 'batch', detail: { score: expect.any(Number), metric: expect.any(String) } });
      const injected = await fetch(`http://127.0.0.1:${serving.port}/api/anomalies?host=x'%3B%20DROP%20TABLE%20anomaly_points%3B--`);
      expect(injected.status).toBe(400);
    } finally {
      await serving.close();
    }
  });

});
