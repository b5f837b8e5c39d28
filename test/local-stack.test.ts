// `pulse stack up|status|down` as a user runs them on a machine without Docker: real
// processes started in the background, safe to start twice, nothing left behind.

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, freePortPair, isAlive, isPortInUse } from '../infra/index.ts';

const run = promisify(execFile);
const PULSE = new URL('../bin/pulse.mjs', import.meta.url).pathname;

describe('pulse stack lifecycle', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-stack-cli-'));
  await chmod(dataDir, 0o755);
  const kafkaPort = await freePortPair();
  const pgPort = await freePort();
  const env = {
    ...process.env, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn',
    KAFKA_BROKERS: `localhost:${kafkaPort}`, DATABASE_URL: `postgres://pulse:pulse@localhost:${pgPort}/pulse`,
  };
  const pulse = async (...args: string[]) => run(process.execPath, [PULSE, ...args], { env, timeout: 180_000 });

  afterAll(async () => {
    await pulse('stack', 'down').catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts both services, is safe to start twice, reports them, and stops them leaving no process', async () => {
    const first = await pulse('stack', 'up');
    expect(first.stdout).toMatch(/kafka .*: started/);
    expect(first.stdout).toMatch(/postgres .*: started/);

    const second = await pulse('stack', 'up');
    expect(second.stdout).toMatch(/kafka .*: already-running/);
    expect(second.stdout).toMatch(/postgres .*: already-running/);

    const status = await pulse('stack', 'status');
    expect(status.stdout).toMatch(new RegExp(`kafka +localhost:${kafkaPort} +answering`));
    expect(status.stdout).toMatch(new RegExp(`postgres +localhost:${pgPort}/pulse +answering .*PostgreSQL 17`));

    const brokerPid = Number(await readFile(join(dataDir, 'stack', 'kafka', 'broker.pid'), 'utf8'));
    const postmasterPid = Number((await readFile(join(dataDir, 'stack', 'postgres', 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);

    const down = await pulse('stack', 'down');
    expect(down.stdout).toMatch(/kafka +(stopped|killed)/);
    expect(down.stdout).toMatch(/postgres +stopped/);
    expect(isAlive(brokerPid)).toBe(false);
    expect(isAlive(postmasterPid)).toBe(false);
    for (const port of [kafkaPort, kafkaPort + 1, pgPort]) expect(await isPortInUse(port)).toBe(false);
  });
});
