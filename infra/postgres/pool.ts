// node-postgres behind one small module: pools bound to Pulse's schema, a readiness
// probe, and the one-line error for an unreachable database.

import pg from 'pg';
import { PulseError, rootMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { connectionFailureOf } from '../tls-failures.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  databaseUrl: string;
  /** Schema put first on the search_path of every connection. */
  schema?: string;
  applicationName?: string;
  max?: number;
  connectionTimeoutMillis?: number;
  /** Server settings applied at connection start (`-c name=value`), e.g. role and read-only mode. */
  settings?: Readonly<Record<string, string>>;
  logger?: Logger;
}

/** Quote an SQL identifier; callers still validate identifiers against an allowlist pattern. */
export function quoteIdentifier(name: string): string {
  return pg.escapeIdentifier(name);
}

function startupOptions(options: PoolOptions): string {
  const settings = { ...(options.schema ? { search_path: `${quoteIdentifier(options.schema)},public` } : {}), ...options.settings };
  // Spaces separate options; a backslash escapes one inside a value.
  return Object.entries(settings).map(([name, value]) => `-c ${name}=${value.replace(/([\\ ])/g, '\\$1')}`).join(' ');
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    application_name: options.applicationName ?? 'pulse',
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    options: startupOptions(options),
  });
  // An idle client's error (server restart, network drop) would otherwise crash the process.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle postgres connection failed'));
  return pool;
}

/** host:port/database of a URL, for messages (never the password). */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

type Probe = { ok: true; version: string } | { ok: false; error: string; cause: unknown };

export async function probePostgres(databaseUrl: string, timeoutMs = 3000): Promise<Probe> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return { ok: true, version: result.rows[0]?.server_version ?? 'unknown' };
  } catch (error) {
    return { ok: false, error: rootMessage(error), cause: error };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Throw a one-line error naming the variable to fix: POSTGRES_AUTH_FAILED (the password of
 * DATABASE_URL or DATABASE_PASSWORD), TLS_UNTRUSTED (DATABASE_SSL_CA_FILE) or
 * POSTGRES_UNREACHABLE (DATABASE_URL).
 */
export async function requirePostgres(databaseUrl: string): Promise<void> {
  const probe = await probePostgres(databaseUrl);
  if (probe.ok) return;
  const where = describeDatabase(databaseUrl);
  const failure = connectionFailureOf(probe.cause);
  if (failure === 'auth') {
    throw new PulseError('POSTGRES_AUTH_FAILED', `PostgreSQL at ${where} refused the user or password (DATABASE_URL, DATABASE_PASSWORD): ${probe.error}`);
  }
  if (failure === 'tls') {
    throw new PulseError('TLS_UNTRUSTED', `PostgreSQL at ${where} presented a certificate that is not trusted (DATABASE_SSL_CA_FILE): ${probe.error}`);
  }
  throw new PulseError('POSTGRES_UNREACHABLE', `cannot reach PostgreSQL at ${where} (DATABASE_URL): ${probe.error}`, { retryable: true });
}

/** Whether an error means the connection itself is gone (SQLSTATE class 08, 57P0x), not just the statement. */
function isConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || code.startsWith('08') || code.startsWith('57P');
}

/** Run `work` in one transaction on one checked-out client: COMMIT on success, ROLLBACK on any error, always released. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // The pool listens for errors only on idle clients: a server shutting down while this one
  // is checked out but between queries would emit an unhandled 'error' and crash the
  // process. The failure reaches the caller through the next query instead.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    broken ??= error instanceof Error && isConnectionFailure(error) ? error : undefined;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken); // a broken connection is destroyed, not returned to the pool
  }
}
