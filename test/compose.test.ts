// docker-compose.yml stays runnable: every Pulse service runs a real `pulse` command, and
// the file passes a real Compose parser where one is installed (.ci/run installs it).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../infra/index.ts';

const run = promisify(execFile);
const PULSE = new URL('../bin/pulse.mjs', import.meta.url).pathname;

interface Service { image?: string; build?: string; command?: string[]; profiles?: string[] }

describe('docker-compose.yml', async () => {
  const compose = parse(await readFile(`${packageRoot}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const pulseServices = Object.entries(compose.services).filter(([, s]) => s.build === '.');

  it('has every service of the pipeline, and the optional agent and bridge profiles', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'batch', 'bridge', 'generator', 'init', 'kafka', 'postgres', 'serving', 'speed']);
    expect(compose.services['kafka']?.image).toBe('apache/kafka:3.9.1');
    expect(compose.services['postgres']?.image).toBe('postgres:17');
    expect(compose.services['agent']?.profiles).toEqual(['agent']);
  });

  // Compose substitutes ${VAR:-default}; the defaults stand in for the values of .env here.
  const substituted = (args: string[]) => args.map((a) => a.replace(/\$\{\w+:-([^}]*)\}/g, '$1'));

  it.each(pulseServices.map(([name, s]) => [name, s.command ?? []]))('runs a real pulse command in %s: %j', async (_name, command) => {
    const { stdout } = await run(process.execPath, [PULSE, ...substituted(command as string[]), '--help'], { timeout: 30_000 });
    expect(stdout).toContain('Usage: pulse');
  });

  it('passes docker-compose config where Compose is installed', async () => {
    const found = await run('sh', ['-c', 'command -v docker-compose']).then(() => true, () => false);
    if (!found) return; // .ci/run installs Debian's docker-compose and validates there too
    await run('docker-compose', ['-f', `${packageRoot}docker-compose.yml`, '--env-file', `${packageRoot}.env.example`, 'config', '-q'], { timeout: 60_000 });
  });
});
