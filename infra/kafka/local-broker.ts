// Apache Kafka in KRaft mode (each node broker and controller), one node or a cluster,
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
  /** This node's place in a cluster of several (unset: a cluster of one). */
  cluster?: ClusterMembership;
  /** A SASL_SSL listener beside the plaintext one, as managed clusters offer. */
  secureListener?: SecureListener;
  logger?: Logger;
}

export interface ClusterMembership {
  nodeId: number;
  /** Controller port of every node, in node-id order from 1. */
  controllerPorts: readonly number[];
  /** The id every node is formatted with. */
  clusterId: string;
}

export interface SecureListener {
  port: number;
  /** PEM file holding the broker's private key (PKCS#8, unencrypted) and its certificate chain. */
  keystorePem: string;
  /** Accounts for PLAIN and for both SCRAM mechanisms. */
  users: readonly { name: string; password: string }[];
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

/** Replication settings of a cluster of `size` nodes: three replicas where there are three, two of them in sync for a write. */
function replicationProperties(size: number): string {
  const replicas = Math.min(3, size);
  const inSync = size >= 3 ? 2 : 1;
  return `default.replication.factor=${replicas}
min.insync.replicas=${inSync}
offsets.topic.replication.factor=${replicas}
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${inSync}
`;
}

/** SASL_SSL listener settings: PLAIN users in the JAAS line, SCRAM users in the metadata log (see storage format). */
function secureListenerProperties(listener: SecureListener): string {
  const plainUsers = listener.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  return `sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=${listener.keystorePem}
`;
}

function serverProperties(options: LocalKafkaOptions): string {
  const { port, controllerPort, dir, cluster, secureListener: secure } = options;
  const voters = cluster
    ? cluster.controllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',')
    : `1@127.0.0.1:${controllerPort}`;
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, ...(secure ? [`SASL_SSL://127.0.0.1:${secure.port}`] : [])];
  return `# Written by pulse on every start; edits are overwritten.
process.roles=broker,controller
node.id=${cluster?.nodeId ?? 1}
controller.quorum.voters=${voters}
listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(',')}
advertised.listeners=${listeners.join(',')}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=${join(dir, 'kraft-logs')}
num.partitions=1
${replicationProperties(cluster?.controllerPorts.length ?? 1)}offsets.topic.num.partitions=10
# A single-node group needs no wait for more members before its first rebalance.
group.initial.rebalance.delay.ms=0
log.retention.hours=168
${secure ? secureListenerProperties(secure) : ''}`;
}

const LOG4J = `log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

/** A Kafka cluster id: 16 random bytes, base64url without padding. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Arguments of `kafka-storage format`. The id is joined to its option: a base64url id starts
 * with '-' one time in 32, and as a separate argument the tool's parser takes it for an option.
 */
export function storageFormatArgs(libs: string, properties: string, clusterId: string, scramUsers: SecureListener['users'] = []): string[] {
  const scram = scramUsers.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].map((m) => `--add-scram=${m}=[name=${u.name},password=${u.password}]`));
  return ['-Xmx256m', '-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties, '--ignore-formatted', ...scram];
}

function runStorageFormat(java: string, libs: string, properties: string, options: LocalKafkaOptions): void {
  const args = storageFormatArgs(libs, properties, options.cluster?.clusterId ?? newClusterId(), options.secureListener?.users);
  const format = spawnSync(java, args, { encoding: 'utf8', timeout: 120_000 });
  if (format.status !== 0) {
    throw new PulseError('SERVICE_START_FAILED', `formatting Kafka storage failed: ${(format.stderr || format.stdout).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** Start the broker unless it already runs; resolves once a client call succeeds. */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<StartOutcome> {
  const launched = await launchLocalKafka(options);
  if (launched.status === 'started') await awaitLocalKafka(options, launched.pid);
  return launched;
}

/**
 * A cluster of `nodes.length` KRaft nodes (each broker and controller). All are launched
 * before any is awaited: a node answers only once a majority of the controllers has formed.
 */
export async function startLocalKafkaCluster(nodes: readonly LocalKafkaOptions[]): Promise<StartOutcome[]> {
  const launched: StartOutcome[] = [];
  try {
    for (const node of nodes) launched.push(await launchLocalKafka(node));
    await Promise.all(nodes.map((node, i) => (launched[i]?.status === 'started' ? awaitLocalKafka(node, launched[i].pid) : undefined)));
  } catch (error) {
    await Promise.all(nodes.map((node) => stopLocalKafka(node.dir).catch(() => undefined)));
    throw error;
  }
  return launched;
}

async function launchLocalKafka(options: LocalKafkaOptions): Promise<StartOutcome> {
  const address = [`127.0.0.1:${options.port}`];
  const running = await livePid(pidFile(options.dir));
  if (running !== null && (await probeKafka(address)).ok) return { status: 'already-running', pid: running };
  if (running !== null) await stopProcess(running);
  for (const port of [options.port, options.controllerPort, ...(options.secureListener ? [options.secureListener.port] : [])]) {
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
  if (!existsSync(join(options.dir, 'kraft-logs', 'meta.properties'))) runStorageFormat(java, libs, properties, options);

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
  options.logger?.info({ brokerPid: pid, port: options.port, nodeId: options.cluster?.nodeId ?? 1 }, 'kafka broker starting');
  return { status: 'started', pid };
}

async function awaitLocalKafka(options: LocalKafkaOptions, pid: number): Promise<void> {
  const ready = await waitUntil(async () => (await probeKafka([`127.0.0.1:${options.port}`], 2000)).ok, {
    timeoutMs: 120_000, abort: () => (isAlive(pid) ? null : 'the broker process exited'),
  });
  if (!ready.ready) {
    if (isAlive(pid)) await stopProcess(pid, 5000);
    await rm(pidFile(options.dir), { force: true });
    const tail = await tailFile(logFile(options.dir), 8);
    throw new PulseError('SERVICE_START_FAILED', `Kafka broker did not become ready (${ready.reason}); last log lines:\n${tail}`);
  }
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
