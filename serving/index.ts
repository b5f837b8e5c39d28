// Public surface of serving/: the HTTP API over the merged batch + realtime views.

import type { Server } from 'node:http';
import { createPool, PulseError, startOwning, type KafkaSecurity, type Logger, type Pool } from '../infra/index.ts';
import { createApp } from './app.ts';
import { AlertFeed, StreamHub, type StreamLimits } from './stream.ts';
import { controlHandler } from './control.ts';
import type { RequestLimits } from './limits.ts';

export interface ServingOptions {
  databaseUrl: string;
  schema: string;
  kafkaBrokers: readonly string[];
  /** TLS and SASL for the control producer and the health probe (unset: plaintext). */
  kafkaSecurity?: KafkaSecurity;
  port: number;
  host?: string;
  /** Bearer token for POST /api/control/rate; control is off without one. */
  controlToken?: string;
  controlTopic?: string;
  /** Query-string and rate limits (defaults in DEFAULT_LIMITS). */
  limits?: RequestLimits;
  /** Open live streams per client and in all (defaults in DEFAULT_STREAM_LIMITS). */
  streams?: StreamLimits;
  /** The built dashboard's directory, served at / (unset: only the API; `pulse serve` passes dashboard/dist). */
  dashboardDir?: string;
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

export function startServing(options: ServingOptions): Promise<Serving> {
  return startOwning(options.logger, async (resources) => {
    const log = options.logger ? { logger: options.logger } : {};
    const pool = resources.own('reader pool', readerPool(options), (p) => p.end());
    const feed = new AlertFeed({ databaseUrl: options.databaseUrl, schema: options.schema, ...log });
    const listening = feed.start();
    resources.defer('alert feed', async () => {
      await feed.stop();
      await listening;
    });
    const kafka = { brokers: options.kafkaBrokers, ...(options.kafkaSecurity ? { security: options.kafkaSecurity } : {}) };
    const control = resources.own('control producer', controlHandler({ kafka, token: options.controlToken, ...(options.controlTopic ? { topic: options.controlTopic } : {}), ...log }), (c) => c.close());
    const streams = resources.own('stream hub', new StreamHub(pool, options.streams), (h) => h.close());
    const app = createApp({ pool, kafka, feed, streams, control: control.handler, ...(options.limits ? { limits: options.limits } : {}), ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}), ...log });
    const server = resources.own('http server', await listen(app, options.port, options.host ?? '0.0.0.0'), (s) => new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    }));
    const address = server.address();
    return { port: typeof address === 'object' && address ? address.port : options.port, close: () => resources.close() };
  });
}

/** Listens on `port`, or fails with an error that names PORT (never reports success and hangs). */
function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    const failed = (error: NodeJS.ErrnoException) => {
      server.close();
      const code = error.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'SERVICE_START_FAILED';
      const why = error.code === 'EADDRINUSE' ? 'is already in use by another process' : `cannot be listened on (${error.code ?? error.message})`;
      reject(new PulseError(code, `PORT=${port}: port ${port} on ${host} ${why}: free it, or set PORT to another port`, { cause: error, context: { port, host } }));
    };
    server.once('error', failed);
    server.once('listening', () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}

export { createApp } from './app.ts';
export type {
  AlertRow, AlertsResponse, AnomaliesResponse, AnomalyModelSummary, AnomalyPoint, ControlRateResponse, ErrorResponse, HealthResponse, HealthScore,
  HealthScoresResponse, HistogramBin, HistogramResponse, HostLatest, HostsResponse, LastBatch, Origin, OverviewResponse, Probe, RegionOverview,
  SeriesPoint, SpeedInstance, TimeseriesResponse, VolumeResponse, VolumeRow,
} from '../telemetry/index.ts';
export { DEFAULT_LIMITS, type RequestLimits } from './limits.ts';
export { DEFAULT_STREAM_LIMITS, StreamHub, type StreamLimits } from './stream.ts';
