// A `pulse` command run as a separate process for a benchmark, with its peak memory.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { packageRoot } from '../../infra/index.ts';

export interface Child { process: ChildProcess; ready: Promise<void>; peakRssMb: () => Promise<number>; stop: () => Promise<void> }

export function runPulse(args: string[], env: Record<string, string>, readyText: string): Child {
  const child = spawn(process.execPath, [`${packageRoot}bin/pulse.mjs`, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes(readyText)) resolve();
    });
    child.on('exit', () => reject(new Error(`pulse ${args.join(' ')} exited: ${output.slice(-2000)}`)));
  });
  return {
    process: child,
    ready,
    peakRssMb: async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
