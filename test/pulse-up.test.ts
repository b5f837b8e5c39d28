// `pulse up` (npm start) from a clean data directory: the whole pipeline comes up, serves
// live readings and a batch watermark, and Ctrl-C stops every child and frees the ports.

import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, freePortPair, isPortInUse } from '../infra/index.ts';

const PULSE = new URL('../bin/pulse.mjs', import.meta.url).pathname;

describe('pulse up', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-up-'));
  await chmod(dataDir, 0o755);
  const kafkaPort = await freePortPair();
  const [pgPort, httpPort] = [await freePort(), await freePort()];
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  /** Starts `pulse up` on this file's ports and resolves once it says it is ready. */
  async function startUp() {
    const child = spawn(process.execPath, [PULSE, 'up', '--servers-per-region', '3', '--history-days', '1', '--rate', '50'], {
      env: { ...process.env, PULSE_DATA_DIR: dataDir, KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DATABASE_URL: `postgres://pulse:pulse@127.0.0.1:${pgPort}/pulse`, PORT: String(httpPort), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = { child, output: '', exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))) };
    child.stdout.on('data', (c: Buffer) => (run.output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (run.output += c.toString()));
    const deadline = Date.now() + 180_000;
    while (!run.output.includes('Pulse is ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pulse up did not become ready:\n${run.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return run;
  }
  const portsFree = async () => {
    for (const port of [kafkaPort, kafkaPort + 1, pgPort, httpPort]) expect(await isPortInUse(port)).toBe(false);
  };

  it('runs the pipeline, answers with live and batch data, and stops cleanly on SIGINT', async () => {
    const run = await startUp();
    const { child, exited } = run;
    const api = async (path: string) => (await fetch(`http://127.0.0.1:${httpPort}${path}`)).json() as Promise<Record<string, any>>;
    let health = await api('/api/health');
    for (let i = 0; i < 40 && !(health['speed']?.instances?.length > 0); i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      health = await api('/api/health');
    }
    expect(health).toMatchObject({ status: 'ok', postgres: { ok: true }, kafka: { ok: true } });
    expect(health['batch']['watermark']).toBeTruthy();
    expect(health['speed']['instances'].length).toBe(1);
    let overview = await api('/api/overview');
    for (let i = 0; i < 40 && !(overview['regions']?.some((r: { readings: number }) => r.readings > 0)); i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      overview = await api('/api/overview');
    }
    expect(overview['regions'].map((r: { region: string }) => r.region).sort()).toEqual(['germany', 'india', 'usa']);

    child.kill('SIGINT');
    const stoppedWithin = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedWithin).toBeLessThan(20_000);
    await portsFree();
    expect(run.output).toContain('[speed]');
    expect(run.output).toContain('pulse up: stopped');
  });

  it('stops at once on a second SIGINT (an impatient Ctrl-C), and still stops Kafka and PostgreSQL', async () => {
    const run = await startUp();
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    // Exited by itself (0 when the graceful stop got there first, 130 when the second signal did), not killed by the signal.
    expect([0, 130]).toContain(await run.exited);
    expect(run.output).toContain('pulse up: second signal: stopping at once');
    await portsFree();
  });
});
