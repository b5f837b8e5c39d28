/// <reference lib="dom" />
// The dashboard as a user meets it after a fresh `pulse up`: a link into playback of a
// labeled overheat from the generated history shows its alert on the right host while the
// cursor is inside it; at 3,600× every panel changes as the cursor moves; the link of a
// paused view reloads into the same view; dragging on the CPU chart zooms; a malformed
// link opens a valid view with a note; the keyboard drives playback; playback into the
// present carries on live; a phone-wide screen shows every panel; no console error.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freePortPair, packageRoot } from '../infra/index.ts';
import { launchBrowser } from './support/browser.ts';

const PULSE = new URL('../bin/pulse.mjs', import.meta.url).pathname;
const SHOTS = join(packageRoot, 'test-results', 'dashboard');
/** PULSE_SCREENSHOTS=docs also refreshes the README's screenshots in docs/. */
const TO_DOCS = process.env['PULSE_SCREENSHOTS'] === 'docs';

interface Label { host: string; region: string; kind: string; start: string; end: string }

describe('dashboard playback after a fresh pulse up', () => {
  let dataDir: string;
  let child: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  let overheat: Label;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-playback-'));
    await chmod(dataDir, 0o755);
    await mkdir(SHOTS, { recursive: true });
    const [kafkaPort, pgPort, httpPort] = [await freePortPair(), await freePort(), await freePort()];
    child = spawn(process.execPath, [PULSE, 'up', '--servers-per-region', '10', '--history-days', '3', '--rate', '30'], {
      env: { ...process.env, PULSE_DATA_DIR: dataDir, KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DATABASE_URL: `postgres://pulse:pulse@127.0.0.1:${pgPort}/pulse`, PORT: String(httpPort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 200_000;
    while (!output.includes('Pulse is ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pulse up did not become ready:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    base = `http://127.0.0.1:${httpPort}/`;
    const labels = (await readFile(join(dataDir, 'historical', 'labels.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Label);
    const overheats = labels.filter((l) => l.kind === 'overheat').sort((a, b) => Date.parse(b.end) - Date.parse(b.start) - (Date.parse(a.end) - Date.parse(a.start)));
    expect(overheats.length).toBeGreaterThan(0);
    overheat = overheats[0] as Label;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400 || (response.url().includes('/api/stream') && !response.headers()['content-type']?.includes('event-stream'))) {
        consoleErrors.push(`${response.status()} ${response.headers()['content-type']} ${new URL(response.url()).pathname}`);
      }
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  const text = (testid: string) => page.locator(`[data-testid="${testid}"]`).innerText();
  const cursor = async () => Number(await page.getAttribute('[data-testid="playback-cursor"]', 'data-cursor'));

  it('opens with every panel drawn and no failed request', async () => {
    await page.goto(base);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-chart"]')?.getAttribute('data-points')) > 0, undefined, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="kpis"] article').length === 3, undefined, { timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'after-start.png'), fullPage: true });
    if (TO_DOCS) await copyFile(join(SHOTS, 'after-start.png'), join(packageRoot, 'docs', 'dashboard.png'));
  });

  it('shows a labeled overheat from the history in the alert panel, on its host, while playback is inside it', async () => {
    const start = Date.parse(overheat.start);
    const end = Date.parse(overheat.end);
    const from = new Date(start - 2 * 3_600_000).toISOString();
    const to = new Date(end + 3_600_000).toISOString();
    // 600×: an overheat of half an hour stays on screen for three seconds.
    await page.goto(`${base}?mode=playback&from=${from}&to=${to}&speed=600`);
    await page.waitForSelector('[data-testid="mode"][data-mode="playback"]');
    await page.click('[data-testid="playback-play"]');
    const row = page.locator(`[data-testid="alerts"] [data-testid="alert-row"][data-host="${overheat.host}"][data-status="firing"]`);
    await row.first().waitFor({ timeout: 60_000 });
    await page.click('[data-testid="playback-play"]'); // pause on it
    await row.first().waitFor({ timeout: 2_000 });
    const at = await cursor();
    expect(at).toBeGreaterThanOrEqual(start - 3_600_000);
    expect(at).toBeLessThanOrEqual(end + 3_600_000);
    expect(await row.first().innerText()).toContain('temp');
    await page.screenshot({ path: join(SHOTS, 'during-playback.png'), fullPage: true });
    if (TO_DOCS) await copyFile(join(SHOTS, 'during-playback.png'), join(packageRoot, 'docs', 'dashboard-playback.png'));
  });

  it('changes every panel as the cursor moves at 3,600×', async () => {
    await page.goto(`${base}?mode=playback&range=24h&speed=3600`);
    await page.waitForSelector('[data-testid="playback-loading"]', { state: 'detached', timeout: 30_000 });
    const panels = ['kpis', 'feed', 'playback-cursor'] as const;
    // Text panels by their text; charts by the data they draw.
    const snapshot = async () => Promise.all([
      ...panels.map((p) => text(p)), page.getAttribute('[data-testid="cpu-chart"]', 'data-points'),
      page.getAttribute('[data-testid="temp-histogram"]', 'data-values'), page.getAttribute('[data-testid="volume-chart"]', 'data-values'),
    ]);
    const before = await snapshot();
    await page.click('[data-testid="playback-play"]');
    await page.waitForTimeout(4_000);
    await page.click('[data-testid="playback-play"]');
    const after = await snapshot();
    const names = [...panels, 'cpu-chart', 'temp-histogram', 'volume-chart'];
    // (The alerts panel changes where an episode opens or closes: the overheat test above checks it.)
    before.forEach((value, i) => expect(after[i], `panel ${names[i]}`).not.toEqual(value));
  });

  it('reloads a link into the same paused view', async () => {
    const paused = await cursor();
    await page.waitForTimeout(1_200); // the URL follows the cursor within a second
    const link = page.url();
    expect(new URL(link).searchParams.get('mode')).toBe('playback');
    await page.goto(link);
    await page.waitForSelector('[data-testid="mode"][data-mode="playback"]');
    expect(Math.abs((await cursor()) - paused)).toBeLessThanOrEqual(1_000);
    expect(await page.locator('[data-testid="playback-speed"]').inputValue()).toBe('3600');
  });

  it('zooms into the range dragged across the CPU chart', async () => {
    await page.goto(`${base}?range=24h`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cpu-chart"]')?.getAttribute('data-points')) > 0, undefined, { timeout: 30_000 });
    const box = (await page.locator('[data-testid="cpu-chart"] canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => new URL(location.href).searchParams.has('from'));
    const url = new URL(page.url());
    const span = Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!);
    expect(span).toBeGreaterThan(0.2 * 86_400_000);
    expect(span).toBeLessThan(0.45 * 86_400_000);
  });

  it('opens a malformed link as a valid view, saying what it ignored', async () => {
    await page.goto(`${base}?region=atlantis&from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z&speed=1e9&mode=playback`);
    await page.waitForSelector('[data-testid="mode"][data-mode="playback"]');
    const notes = await page.locator('[data-testid="url-note"]').allInnerTexts();
    expect(notes.join('\n')).toContain('ends before it starts');
    expect(notes.join('\n')).toContain('above 3600×');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="url-note"]'), (n) => n.textContent ?? '').some((t) => t.includes('atlantis')), undefined, { timeout: 30_000 });
    expect(await page.locator('[data-testid="playback-speed"]').inputValue()).toBe('3600');
  });

  it('is driven by the keyboard: arrows step, + and - change the speed, space plays and pauses, L goes live', async () => {
    await page.goto(`${base}?mode=playback&range=6h&speed=60`);
    await page.waitForSelector('[data-testid="playback-loading"]', { state: 'detached', timeout: 30_000 });
    await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus the page, not a field
    const start = await cursor();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((c) => Number(document.querySelector('[data-testid="playback-cursor"]')?.getAttribute('data-cursor')) > c, start);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((c) => Number(document.querySelector('[data-testid="playback-cursor"]')?.getAttribute('data-cursor')) === c, start);
    await page.keyboard.press('+');
    expect(await page.locator('[data-testid="playback-speed"]').inputValue()).toBe('300');
    await page.keyboard.press('-');
    expect(await page.locator('[data-testid="playback-speed"]').inputValue()).toBe('60');
    await page.keyboard.press(' ');
    await page.waitForFunction((c) => Number(document.querySelector('[data-testid="playback-cursor"]')?.getAttribute('data-cursor')) > c + 30_000, start, { timeout: 10_000 });
    await page.keyboard.press(' ');
    const paused = await cursor();
    await page.waitForTimeout(700);
    expect(await cursor()).toBe(paused);
    await page.keyboard.press('l');
    await page.waitForSelector('[data-testid="mode"][data-mode="live"]');
  });

  it('plays into the present and carries on live', async () => {
    await page.goto(`${base}?mode=playback&range=15m&speed=600`);
    await page.waitForSelector('[data-testid="playback-loading"]', { state: 'detached', timeout: 30_000 });
    await page.click('[data-testid="playback-play"]');
    // 15 minutes at 600× take 1.5 s; then the view is live, and live data keep coming.
    await page.waitForSelector('[data-testid="mode"][data-mode="live"]', { timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get('mode')).not.toBe('playback');
    const first = await text('feed');
    await page.waitForFunction((before) => document.querySelector('[data-testid="feed"]')?.textContent !== before, first, { timeout: 20_000 });
  });

  it('fits a phone: every panel drawn, nothing wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      phone.on('pageerror', (error) => consoleErrors.push(error.message));
      await phone.goto(base);
      await phone.waitForFunction(() => ['cpu-chart', 'temp-histogram', 'volume-chart'].every((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-points')) > 0), undefined, { timeout: 30_000 });
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      for (const id of ['kpis', 'cpu-chart', 'temp-histogram', 'volume-chart', 'feed', 'alerts']) {
        const box = await phone.locator(`[data-testid="${id}"]`).first().boundingBox();
        expect(box, id).not.toBeNull();
        expect(box!.x, id).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, id).toBeLessThanOrEqual(390);
      }
      await phone.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  });

  it('logged no console error on the way', () => {
    expect(consoleErrors).toEqual([]);
  });
});
