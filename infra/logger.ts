// Structured JSON logs (pino) on stderr, so that a command's stdout stays its output.

import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(name: string, level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}
