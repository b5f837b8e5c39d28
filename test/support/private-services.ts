// A Kafka broker or PostgreSQL server of one test file's own, on free loopback ports, for
// fault tests that stop and restart it (the shared services of global-setup must stay up
// for the test files running beside them). State survives a restart; `destroy` removes it.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort, freePortPair, loadConfig, localKafkaPid, newClusterId, startLocalKafka, startLocalKafkaCluster, startLocalPostgres, stopLocalKafka, stopLocalPostgres,
  type LocalKafkaOptions, type LocalPostgresOptions, type SecureListener,
} from '../../infra/index.ts';

export interface PrivateService {
  /** KAFKA_BROKERS or DATABASE_URL of this service. */
  address: string;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  destroy: () => Promise<void>;
}

async function stateDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user and must reach it
  return dir;
}

const cacheDir = () => loadConfig({ ...(process.env['PULSE_CACHE_DIR'] ? { PULSE_CACHE_DIR: process.env['PULSE_CACHE_DIR'] } : {}) }).cacheDir;

/** `secureListener`: also a SASL_SSL listener, on the port given (see `secureAddress`). */
export async function privateKafka(options: { secureListener?: Omit<SecureListener, 'port'> } = {}): Promise<PrivateService & { secureAddress?: string }> {
  const dir = await stateDir('pulse-private-kafka-');
  const port = await freePortPair();
  const secure = options.secureListener ? { ...options.secureListener, port: await freePort() } : undefined;
  const start = async () => {
    await startLocalKafka({ dir: join(dir, 'kafka'), port, controllerPort: port + 1, cacheDir: cacheDir(), heapMb: 384, ...(secure ? { secureListener: secure } : {}) });
  };
  const stop = async () => {
    await stopLocalKafka(join(dir, 'kafka'));
  };
  await start();
  return {
    address: `127.0.0.1:${port}`, start, stop, destroy: async () => { await stop(); await rm(dir, { recursive: true, force: true }); },
    ...(secure ? { secureAddress: `127.0.0.1:${secure.port}` } : {}),
  };
}

export interface PrivateKafkaCluster {
  /** KAFKA_BROKERS of every node. */
  address: string;
  nodes: readonly { address: string; pid: () => Promise<number | null>; start: () => Promise<void> }[];
  destroy: () => Promise<void>;
}

/**
 * A KRaft cluster of `size` nodes (replication factor 3, min.insync.replicas 2 at size 3). Its
 * ports are picked free, but another test may bind one before a broker does: then the cluster
 * is started again on other ports (CI saw a broker exit with "Address already in use").
 */
export async function privateKafkaCluster(size: number, attempts = 3): Promise<PrivateKafkaCluster> {
  for (let attempt = 1; ; attempt += 1) {
    const dir = await stateDir('pulse-private-cluster-');
    const ports: number[] = [];
    for (let i = 0; i < size; i++) ports.push(await freePortPair());
    const clusterId = newClusterId();
    const nodes: LocalKafkaOptions[] = ports.map((port, i) => ({
      dir: join(dir, `kafka-${i + 1}`), port, controllerPort: port + 1, cacheDir: cacheDir(), heapMb: 320,
      cluster: { nodeId: i + 1, controllerPorts: ports.map((p) => p + 1), clusterId },
    }));
    try {
      await startLocalKafkaCluster(nodes);
    } catch (error) {
      await Promise.all(nodes.map((n) => stopLocalKafka(n.dir).catch(() => undefined)));
      await rm(dir, { recursive: true, force: true });
      if (attempt >= attempts || !/Address already in use/.test(error instanceof Error ? error.message : String(error))) throw error;
      continue;
    }
    return {
      address: ports.map((p) => `127.0.0.1:${p}`).join(','),
      nodes: nodes.map((node) => ({
        address: `127.0.0.1:${node.port}`, pid: () => localKafkaPid(node.dir), start: async () => void (await startLocalKafka(node)),
      })),
      destroy: async () => {
        await Promise.all(nodes.map((n) => stopLocalKafka(n.dir)));
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

export interface PrivatePostgres extends PrivateService {
  /** Start on a spare port that no client knows, for a look at the data while clients still see it down; returns that URL. */
  startUnseen: () => Promise<string>;
}

export async function privatePostgres(extra: { tls?: LocalPostgresOptions['tls']; password?: string } = {}): Promise<PrivatePostgres> {
  const dir = await stateDir('pulse-private-pg-');
  const options: LocalPostgresOptions = {
    dir: join(dir, 'postgres'), port: await freePort(), user: 'pulse', password: extra.password ?? 'private-pg-secret', database: 'pulse', durable: false,
    ...(extra.tls ? { tls: extra.tls } : {}),
  };
  const start = async () => {
    await startLocalPostgres(options);
  };
  const stop = async () => {
    await stopLocalPostgres(options.dir);
  };
  const url = (port: number) => `postgres://${options.user}:${options.password}@127.0.0.1:${port}/${options.database}`;
  const startUnseen = async () => {
    const port = await freePort();
    await startLocalPostgres({ ...options, port });
    return url(port);
  };
  await start();
  return {
    address: url(options.port), start, stop, startUnseen,
    destroy: async () => { await stop(); await rm(dir, { recursive: true, force: true }); },
  };
}
