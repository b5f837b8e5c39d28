// Runs `pulse <command>` as a real child process, as an operator would, so tests can
// stop it cleanly or kill it outright.

import { spawn, type ChildProcess } from 'node:child_process';

const PULSE = new URL('../../bin/pulse.mjs', import.meta.url).pathname;

export interface PulseProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once `text` appears in the process's output. */
  waitForOutput: (text: string, timeoutMs: number) => Promise<void>;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export function startPulse(args: string[], env: Record<string, string>): PulseProcess {
  const child = spawn(process.execPath, [PULSE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    output: () => output,
    waitForOutput: async (text, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null) throw new Error(`pulse ${args.join(' ')} exited: ${output.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" from pulse ${args.join(' ')} within ${timeoutMs} ms: ${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
