// The Kafka broker's jars, fetched once from Maven Central by `mvn
// dependency:copy-dependencies` on infra/kafka/pom.xml and cached outside the tree.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PulseError } from '../errors.ts';
import { packageRoot } from '../paths.ts';

export const KAFKA_VERSION = '3.9.1';
const POM = join(packageRoot, 'infra', 'kafka', 'pom.xml');

export function kafkaLibsDir(cacheDir: string): string {
  return join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
}

/** The directory holding every broker jar, downloading them on first use. */
export async function ensureKafkaJars(cacheDir: string): Promise<string> {
  const libs = kafkaLibsDir(cacheDir);
  if (existsSync(join(libs, '.complete'))) return libs;
  const staging = `${libs}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const mvn = spawnSync('mvn', [
    '-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime',
  ], { encoding: 'utf8', timeout: 600_000 });
  if (mvn.error || mvn.status !== 0) {
    await rm(staging, { recursive: true, force: true });
    const why = mvn.error ? `${mvn.error.message} (is Maven installed? apt-get install maven)` : (mvn.stdout + mvn.stderr).trim().split('\n').slice(-3).join(' ');
    throw new PulseError('KAFKA_JARS_UNAVAILABLE', `could not fetch Kafka ${KAFKA_VERSION} jars from Maven Central: ${why}`);
  }
  const jars = (await readdir(staging)).filter((f) => f.endsWith('.jar'));
  if (!jars.some((j) => j.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new PulseError('KAFKA_JARS_UNAVAILABLE', `Maven finished but kafka_2.13-${KAFKA_VERSION}.jar is missing in ${staging}`);
  }
  await writeFile(join(staging, '.complete'), `${jars.length} jars\n`);
  await rm(libs, { recursive: true, force: true });
  await mkdir(join(libs, '..'), { recursive: true });
  await rename(staging, libs);
  return libs;
}
