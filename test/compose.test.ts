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

interface Service { image?: string; build?: string; command?: string[]; entrypoint?: string[]; profiles?: string[]; user?: string }

describe('docker-compose.yml', async () => {
  const compose = parse(await readFile(`${packageRoot}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const pulseServices = Object.entries(compose.services).filter(([, s]) => s.build === '.' && !s.entrypoint);

  it('has every service of the pipeline, and the optional agent and bridge profiles', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'batch', 'bridge', 'generator', 'init', 'kafka', 'postgres', 'prepare', 'serving', 'speed']);
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

  it('runs the one-shot prepare service as root with the script the image ships', async () => {
    expect(compose.services['prepare']?.user).toBe('0:0');
    expect(compose.services['prepare']?.entrypoint).toEqual(['/app/infra/docker/prepare.sh']);
    await expect(readFile(`${packageRoot}infra/docker/prepare.sh`, 'utf8')).resolves.toContain('chown');
  });

  it('needs no .env and names no password', async () => {
    const text = await readFile(`${packageRoot}docker-compose.yml`, 'utf8');
    expect(text).not.toMatch(/:\?/); // no ${VAR:?…} that stops compose without .env
    expect(text).not.toMatch(/^\s*\w*PASSWORD:\s*[^$\s]/m); // a password is only ever ${…} or a file
  });

  // .ci/run installs Compose; where it is missing the test is reported as skipped, not passed.
  const composeInstalled = await run('docker', ['compose', 'version']).then(() => true, () => false);
  it.skipIf(!composeInstalled)('passes docker compose config, with and without .env.example (Compose v2)', async () => {
    await run('docker', ['compose', '-f', `${packageRoot}docker-compose.yml`, 'config', '-q'], { timeout: 60_000 });
    await run('docker', ['compose', '-f', `${packageRoot}docker-compose.yml`, '--env-file', `${packageRoot}.env.example`, 'config', '-q'], { timeout: 60_000 });
  });
});
