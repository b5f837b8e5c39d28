// A Kafka broker or PostgreSQL server of one test file's own, on free loopback ports, for
// fault tests that stop and restart it (the shared services of global-setup must stay up
// for the test files running beside them). State survives a restart; `destroy` removes it.

import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freePortPair, loadConfig } from '../../infra/index.ts';
import { startLocalKafka, stopLocalKafka } from '../../infra/kafka/local-broker.ts';
import { startLocalPostgres, stopLocalPostgres } from '../../infra/postgres/local-server.ts';

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

export async function privateKafka(): Promise<PrivateService> {
  const dir = await stateDir('pulse-private-kafka-');
  const port = await freePortPair();
  const cacheDir = loadConfig({ ...(process.env['PULSE_CACHE_DIR'] ? { PULSE_CACHE_DIR: process.env['PULSE_CACHE_DIR'] } : {}) }).cacheDir;
  const start = async () => {
    await startLocalKafka({ dir: join(dir, 'kafka'), port, controllerPort: port + 1, cacheDir, heapMb: 384 });
  };
  const stop = async () => {
    await stopLocalKafka(join(dir, 'kafka'));
  };
  await start();
  return { address: `127.0.0.1:${port}`, start, stop, destroy: async () => { await stop(); await rm(dir, { recursive: true, force: true }); } };
}

export interface PrivatePostgres extends PrivateService {
  /** Start on a spare port that no client knows, for a look at the data while clients still see it down; returns that URL. */
  startUnseen: () => Promise<string>;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const dir = await stateDir('pulse-private-pg-');
  const options = { dir: join(dir, 'postgres'), port: await freePort(), user: 'pulse', password: 'private-pg-secret', database: 'pulse', durable: false };
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
