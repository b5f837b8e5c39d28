// Child processes of `pulse up`: each a `pulse` command with its output prefixed line by
// line, a readiness marker to wait for, and an orderly stop (SIGTERM, then SIGKILL).

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PulseError } from '../infra/index.ts';

const PULSE = fileURLToPath(new URL('../bin/pulse.mjs', import.meta.url));

export interface Supervised {
  name: string;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves when a line containing `marker` appears; rejects if the process exits first. */
  ready(marker: string, timeoutMs: number): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

export function supervise(name: string, args: string[], env: NodeJS.ProcessEnv): Supervised {
  // Each child gets its own process group: a Ctrl-C in the terminal reaches only `pulse up`,
  // which then stops the children one by one, in reverse order, each draining once.
  const child = spawn(process.execPath, [PULSE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const waiting = new Set<{ marker: string; resolve: () => void }>();
  const prefix = `[${name}]`.padEnd(11);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      process.stdout.write(`${prefix} ${line}\n`);
      for (const w of waiting) if (line.includes(w.marker)) { waiting.delete(w); w.resolve(); }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return {
    name, process: child, exited,
    ready: (marker, timeoutMs) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PulseError('PROCESS_FAILED', `${name} was not ready within ${timeoutMs / 1000} s`, { context: { process: name } })), timeoutMs);
      const entry = { marker, resolve: () => { clearTimeout(timer); resolve(); } };
      waiting.add(entry);
      void exited.then((code) => { clearTimeout(timer); reject(new PulseError('PROCESS_FAILED', `${name} exited (${code}) before it was ready`, { context: { process: name, exitCode: code } })); });
    }),
    stop: async (graceMs) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run a one-shot `pulse` command to completion; throws unless it exits 0. */
export async function runToCompletion(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const code = await supervise(name, args, env).exited;
  if (code !== 0) throw new PulseError('PROCESS_FAILED', `${name} failed (exit ${code})`, { context: { process: name, exitCode: code } });
}
