// Public surface of cli/: the `pulse` command, run by bin/pulse.mjs.
export { main } from './main.ts';
