// The serving layer's HTTP surface (Express 5): security headers, no CORS, limits, one
// router per resource (routes.ts, health.ts), the dashboard, and errors as {error: {code, message}}.

import { existsSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { KafkaConnection, Logger, Pool } from '../infra/index.ts';
import { HttpError } from './errors.ts';
import { healthRouter } from './health.ts';
import { docsRouter, eventsRouter, liveRouter, readingsRouter } from './routes.ts';
import type { StreamHub, AlertFeed } from './stream.ts';
import { MicroCache } from './cache.ts';
import { DEFAULT_LIMITS, queryLimit, rateLimiter, type RequestLimits } from './limits.ts';

export interface AppContext {
  pool: Pool; kafka: KafkaConnection; feed: AlertFeed; streams?: StreamHub; control: (req: Request, res: Response) => Promise<void>; limits?: RequestLimits; logger?: Logger;
  /** The built dashboard, served at / (unset: only the API is served). */
  dashboardDir?: string;
}

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(helmet());
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  app.use('/api', queryLimit(limits.maxQueryBytes));
  app.use('/api/control', rateLimiter(limits.controlPerMinute));
  app.use('/api', rateLimiter(limits.perMinute));
  app.use(express.json({ limit: '16kb' }));
  const cache = new MicroCache();
  app.use('/api', healthRouter(ctx), readingsRouter(ctx.pool, cache), eventsRouter(ctx.pool), liveRouter(ctx), docsRouter());
  app.use('/api', (_req, _res, next) => next(new HttpError(404, 'not_found', 'no such endpoint')));
  if (ctx.dashboardDir !== undefined && existsSync(ctx.dashboardDir)) app.use(express.static(ctx.dashboardDir));
  else app.get('/', (_req, res) => res.type('text/plain').send(ctx.dashboardDir === undefined
    ? 'This server serves the API only, under /api.'
    : 'The dashboard is not built: run `npm run build:dashboard`. The API is under /api.'));
  app.use(errorHandler(ctx.logger));
  return app;
}

/** Every failure as {error: {code, message}}: ours with their status, the client's body errors as 4xx, the rest as 500. */
function errorHandler(logger: Logger | undefined) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) return res.status(error.status).json({ error: { code: error.code, message: error.message } });
    // body-parser's own refusals (a body over the limit, malformed JSON) are the client's fault, not ours.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(status).json({ error: { code: status === 413 ? 'body_too_large' : 'invalid_body', message: status === 413 ? 'the request body is limited to 16 kB' : 'the request body is not valid JSON' } });
    }
    logger?.error({ err: error }, 'request failed');
    return res.status(500).json({ error: { code: 'internal', message: 'the request failed; see the server log' } });
  };
}
