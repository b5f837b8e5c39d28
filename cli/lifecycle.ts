// Clean shutdown for long-running commands: the first SIGINT/SIGTERM drains and closes
// what the command opened; a second one exits at once.

import type { Logger } from '../infra/index.ts';

export function closeOnSignal(close: () => Promise<void>, logger?: Logger): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      logger?.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    closing = true;
    logger?.info({ signal }, 'draining before exit');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger?.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  process.on('SIGINT', () => closing && handler('SIGINT'));
}

/** Log `report()` every `intervalMs` until the returned stop function is called. */
export function every(intervalMs: number, report: () => void): () => void {
  const timer = setInterval(report, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
