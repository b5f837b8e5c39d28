/// <reference lib="dom" />
// The dashboard in a real browser against a running stack with live data: charts draw,
// an injected overheating incident reaches the alerts list and the banner within seconds,
// playback at 10× runs about ten times faster than at 1×, filters change what is shown.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveGenerator, type LiveGenerator } from '../generator/index.ts';
import { ensureTopics, packageRoot } from '../infra/index.ts';
import { startServing, type Serving } from '../serving/index.ts';
import { DASHBOARD_DIST } from '../dashboard/index.ts';
import { startSpeedLayer, type SpeedLayer } from '../speed/index.ts';
import { ANOMALY_FEATURES, assembleModel, SCHEMA_HEADER } from '../telemetry/index.ts';
import { launchBrowser } from './support/browser.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName, type IsolatedSchema } from './support/isolation.ts';
import { produce } from './support/telemetry-fixtures.ts';

const SHOTS = join(packageRoot, 'test-results', 'dashboard');

describe('dashboard in a browser', () => {
  const kafka = testKafka();
  const topic = uniqueName('dash');
  let db: IsolatedSchema;
  let dataDir: string;
  let speed: SpeedLayer;
  let generator: LiveGenerator;
  let serving: Serving;
  let browser: Browser;
  let page: Page;
  /** Requests the page made that failed (status 400 or more), as "status path". */
  const failedLoads: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    db = await isolatedSchema('dash');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-dash-'));
    await mkdir(SHOTS, { recursive: true });
    await ensureTopics(kafka, [{ topic, numPartitions: 3 }, { topic: `${topic}-control` }, { topic: `${topic}-labels` }]);
    speed = await startSpeedLayer({
      kafka, topic, group: uniqueName('dash-group'), databaseUrl: testDatabaseUrl(), schema: db.schema, dataDir, dlqTopic: uniqueName('dlq'),
      alertForReadings: 3, expiryOverlapMs: 3_600_000, archiveRollBytes: 1_048_576, archiveRollMs: 60_000, statusIntervalMs: 1000,
    });
    generator = await startLiveGenerator({
      kafka, topic, rate: 300, serversPerRegion: 5, seed: 9, regions: ['india', 'usa', 'germany'], incidentRate: 0,
      controlTopic: `${topic}-control`, labelsTopic: `${topic}-labels`,
    });
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port: 0, host: '127.0.0.1', dashboardDir: DASHBOARD_DIST });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) failedLoads.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await page.goto(`http://127.0.0.1:${serving.port}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await serving?.close();
    await generator?.close();
    await speed?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const points = (testid: string) => page.getAttribute(`[data-testid="${testid}"]`, 'data-points').then(Number);

  it('draws the charts from live data', async () => {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-chart"]')?.getAttribute('data-points')) > 0, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="temp-histogram"]')?.getAttribute('data-points')) > 0, undefined, { timeout: 30_000 });
    expect(await points('volume-chart')).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpis"] article').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'live.png'), fullPage: true });
  });

  it('loads without a failed request, the favicon included (it is inline)', async () => {
    // A browser asks for /favicon.ico shortly after load unless the page names an icon: give it the time to.
    const asked = await page.waitForEvent('request', { predicate: (r) => new URL(r.url()).pathname === '/favicon.ico', timeout: 3000 }).catch(() => null);
    expect(asked?.url() ?? null).toBeNull();
    expect(failedLoads).toEqual([]);
    expect(await page.getAttribute('link[rel="icon"]', 'href', { timeout: 2000 })).toMatch(/^data:image\/svg\+xml,/);
  });

  it('shows an injected overheating incident in the alerts list and the banner within seconds', async () => {
    const now = Date.now();
    await produce(kafka, topic, [95, 96, 97, 98].map((temp_c, i) => ({
      key: 'hot-dash', headers: { [SCHEMA_HEADER]: 'pulse/v1' },
      value: JSON.stringify({ event_id: `hot-dash-${i}`, ts: now - (4 - i) * 1000, region: 'usa', host_id: 'hot-dash', temp_c, cpu_pct: 40 }),
    })));
    const started = Date.now();
    await page.waitForSelector('[data-testid="alerts"] [data-testid="alert-row"]:has-text("hot-dash")', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="critical-banner"]:has-text("hot-dash")', { timeout: 15_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await page.screenshot({ path: join(SHOTS, 'alert.png'), fullPage: true });
  });

  it('marks anomalous readings on the CPU chart and lists the anomaly alert with its score and metric', async () => {
    // A model that knows region "lab" only (CPU 20 ± 2 %), published as the batch layer publishes one.
    const sample = Array.from({ length: 2_000 }, (_, i) => ({ region: 'lab', host: 'x', ts: i * 60_000, values: [20 + ((i * 37) % 9) / 2 - 2, null, null, null] }));
    const model = assembleModel({ features: [...ANOMALY_FEATURES], trainedThrough: Date.now(), trainingRows: 2_000, hosts: {}, regions: { lab: [{ median: 20, scale: 2 }, null, null, null] } }, sample);
    await db.pool.query(`INSERT INTO anomaly_models (run_id, trained_through, training_rows, hosts, features, model) VALUES ('test', now(), 2000, 0, $1, $2)`, [model.features, JSON.stringify(model)]);
    await db.pool.query(`SELECT pg_notify('pulse_watermark', json_build_object('schema', current_schema())::text)`);
    await expect.poll(() => speed.modelVersion(), { timeout: 10_000 }).not.toBeNull();
    const now = Date.now();
    await produce(kafka, topic, [20, 21, 97, 98, 99, 98].map((cpu_pct, i) => ({
      key: 'odd-dash', headers: { [SCHEMA_HEADER]: 'pulse/v1' },
      value: JSON.stringify({ event_id: `odd-dash-${i}`, ts: now - (6 - i) * 1000, region: 'lab', host_id: 'odd-dash', cpu_pct, temp_c: 50 }),
    })));
    const row = page.locator('[data-testid="alerts"] [data-testid="alert-row"][data-kind="anomaly"]:has-text("odd-dash")');
    await row.first().waitFor({ timeout: 15_000 });
    expect(await row.first().textContent()).toMatch(/cpu_pct.*score \d/);
    // The chart marks the strongest anomaly per line and 1/120th of the window, so a burst of
    // anomalous readings seconds apart is one mark, not a pile of them.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-chart"]')?.getAttribute('data-anomalies')) >= 1, undefined, { timeout: 15_000 });
    const marks = Number(await page.getAttribute('[data-testid="cpu-chart"]', 'data-anomalies'));
    expect(marks).toBeLessThanOrEqual(120 * 5);
    await page.screenshot({ path: join(SHOTS, 'anomaly.png'), fullPage: true });
  });

  it('replays a window about ten times faster at 10× than at 1×, unmistakably in playback mode', async () => {
    await page.click('[data-testid="playback-start"]');
    await page.waitForSelector('[data-testid="mode"][data-mode="playback"]');
    expect(new URL(page.url()).searchParams.get('mode')).toBe('playback');
    const advance = async (speed: string) => {
      await page.selectOption('[data-testid="playback-speed"]', speed);
      const before = Number(await page.getAttribute('[data-testid="playback-cursor"]', 'data-cursor'));
      await page.click('[data-testid="playback-play"]');
      await page.waitForTimeout(2000);
      await page.click('[data-testid="playback-play"]');
      return Number(await page.getAttribute('[data-testid="playback-cursor"]', 'data-cursor')) - before;
    };
    const slow = await advance('1');
    const fast = await advance('10');
    expect(slow).toBeGreaterThan(1000);
    expect(fast / slow).toBeGreaterThan(7);
    expect(fast / slow).toBeLessThan(13);
    await page.screenshot({ path: join(SHOTS, 'playback.png'), fullPage: true });
    await page.click('[data-testid="go-live"]');
    await page.waitForSelector('[data-testid="mode"][data-mode="live"]');
  });

  it('draws a gap, not a line, where a host sent nothing for minutes, and drills down to a host by its name', async () => {
    const now = Date.now();
    await produce(kafka, topic, [12, 11, 10, 3, 2, 1].map((minutesAgo, i) => ({
      key: 'gap-dash', headers: { [SCHEMA_HEADER]: 'pulse/v1' },
      value: JSON.stringify({ event_id: `gap-dash-${i}`, ts: now - minutesAgo * 60_000, region: 'usa', host_id: 'gap-dash', temp_c: 50, cpu_pct: 30 }),
    })));
    const base = new URL(page.url()).origin;
    await page.goto(`${base}/?range=15m`);
    const link = page.locator('[data-testid="alerts"] [data-testid="alert-row"]:has-text("hot-dash") button');
    await link.first().waitFor({ timeout: 15_000 });
    await link.first().click();
    expect(new URL(page.url()).searchParams.get('host')).toBe('hot-dash');
    await page.waitForFunction(() => document.querySelector('[data-testid="cpu-chart"] figcaption')?.textContent?.includes('hot-dash'));
    await page.goto(`${base}/?range=15m&host=gap-dash`);
    await page.waitForFunction(() => {
      const chart = document.querySelector('[data-testid="cpu-chart"]');
      return Number(chart?.getAttribute('data-points')) >= 6 && Number(chart?.getAttribute('data-gaps')) >= 1;
    }, undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(SHOTS, 'gap.png'), fullPage: true });
    await page.click('[data-testid="host-clear"]');
  });

  it('narrows what is shown when a region is picked', async () => {
    await page.selectOption('[data-testid="region-filter"]', 'india');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="kpis"] article').length === 1, undefined, { timeout: 15_000 });
    expect(await page.textContent('[data-testid="kpis"] article h3')).toBe('india');
    await page.screenshot({ path: join(SHOTS, 'filtered.png'), fullPage: true });
  });

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('shows a banner while the API is down and recovers by itself when it is back', async () => {
    const port = serving.port;
    await serving.close();
    await page.waitForSelector('[data-testid="error-banner"], [data-testid="stream-banner"]', { timeout: 30_000 });
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: testBrokers(), port, host: '127.0.0.1', dashboardDir: DASHBOARD_DIST });
    await page.waitForSelector('[data-testid="error-banner"]', { state: 'detached', timeout: 30_000 });
    await page.waitForSelector('[data-testid="stream-banner"]', { state: 'detached', timeout: 30_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-chart"]')?.getAttribute('data-points')) > 0, undefined, { timeout: 30_000 });
  });
});
