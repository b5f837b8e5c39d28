// Formatting the local broker's KRaft storage with a cluster id that starts with '-' (a
// random base64url id does one time in 32): the real storage tool must take it as the id,
// not as an option. Regression test for a start-up that failed at random.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.ts';
import { kafkaLibsDir } from './jars.ts';
import { findJava, storageFormatArgs } from './local-broker.ts';

const libs = kafkaLibsDir(resolve(packageRoot, '.cache'));

describe('kafka storage format', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(libs))('accepts a cluster id that starts with a dash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-format-'));
    dirs.push(dir);
    const properties = join(dir, 'server.properties');
    await writeFile(properties, ['process.roles=broker,controller', 'node.id=1', 'controller.quorum.voters=1@localhost:19093',
      'listeners=PLAINTEXT://localhost:19092,CONTROLLER://localhost:19093', 'controller.listener.names=CONTROLLER', `log.dirs=${join(dir, 'logs')}`, ''].join('\n'));
    const id = Buffer.from([0xf8, ...Array.from({ length: 15 }, (_, i) => i + 1)]).toString('base64url');
    expect(id.startsWith('-')).toBe(true);
    const result = spawnSync(findJava(), storageFormatArgs(libs, properties, id), { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(await readFile(join(dir, 'logs', 'meta.properties'), 'utf8')).toContain(`cluster.id=${id}`);
  });
});
