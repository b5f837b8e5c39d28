// A real PostgreSQL server run by Pulse itself (binaries from npm or the system):
// initdb once, pg_ctl start/stop, data directory under PULSE_DATA_DIR. PostgreSQL
// refuses to run as root, so as root it runs as the `postgres` system user.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PulseError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isAlive, isPortInUse, tailFile } from '../processes.ts';
import { postgresBinDir } from './binaries.ts';
import { probePostgres, quoteIdentifier } from './pool.ts';

export interface LocalPostgresOptions {
  /** State directory: pgdata/ and postgres.log. */
  dir: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** fsync on (default). Test stacks turn it off: a killed server still loses nothing, only an OS crash could. */
  durable?: boolean;
  /** Serve TLS with this certificate and key (PEM files; copied into the data directory). */
  tls?: { certFile: string; keyFile: string };
  logger?: Logger;
}

interface RunAs { uid: number; gid: number }

const OS_USER = 'postgres';

function runAsOwner(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['-u', OS_USER]).status !== 0) {
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], { encoding: 'utf8' });
    if (add.status !== 0) throw new PulseError('SERVICE_START_FAILED', `PostgreSQL cannot run as root and creating user ${OS_USER} failed: ${add.stderr.trim()}`);
  }
  const uid = Number(spawnSync('id', ['-u', OS_USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', OS_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function run(bin: string, args: string[], owner: RunAs | undefined, timeoutMs = 120_000): { ok: boolean; output: string } {
  const options: SpawnSyncOptions = { encoding: 'utf8', timeout: timeoutMs, ...(owner ?? {}) };
  const result = spawnSync(bin, args, options);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`.trim();
  return { ok: result.status === 0, output };
}

async function chownTree(path: string, owner: RunAs | undefined): Promise<void> {
  if (!owner) return;
  const result = spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, path]);
  if (result.status !== 0) await chown(path, owner.uid, owner.gid);
}

function serverSettings(options: LocalPostgresOptions): string {
  return `# Written by pulse on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = ${options.port}
unix_socket_directories = ''
max_connections = 200
shared_buffers = '256MB'
fsync = ${options.durable === false ? 'off' : 'on'}
${options.tls ? "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" : ''}`;
}

/** The server reads its key only when it is private to it (mode 0600, its own user's). */
async function installCertificate(pgdata: string, tls: NonNullable<LocalPostgresOptions['tls']>): Promise<void> {
  await copyFile(tls.certFile, join(pgdata, 'server.crt'));
  await copyFile(tls.keyFile, join(pgdata, 'server.key'));
  await chmod(join(pgdata, 'server.key'), 0o600);
}

/** PostgreSQL runs as its own user: every directory above its data must let that user through. */
function assertReachable(dir: string, owner: RunAs | undefined): void {
  if (!owner) return;
  if (spawnSync('test', ['-w', dir], owner).status !== 0) {
    throw new PulseError('SERVICE_START_FAILED', `PostgreSQL runs as user ${OS_USER}, which cannot write ${dir}: make its parent directories traversable (chmod o+x) or set PULSE_DATA_DIR elsewhere`);
  }
}

async function initialise(bin: string, pgdata: string, options: LocalPostgresOptions, owner: RunAs | undefined): Promise<void> {
  const pwfile = join(options.dir, '.pwfile');
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  await chownTree(options.dir, owner);
  const auth = options.password ? 'scram-sha-256' : 'trust';
  const init = run(join(bin, 'initdb'), [
    '-D', pgdata, '-U', options.user, '--pwfile', pwfile, '-A', auth, '-E', 'UTF8', '--locale=C', '--no-instructions',
  ], owner);
  await rm(pwfile, { force: true });
  if (!init.ok) throw new PulseError('SERVICE_START_FAILED', `initdb failed: ${init.output.split('\n').slice(-3).join(' ')}`);
  await appendFile(join(pgdata, 'postgresql.conf'), "\ninclude_if_exists = 'pulse.conf'\n");
}

/** The postmaster's pid if it runs. */
export async function localPostgresPid(dir: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(join(dir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

async function ensureDatabase(options: LocalPostgresOptions): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1', port: options.port, user: options.user, password: options.password, database: 'postgres',
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdentifier(options.database)}`);
  } finally {
    await client.end();
  }
}

function urlOf(options: LocalPostgresOptions, database = options.database): string {
  const auth = `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}`;
  return `postgres://${auth}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
}

/** Start the server unless it already runs; resolves once a real query succeeds. */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<{ status: 'started' | 'already-running'; pid: number }> {
  const pgdata = join(options.dir, 'pgdata');
  const running = await localPostgresPid(options.dir);
  if (running !== null && (await probePostgres(urlOf(options, 'postgres'))).ok) {
    await ensureDatabase(options);
    return { status: 'already-running', pid: running };
  }
  if (await isPortInUse(options.port)) {
    throw new PulseError('PORT_IN_USE', `port ${options.port} is already in use by another process: free it, or set DATABASE_URL to the server that uses it`, { context: { port: options.port } });
  }
  const bin = postgresBinDir();
  const owner = runAsOwner();
  await mkdir(options.dir, { recursive: true });
  await chownTree(options.dir, owner);
  assertReachable(options.dir, owner);
  if (!existsSync(join(pgdata, 'PG_VERSION'))) await initialise(bin, pgdata, options, owner);
  if (options.tls) await installCertificate(pgdata, options.tls);
  await writeFile(join(pgdata, 'pulse.conf'), serverSettings(options));
  await chownTree(options.dir, owner);
  const log = join(options.dir, 'postgres.log');
  const start = run(join(bin, 'pg_ctl'), ['-D', pgdata, '-l', log, '-w', '-t', '90', 'start'], owner);
  if (!start.ok) {
    throw new PulseError('SERVICE_START_FAILED', `PostgreSQL did not start: ${start.output.split('\n').slice(-2).join(' ')}; last log lines:\n${await tailFile(log, 8)}`);
  }
  await ensureDatabase(options);
  const pid = await localPostgresPid(options.dir);
  options.logger?.info({ postmasterPid: pid, port: options.port }, 'postgres started');
  return { status: 'started', pid: pid ?? -1 };
}

/** Fast shutdown (disconnect clients, checkpoint) if it runs. */
export async function stopLocalPostgres(dir: string): Promise<'stopped' | 'not-running'> {
  if ((await localPostgresPid(dir)) === null) return 'not-running';
  const stop = run(join(postgresBinDir(), 'pg_ctl'), ['-D', join(dir, 'pgdata'), '-m', 'fast', '-w', '-t', '60', 'stop'], runAsOwner());
  if (!stop.ok) throw new PulseError('SERVICE_STOP_FAILED', `pg_ctl stop failed: ${stop.output}`);
  return 'stopped';
}
