// The serving layer's HTTP surface (Express 5): validated JSON endpoints over the merged
// views, security headers, no CORS, and errors as {error: {code, message}}.

import { existsSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { probeKafka, rootMessage, RUNNING_SPEED_INSTANCE, type KafkaConnection, type Logger, type Pool } from '../infra/index.ts';
import { HttpError } from './errors.ts';
import { OPENAPI } from './openapi.ts';
import { adaptiveStep, parseQuery, schemas, timeRange } from './params.ts';
import * as q from './queries.ts';
import { ARROW_STREAM, seriesToArrow } from './arrow.ts';
import { StreamHub, streamHandler, type AlertFeed } from './stream.ts';
import { cacheKey, freshnessFor, MicroCache, rangeKey } from './cache.ts';
import { DEFAULT_LIMITS, queryLimit, rateLimiter, type RequestLimits } from './limits.ts';

export interface AppContext {
  pool: Pool; kafka: KafkaConnection; feed: AlertFeed; streams?: StreamHub; control: (req: Request, res: Response) => Promise<void>; limits?: RequestLimits; logger?: Logger;
  /** The built dashboard, served at / (unset: only the API is served). */
  dashboardDir?: string;
}

function kafkaHealth(connection: KafkaConnection) {
  let cached: { at: number; value: Promise<{ ok: boolean; detail: string }> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > 5_000) {
      cached = { at: Date.now(), value: probeKafka(connection, 2000).then((p) => (p.ok ? { ok: true, detail: `${p.brokers} broker(s)` } : { ok: false, detail: p.error })) };
    }
    return cached.value;
  };
}

async function health(ctx: AppContext, kafka: () => Promise<{ ok: boolean; detail: string }>) {
  const [broker, postgres] = await Promise.all([kafka(), ctx.pool.query('SELECT 1').then(() => ({ ok: true, detail: 'answering' }), (e: unknown) => ({ ok: false, detail: rootMessage(e) }))]);
  if (!postgres.ok) return { status: 'down', kafka: broker, postgres, speed: null, batch: null };
  const [speed, batch] = await Promise.all([
    ctx.pool.query(`SELECT instance_id, updated_at, events_in, events_stored, events_rejected, rate_in, rate_stored, lag, rejects, sink_errors
      FROM speed_status WHERE ${RUNNING_SPEED_INSTANCE} ORDER BY instance_id`),
    ctx.pool.query(`SELECT r.run_id, r.finished_at, r.rows_read, r.rows_kept, r.rows_quarantined, r.seconds, w.watermark
      FROM batch_watermark w LEFT JOIN batch_runs r ON r.run_id = w.run_id`),
  ]);
  const lag = speed.rows.reduce((sum, r) => sum + Number(r.lag), 0);
  return {
    status: broker.ok ? 'ok' : 'degraded', kafka: broker, postgres,
    speed: { instances: speed.rows, lag, rate_in: speed.rows.reduce((sum, r) => sum + Number(r.rate_in), 0) },
    batch: batch.rows[0] ?? null,
  };
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
  const kafka = kafkaHealth(ctx.kafka);
  const { pool } = ctx;
  const cache = new MicroCache();

  app.get('/api/health', async (req, res) => {
    parseQuery(schemas.none, req.query);
    const body = await health(ctx, kafka);
    res.status(body.status === 'down' ? 503 : 200).json(body);
  });
  app.get('/api/overview', async (req, res) => {
    const p = parseQuery(schemas.overview, req.query);
    const range = timeRange(p.from, p.to);
    const region = p.region ?? null;
    // The range's averages change slowly over a long range; the hosts' latest readings are live.
    const [ranged, latest] = await Promise.all([
      cache.get(rangeKey('overview', { region }, p, range), () => q.overviewOfRange(pool, range, region), freshnessFor(range)),
      cache.get(cacheKey('latest-hosts', { region }), () => q.latestHosts(pool, region)),
    ]);
    const regions = q.overviewRegions(ranged, latest);
    res.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), regions });
  });
  app.get('/api/timeseries', async (req, res) => {
    const p = parseQuery(schemas.timeseries, req.query);
    const range = timeRange(p.from, p.to);
    const step = p.step ?? adaptiveStep(range);
    const points = await cache.get(rangeKey('timeseries', { ...p, step }, p, range), () => (p.group === 'region'
      ? q.timeseriesByRegion(pool, p.metric, range, p.region ?? null, step)
      : q.timeseriesByHost(pool, p.metric, range, p.region ?? null, p.host ?? null, step)), freshnessFor(range));
    if (req.accepts(['application/json', ARROW_STREAM]) === ARROW_STREAM) {
      res.type(ARROW_STREAM).send(Buffer.from(seriesToArrow(points)));
      return;
    }
    res.json({ metric: p.metric, group: p.group, step_ms: step, points });
  });
  const streams = ctx.streams ?? new StreamHub(pool);
  app.get('/api/stream', (req, res) => streamHandler(req, res, streams, ctx.feed));
  app.post('/api/control/rate', ctx.control);
  app.get('/api/histogram', async (req, res) => {
    const p = parseQuery(schemas.histogram, req.query);
    const range = timeRange(p.from, p.to);
    res.json({ metric: p.metric, ...(await cache.get(rangeKey('histogram', p, p, range), () => q.histogram(pool, range, p.region ?? null, p.bins), freshnessFor(range))) });
  });
  app.get('/api/volume', async (req, res) => {
    const p = parseQuery(schemas.volume, req.query);
    const range = timeRange(p.from, p.to);
    const step = p.step ?? adaptiveStep(range, 120);
    res.json(await cache.get(rangeKey('volume', { step }, p, range), () => q.volume(pool, range, step), freshnessFor(range)));
  });
  app.get('/api/hosts', async (req, res) => {
    const p = parseQuery(schemas.hosts, req.query);
    res.json({ hosts: await q.latestHosts(pool, p.region ?? null) });
  });
  app.get('/api/alerts', async (req, res) => {
    const p = parseQuery(schemas.alerts, req.query);
    res.json({ alerts: await q.alerts(pool, p.status, p.kind, timeRange(p.from, p.to, 7 * 86_400_000), p.region ?? null, p.limit) });
  });
  app.get('/api/anomalies', async (req, res) => {
    const p = parseQuery(schemas.anomalies, req.query);
    const range = timeRange(p.from, p.to);
    res.json({ model: await q.anomalyModel(pool), points: await q.anomalies(pool, range, p.region ?? null, p.host ?? null, p.limit) });
  });
  app.get('/api/health-scores', async (req, res) => {
    const p = parseQuery(schemas.healthScores, req.query);
    res.json({ scores: await q.healthScores(pool, p.date ?? null, p.region ?? null, p.limit) });
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });
  app.use('/api', (_req, _res, next) => next(new HttpError(404, 'not_found', 'no such endpoint')));
  if (ctx.dashboardDir !== undefined && existsSync(ctx.dashboardDir)) app.use(express.static(ctx.dashboardDir));
  else app.get('/', (_req, res) => res.type('text/plain').send(ctx.dashboardDir === undefined
    ? 'This server serves the API only, under /api.'
    : 'The dashboard is not built: run `npm run build:dashboard`. The API is under /api.'));

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) return res.status(error.status).json({ error: { code: error.code, message: error.message } });
    // body-parser's own refusals (a body over the limit, malformed JSON) are the client's fault, not ours.
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(status).json({ error: { code: status === 413 ? 'body_too_large' : 'invalid_body', message: status === 413 ? 'the request body is limited to 16 kB' : 'the request body is not valid JSON' } });
    }
    ctx.logger?.error({ err: error }, 'request failed');
    return res.status(500).json({ error: { code: 'internal', message: 'the request failed; see the server log' } });
  });
  return app;
}
