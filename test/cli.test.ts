// The `pulse` command as a user runs it: help for every command, one-line errors
// naming the variable and address, migrations that are safe to repeat.

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, quoteIdentifier } from '../infra/index.ts';
import { testBrokers, testDatabaseUrl, uniqueName } from './support/isolation.ts';

const run = promisify(execFile);
const PULSE = new URL('../bin/pulse.mjs', import.meta.url).pathname;

async function pulse(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [PULSE, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const services = () => ({ KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl() });

describe('pulse CLI', () => {
  it.each([[[]], [['stack']], [['stack', 'up']], [['stack', 'down']], [['stack', 'status']], [['migrate']]])('documents %j with --help', async (args) => {
    const result = await pulse([...args, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: pulse');
  });

  it('reports both services answering with stack status', async () => {
    const result = await pulse(['stack', 'status'], services());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kafka .* answering/);
    expect(result.stdout).toMatch(/postgres .* answering/);
  });

  it('fails with one line naming DATABASE_URL and the address when PostgreSQL is unreachable', async () => {
    const result = await pulse(['migrate'], { DATABASE_URL: 'postgres://pulse:secret@127.0.0.1:1/pulse' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^pulse: cannot reach PostgreSQL at 127\.0\.0\.1:1\/pulse \(DATABASE_URL\)/)]);
    expect(result.stderr).not.toContain('secret');
  });

  it('fails with one line naming the variable for malformed configuration', async () => {
    const result = await pulse(['stack', 'status'], { KAFKA_BROKERS: 'no port here' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^pulse: invalid configuration: KAFKA_BROKERS: expected host:port/);
  });

  it('reports an unreachable broker as not answering, with its address, and exits non-zero', async () => {
    const result = await pulse(['stack', 'status'], { ...services(), KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/kafka +127\.0\.0\.1:1 +not answering/);
  });

  it('refuses to serve on a port already in use: one line naming PORT, a non-zero exit, no hang', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const result = await pulse(['serve'], { ...services(), PORT: String(port), LOG_LEVEL: 'silent' });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^pulse: PORT=${port}: port ${port} .*already in use`))]);
      expect(result.stdout).not.toContain('"msg":"serving"');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      blocker.close();
    }
  });

  describe('migrate', () => {
    const schema = uniqueName('cli');
    afterAll(async () => {
      const pool = createPool({ databaseUrl: testDatabaseUrl(), max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await pool.end();
    });

    it('applies pending migrations once and is a no-op the second time', async () => {
      const first = await pulse(['migrate', '--schema', schema], services());
      expect(first.stdout).toContain(`applied to ${schema}: 0001_readings_hot`);
      const second = await pulse(['migrate', '--schema', schema], services());
      expect(second.stdout).toContain(`schema ${schema} is up to date`);
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      const result = await pulse(['migrate', '--schema', 'x; DROP TABLE readings_hot'], services());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is not a lower-case SQL identifier');
    });
  });
});
