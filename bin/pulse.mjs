#!/usr/bin/env node
// Entry point of the `pulse` command. Pulse's sources are TypeScript run by Node's
// built-in type stripping (Node >= 22.18). When started by an older Node (the machine's
// Node 20, say), re-run this command on the Node 24 that the `node` dev dependency installs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

if (process.features.typescript) {
  const { main } = await import('../cli/main.ts');
  await main(process.argv);
} else {
  const node = `${root}node_modules/node/bin/node`;
  if (!existsSync(node)) {
    console.error(`pulse: Node ${process.versions.node} cannot run Pulse (it needs Node >= 22.18); run \`npm install\` in ${root} to get Node 24, or install Node 24`);
    process.exit(1);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Let the child handle Ctrl-C itself (it shares the terminal's process group); just wait for it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
}
