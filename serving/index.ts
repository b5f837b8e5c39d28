// Public surface of serving/: the HTTP API over the merged batch + realtime views.

import type { Server } from 'node:http';
import { createPool, type Logger, type Pool } from '../infra/index.ts';
import { createApp } from './app.ts';
import { AlertFeed } from './stream.ts';
import { controlHandler } from './control.ts';
import type { RequestLimits } from './limits.ts';

export interface ServingOptions {
  databaseUrl: string;
  schema: string;
  kafkaBrokers: readonly string[];
  port: number;
  host?: string;
  /** Bearer token for POST /api/control/rate; control is off without one. */
  controlToken?: string;
  controlTopic?: string;
  /** Query-string and rate limits (defaults in DEFAULT_LIMITS). */
  limits?: RequestLimits;
  logger?: Logger;
}

export interface Serving { port: number; close(): Promise<void> }

/** A pool whose every connection runs as the read-only pulse_reader role, in read-only transactions. */
export function readerPool(options: Pick<ServingOptions, 'databaseUrl' | 'schema' | 'logger'>): Pool {
  return createPool({
    databaseUrl: options.databaseUrl, schema: options.schema, applicationName: 'pulse-serving', max: 10,
    settings: { role: 'pulse_reader', default_transaction_read_only: 'on' }, ...(options.logger ? { logger: options.logger } : {}),
  });
}

export async function startServing(options: ServingOptions): Promise<Serving> {
  const pool = readerPool(options);
  const feed = new AlertFeed({ databaseUrl: options.databaseUrl, schema: options.schema, ...(options.logger ? { logger: options.logger } : {}) });
  const listening = feed.start();
  const control = controlHandler({ kafkaBrokers: options.kafkaBrokers, token: options.controlToken, ...(options.controlTopic ? { topic: options.controlTopic } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const app = createApp({ pool, kafkaBrokers: options.kafkaBrokers, feed, control: control.handler, ...(options.limits ? { limits: options.limits } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port, options.host ?? '0.0.0.0', () => resolve(s));
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await feed.stop();
      await listening;
      await control.close();
      await pool.end();
    },
  };
}

export { createApp } from './app.ts';
export { DEFAULT_LIMITS, type RequestLimits } from './limits.ts';
