// `docker compose up` as a new user runs it, on a real Docker engine: a fresh copy of the
// checkout owned by root, no .env, nothing edited by hand. The stack must come up healthy,
// serve all three regions and the dashboard, keep its data over `down` and `up`, stop a
// service whose .env value is invalid with a one-line error naming the variable (and come
// up cleanly once it is fixed), and leave nothing behind. `npm run test:compose` runs it
// (see docs/COMPOSE-TEST.md: the engine, the stand-in images, what each step checks).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, copyCheckout, freeHostPort, queryScalar, stackCounts, waitForHealthy, type Health } from './compose-harness.ts';

const project = `pulse-compose-test-${process.pid}`;
const figures: Record<string, number> = {};

describe('docker compose up on a fresh clone owned by root, with no .env', () => {
  let dir: string;
  let port: number;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-compose-'));
    await copyCheckout(dir);
    port = await freeHostPort();
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (dir) {
      await compose(dir, project, port, ['down', '--volumes', '--remove-orphans', '--timeout', '20']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`[compose] ${JSON.stringify(figures)}`);
  });

  it('comes up healthy: every service running, all three regions served, the dashboard page and its script', async () => {
    const started = Date.now();
    await compose(dir, project, port, ['up', '--detach', '--wait', '--wait-timeout', '300']);
    const health: Health = await waitForHealthy(url, 120_000);
    figures['up_to_healthy_s'] = (Date.now() - started) / 1000;
    expect(health.status).toBe('ok');
    expect(health.speed.instances).toHaveLength(1);
    expect(health.batch?.watermark).toBeTruthy();

    const overview = await (await fetch(`${url}/api/overview`)).json() as { regions: { region: string; readings: number }[] };
    expect(overview.regions.map((r) => r.region).sort()).toEqual(['germany', 'india', 'usa']);
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain('<title>Pulse</title>');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${url}${script}`)).status).toBe(200);
  });

  it('keeps its data, topics and offsets over down and up, and lists only the running speed instance', async () => {
    const before = await stackCounts(dir, project, port);
    expect(before.historyFiles).toBeGreaterThan(0);
    expect(before.hotRows).toBeGreaterThan(0);

    const restarted = Date.now();
    await compose(dir, project, port, ['down', '--timeout', '20']);
    await compose(dir, project, port, ['up', '--detach', '--wait', '--wait-timeout', '300']);
    const health = await waitForHealthy(url, 120_000);
    figures['restart_to_healthy_s'] = (Date.now() - restarted) / 1000;
    expect(health.speed.instances).toHaveLength(1); // the previous instance marked itself stopped

    const after = await stackCounts(dir, project, port);
    expect(after.historyFiles).toBe(before.historyFiles); // init did not generate history again
    expect(after.batchRuns).toBeGreaterThanOrEqual(before.batchRuns);
    expect(after.hotRows).toBeGreaterThanOrEqual(before.hotRows); // the password and the database survived
    expect(after.topicEnd).toBeGreaterThanOrEqual(before.topicEnd); // Kafka kept its log
    expect(after.committed).toBeGreaterThanOrEqual(before.committed); // and the group's offsets
    expect(await queryScalar(dir, project, port, 'SELECT count(*) - count(DISTINCT event_id) FROM readings_hot')).toBe(0);
  });

  it('stops init with one line naming an invalid .env value, and comes up once it is fixed', async () => {
    await compose(dir, project, port, ['down', '--timeout', '20']);
    await writeFile(join(dir, '.env'), 'DATABASE_URL=postgres//pulse@postgres/pulse\n');
    const failed = await compose(dir, project, port, ['up', '--detach', '--wait', '--wait-timeout', '300']).then(() => null, (error: Error) => error);
    expect(failed).not.toBeNull();
    const { stdout } = await compose(dir, project, port, ['logs', '--no-log-prefix', 'init']);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^pulse: invalid configuration: DATABASE_URL: expected postgres:\/\//);
    expect(await compose(dir, project, port, ['ps', '--all', '--format', '{{.Service}} {{.ExitCode}}', 'init']).then((r) => r.stdout.trim())).toBe('init 2');

    await rm(join(dir, '.env'));
    await compose(dir, project, port, ['up', '--detach', '--wait', '--wait-timeout', '300']);
    expect((await waitForHealthy(url, 120_000)).status).toBe('ok');
  });

  it('leaves no container, volume or network of the project behind after down --volumes', async () => {
    await compose(dir, project, port, ['down', '--volumes', '--remove-orphans', '--timeout', '20']);
    const { stdout } = await compose(dir, project, port, ['ps', '--all', '--quiet']);
    expect(stdout.trim()).toBe('');
    const volumes = await compose(dir, project, port, ['volumes', '--quiet']).then((r) => r.stdout.trim(), () => '');
    expect(volumes).toBe('');
  });
});
