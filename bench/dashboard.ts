/// <reference lib="dom" />
// Dashboard in chromium against a fresh `pulse up` (7 days of history by default): first
// load until every panel is drawn, main-thread time per playback frame at 3,600× over the
// 7-day window (the dashboard's own performance measures, one per animation frame), and
// requests per minute of playback.
//   node bench/dashboard.ts [--quick]   (--quick: 2 days, 10 hosts per region)

import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortPair, packageRoot } from '../infra/index.ts';
import { launchBrowser } from '../test/support/index.ts';
import { formatSummary, isQuick, percentile, runCount, saveResult, summarize } from './lib/stats.ts';

const quick = isQuick();
const RUNS = runCount(3);
const PLAY_SECONDS = quick ? 10 : 30;

async function pulseUp(): Promise<{ base: string; stop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-bench-dashboard-'));
  await chmod(dataDir, 0o755);
  const [kafkaPort, pgPort, httpPort] = [await freePortPair(), await freePort(), await freePort()];
  const args = quick ? ['--servers-per-region', '10', '--history-days', '2'] : [];
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'pulse.mjs'), 'up', ...args], {
    env: { ...process.env, PULSE_DATA_DIR: dataDir, KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DATABASE_URL: `postgres://pulse:pulse@127.0.0.1:${pgPort}/pulse`, PORT: String(httpPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  while (!output.includes('Pulse is ready')) {
    if (child.exitCode !== null) throw new Error(`pulse up exited:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base: `http://127.0.0.1:${httpPort}/`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const ALL_DRAWN = () => {
  const points = (id: string) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-points'));
  return points('cpu-chart') > 0 && points('temp-histogram') > 0 && points('volume-chart') > 0
    && document.querySelectorAll('[data-testid="kpis"] article').length > 0 && document.querySelectorAll('[data-testid="feed"] tbody tr').length > 0;
};

const stack = await pulseUp();
const browser = await launchBrowser();
const results: Record<string, unknown> = { history_days: quick ? 2 : 7 };
try {
  const loads: number[] = [];
  const frames: number[] = [];
  const perMinute: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(stack.base);
    await page.waitForFunction(ALL_DRAWN, undefined, { timeout: 60_000 });
    loads.push(await page.evaluate(() => performance.now())); // from navigation start

    let requests = 0;
    page.on('request', () => (requests += 1));
    await page.goto(`${stack.base}?mode=playback&range=7d&speed=3600`);
    await page.waitForSelector('[data-testid="playback-loading"]', { state: 'detached', timeout: 60_000 });
    await page.evaluate(() => performance.clearMeasures('pulse-frame'));
    requests = 0;
    await page.click('[data-testid="playback-play"]');
    await page.waitForTimeout(PLAY_SECONDS * 1000);
    await page.click('[data-testid="playback-play"]');
    perMinute.push((requests * 60) / PLAY_SECONDS);
    frames.push(...(await page.evaluate(() => performance.getEntriesByName('pulse-frame').map((e) => e.duration))));
    await page.close();
  }
  const sorted = frames.sort((a, b) => a - b);
  const load = summarize(loads);
  const frame = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, frames: sorted.length };
  const rpm = summarize(perMinute);
  Object.assign(results, { first_load_ms: load, playback_frame_ms: frame, playback_requests_per_minute: rpm });
  console.log(`first load until every panel is drawn, ms                ${formatSummary(load)}`);
  console.log(`main-thread time per playback frame at 3600× over 7 d, ms  p50 ${frame.p50.toFixed(1)}, p95 ${frame.p95.toFixed(1)}, p99 ${frame.p99.toFixed(1)}, max ${frame.max.toFixed(1)} (${frame.frames} frames)`);
  console.log(`requests per minute of playback                           ${formatSummary(rpm)}`);
} finally {
  await browser.close();
  await stack.stop();
}
console.log(`results → ${await saveResult('dashboard', results)}`);
