// A single-node Apache Kafka broker in KRaft mode (combined broker + controller),
// run from Maven Central jars on the installed JDK, in the background, with its
// state, config and log under one directory. Readiness is a real client call.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PulseError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isAlive, isPortInUse, livePid, stopProcess, tailFile, waitUntil, writePid } from '../processes.ts';
import { probeKafka } from './client.ts';
import { ensureKafkaJars } from './jars.ts';

export interface LocalKafkaOptions {
  /** State directory: config, KRaft log dirs, broker.log, broker.pid. */
  dir: string;
  port: number;
  controllerPort: number;
  cacheDir: string;
  /** JVM heap in MB (default 512). */
  heapMb?: number;
  logger?: Logger;
}

export type StartOutcome = { status: 'started' | 'already-running'; pid: number };

const pidFile = (dir: string) => join(dir, 'broker.pid');
const logFile = (dir: string) => join(dir, 'broker.log');

/** The java binary: $JAVA_HOME/bin/java, else java on PATH; throws JAVA_MISSING naming the fix. */
export function findJava(): string {
  const home = process.env['JAVA_HOME'];
  const candidates = home ? [join(home, 'bin', 'java'), 'java'] : ['java'];
  for (const java of candidates) {
    const probe = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 30_000 });
    const major = Number(/version "(\d+)/.exec(probe.stderr ?? '')?.[1] ?? 0);
    if (probe.status === 0 && major >= 11) return java;
  }
  throw new PulseError('JAVA_MISSING',
    'the local Kafka broker needs Java 11+ (17 recommended): install a JDK (e.g. apt-get install openjdk-17-jre-headless), '
    + 'or set KAFKA_BROKERS to a running broker, or use `docker compose up`');
}

function serverProperties(options: LocalKafkaOptions): string {
  const { port, controllerPort, dir } = options;
  return `# Written by pulse on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${join(dir, 'kraft-logs')}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# A single-node group needs no wait for more members before its first rebalance.
group.initial.rebalance.delay.ms=0
log.retention.hours=168
`;
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

/** A Kafka cluster id: 16 random bytes, base64url without padding. */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Arguments of `kafka-storage format`. The id is joined to its option: a base64url id starts
 * with '-' one time in 32, and as a separate argument the tool's parser takes it for an option.
 */
export function storageFormatArgs(libs: string, properties: string, clusterId: string): string[] {
  return ['-Xmx256m', '-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties, '--ignore-formatted'];
}

function runStorageFormat(java: string, libs: string, properties: string): void {
  const format = spawnSync(java, storageFormatArgs(libs, properties, newClusterId()), { encoding: 'utf8', timeout: 120_000 });
  if (format.status !== 0) {
    throw new PulseError('SERVICE_START_FAILED', `formatting Kafka storage failed: ${(format.stderr || format.stdout).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Start the broker unless it already runs; resolves once a client call succeeds. */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<StartOutcome> {
  const address = [`127.0.0.1:${options.port}`];
  const running = await livePid(pidFile(options.dir));
  if (running !== null && (await probeKafka(address)).ok) return { status: 'already-running', pid: running };
  if (running !== null) await stopProcess(running);
  for (const port of [options.port, options.controllerPort]) {
    if (await isPortInUse(port)) {
      throw new PulseError('PORT_IN_USE', `port ${port} is already in use by another process: free it, or set KAFKA_BROKERS to the broker that uses it`, { context: { port } });
    }
  }
  const java = findJava();
  const libs = await ensureKafkaJars(options.cacheDir);
  await mkdir(options.dir, { recursive: true });
  const properties = join(options.dir, 'server.properties');
  await writeFile(properties, serverProperties(options));
  await writeFile(join(options.dir, 'log4j.properties'), LOG4J);
  if (!existsSync(join(options.dir, 'kraft-logs', 'meta.properties'))) runStorageFormat(java, libs, properties);

  const out = openSync(logFile(options.dir), 'a');
  const heap = `${options.heapMb ?? 512}m`;
  const child = spawn(java, [
    `-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(options.dir, 'log4j.properties')}`, '-cp', `${libs}/*`, 'kafka.Kafka', properties,
  ], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new PulseError('SERVICE_START_FAILED', 'could not spawn the Kafka broker JVM');
  await writePid(pidFile(options.dir), pid);
  options.logger?.info({ brokerPid: pid, port: options.port }, 'kafka broker starting');

  const ready = await waitUntil(async () => (await probeKafka(address, 2000)).ok, {
    timeoutMs: 120_000, abort: () => (isAlive(pid) ? null : 'the broker process exited'),
  });
  if (!ready.ready) {
    if (isAlive(pid)) await stopProcess(pid, 5000);
    await rm(pidFile(options.dir), { force: true });
    const tail = await tailFile(logFile(options.dir), 8);
    throw new PulseError('SERVICE_START_FAILED', `Kafka broker did not become ready (${ready.reason}); last log lines:\n${tail}`);
  }
  return { status: 'started', pid };
}

/** Stop the broker if it runs (controlled shutdown, then SIGKILL after 30 s). */
export async function stopLocalKafka(dir: string): Promise<'stopped' | 'killed' | 'not-running'> {
  const pid = await livePid(pidFile(dir));
  if (pid === null) return 'not-running';
  const outcome = await stopProcess(pid, 30_000);
  await rm(pidFile(dir), { force: true });
  return outcome;
}

export async function localKafkaPid(dir: string): Promise<number | null> {
  return livePid(pidFile(dir));
}
