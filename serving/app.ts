// The serving layer's HTTP surface (Express 5): security headers, no CORS, limits, one
// router per resource (routes.ts, health.ts), the dashboard, and errors as {error: {code, message}}.

import { existsSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { KafkaConnection, Logger, Pool } from '../infra/index.ts';
import { PulseError } from '../infra/index.ts';
import { bodyRefusal, errorBody, httpStatus } from './errors.ts';
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
  app.use('/api', (_req, _res, next) => next(new PulseError('NOT_FOUND', 'no such endpoint')));
  if (ctx.dashboardDir !== undefined && existsSync(ctx.dashboardDir)) app.use(express.static(ctx.dashboardDir));
  else app.get('/', (_req, res) => res.type('text/plain').send(ctx.dashboardDir === undefined
    ? 'This server serves the API only, under /api.'
    : 'The dashboard is not built: run `npm run build:dashboard`. The API is under /api.'));
  app.use(errorHandler(ctx.logger));
  return app;
}

/** Every failure as {error: {code, message}}: a PulseError with the status of its code, a refused body as 4xx, the rest as 500. */
function errorHandler(logger: Logger | undefined) {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatus(error);
    if (status !== undefined) return res.status(status).json(errorBody(error as PulseError));
    const refused = bodyRefusal(error);
    if (refused) return res.status(refused.status).json(errorBody(refused.error));
    logger?.error({ err: error }, 'request failed');
    return res.status(500).json({ error: { code: 'internal', message: 'the request failed; see the server log' } });
  };
}
