// Request limits of the serving layer: a cap on the query string (bodies are capped by
// express.json) and a per-client rate limit, stricter for the live-feed control endpoint.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { PulseError } from '../infra/index.ts';

export interface RequestLimits {
  /** Requests per minute per client address to /api (default 600; 0 turns the limit off). */
  perMinute: number;
  /** Requests per minute per client address to /api/control (default 10). */
  controlPerMinute: number;
  /** Longest accepted query string in bytes (default 2048). */
  maxQueryBytes: number;
}

export const DEFAULT_LIMITS: RequestLimits = Object.freeze({ perMinute: 600, controlPerMinute: 10, maxQueryBytes: 2048 });

/** 414 for a query string over the limit, before any parsing. */
export function queryLimit(maxBytes: number): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const at = req.originalUrl.indexOf('?');
    if (at >= 0 && Buffer.byteLength(req.originalUrl) - at - 1 > maxBytes) {
      return next(new PulseError('QUERY_TOO_LONG', `the query string is limited to ${maxBytes} bytes`));
    }
    return next();
  };
}

/** 429 with a Retry-After header once a client exceeds `perMinute` requests in a minute. */
export function rateLimiter(perMinute: number): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000, limit: perMinute, standardHeaders: 'draft-8', legacyHeaders: false,
    handler: (_req, _res, next) => next(new PulseError('RATE_LIMITED', `at most ${perMinute} requests a minute; retry later`, { retryable: true })),
  });
}
