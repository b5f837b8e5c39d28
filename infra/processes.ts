// Small process utilities for services the local stack runs in the background:
// pid files, liveness, waiting on a readiness probe, graceful stop, free ports.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `pid` runs; an exited process not yet reaped by its parent (a zombie) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs (macOS): trust kill(0)
  }
}

export async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export async function writePid(file: string, pid: number): Promise<void> {
  await writeFile(file, `${pid}\n`);
}

/** The pid recorded in `file` if that process still runs; a stale file is removed. */
export async function livePid(file: string): Promise<number | null> {
  const pid = await readPid(file);
  if (pid !== null && isAlive(pid)) return pid;
  if (pid !== null) await rm(file, { force: true });
  return null;
}

/** Poll `probe` until it returns true, `deadline` passes, or `abort` says to stop. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; abort?: () => string | null },
): Promise<{ ready: true } | { ready: false; reason: string }> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = options.intervalMs ?? 200;
  for (;;) {
    const aborted = options.abort?.();
    if (aborted) return { ready: false, reason: aborted };
    if (await probe().catch(() => false)) return { ready: true };
    if (Date.now() >= deadline) return { ready: false, reason: `not ready after ${options.timeoutMs} ms` };
    await sleep(interval);
    interval = Math.min(interval * 1.5, 1000);
  }
}

/** SIGTERM, wait up to `graceMs` for exit, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 20_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

/** Whether something already listens on host:port. */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** A port the OS reports free on loopback right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a log file, for error messages about a service that died. */
export async function tailFile(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Whether `command` runs (exit 0) with the given arguments. */
export function commandWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

/** Whether an address names this machine, so the local stack may serve it. */
export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host.toLowerCase());
}
