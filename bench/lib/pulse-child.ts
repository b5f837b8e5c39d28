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

/** Runs a one-shot `pulse` command to completion: its stdout + stderr and its peak RSS. */
export function runPulseToEnd(args: string[], env: Record<string, string>): Promise<{ output: string; peakRssMb: number }> {
  return runNodeToEnd([`${packageRoot}bin/pulse.mjs`, ...args], env);
}

/** Runs `node ARGS…` (Pulse's Node) to completion: its stdout + stderr and its peak RSS. */
export function runNodeToEnd(args: string[], env: Record<string, string> = {}): Promise<{ output: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
    let output = '';
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // VmHWM is gone once the process exits, so sample it while it runs.
    const timer = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    }, 100);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve({ output, peakRssMb: peak });
      else reject(new Error(`${args.join(' ')} failed: ${output.slice(-2000)}`));
    });
  });
}

/** The `pulse batch` log's phase marks as durations: [{ phase: 'reading india …', seconds }]. */
export function batchPhases(output: string): { phase: string; seconds: number }[] {
  const marks = output.split('\n').filter((l) => l.includes('"batch phase"')).map((l) => JSON.parse(l) as { time: string; phase: string });
  return marks.slice(0, -1).map((m, i) => ({ phase: m.phase, seconds: (Date.parse((marks[i + 1] as { time: string }).time) - Date.parse(m.time)) / 1000 }));
}
