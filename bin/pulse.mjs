#!/usr/bin/env node
// Entry point of the `pulse` command. Pulse's sources are TypeScript run by Node's
// built-in type stripping (Node >= 22.18). When started by an older Node (the machine's
// Node 20, say), re-run this command on the Node 24 that the `node` dev dependency installs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);

// V8 options some long-running commands need, which only take effect at start-up. The
// speed layer's batches are short-lived garbage: a small young generation keeps its
// resident memory near 300 MB at full speed instead of letting the nursery balloon.
const V8_OPTIONS = { speed: ['--max-semi-space-size=4'] };
const wanted = V8_OPTIONS[process.argv[2]] ?? [];
const missing = wanted.filter((option) => !process.execArgv.includes(option));

if (process.features.typescript && missing.length === 0) {
  // Stripping types and compiling Pulse's ~200 modules is half of a short command's start-up
  // (0.9 s → 0.45 s for `pulse batch`): Node keeps the compiled code in its cache directory
  // (NODE_COMPILE_CACHE, else one under the OS temp folder), keyed by each file's content.
  module.enableCompileCache?.();
  const { main } = await import('../cli/index.ts');
  await main(process.argv);
} else if (process.features.typescript && typeof process.execve === 'function') {
  // Replace this process (same pid, no parent left waiting) with one that has the options.
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...missing, self, ...process.argv.slice(2)], process.env);
} else {
  const node = process.features.typescript ? process.execPath : `${root}node_modules/node/bin/node`;
  if (!existsSync(node)) {
    console.error(`pulse: Node ${process.versions.node} cannot run Pulse (it needs Node >= 22.18); run \`npm install\` in ${root} to get Node 24, or install Node 24`);
    process.exit(1);
  }
  const child = spawn(node, [...wanted, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Pass signals on and exit as the child does.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
}
