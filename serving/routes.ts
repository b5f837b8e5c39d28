// The API's resources, one express.Router each, mounted under /api by app.ts: readings
// (overview, time series, histogram, volume, hosts), events (alerts, anomalies, health
// scores), the live stream and its control, and the OpenAPI document. Every handler
// validates its query with params.ts before it asks anything.

import { Router } from 'express';
import type { Pool } from '../infra/index.ts';
import type { AppContext } from './app.ts';
import { ARROW_STREAM, seriesToArrow } from './arrow.ts';
import { cacheKey, freshnessFor, rangeKey, type MicroCache } from './cache.ts';
import { OPENAPI } from './openapi.ts';
import { adaptiveStep, parseQuery, schemas, timeRange } from './params.ts';
import * as q from './queries.ts';
import type * as R from '../telemetry/index.ts';
import { StreamHub, streamHandler } from './stream.ts';

/** Aggregates of the readings over a range: long ranges change slowly, so their answers are cached a while. */
export function readingsRouter(pool: Pool, cache: MicroCache): Router {
  const router = Router();
  router.get('/overview', async (req, res) => {
    const p = parseQuery(schemas.overview, req.query);
    const range = timeRange(p.from, p.to);
    const region = p.region ?? null;
    // The range's averages change slowly over a long range; the hosts' latest readings are live.
    const [ranged, latest] = await Promise.all([
      cache.get(rangeKey('overview', { region }, p, range), () => q.overviewOfRange(pool, range, region), freshnessFor(range)),
      cache.get(cacheKey('latest-hosts', { region }), () => q.latestHosts(pool, region)),
    ]);
    const regions = q.overviewRegions(ranged, latest);
    res.json({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), regions } satisfies R.OverviewResponse);
  });
  router.get('/timeseries', async (req, res) => {
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
    res.json({ metric: p.metric, group: p.group, step_ms: step, points } satisfies R.TimeseriesResponse);
  });
  router.get('/histogram', async (req, res) => {
    const p = parseQuery(schemas.histogram, req.query);
    const range = timeRange(p.from, p.to);
    const bins = await cache.get(rangeKey('histogram', p, p, range), () => q.histogram(pool, range, p.region ?? null, p.bins), freshnessFor(range));
    res.json({ metric: p.metric, ...bins } satisfies R.HistogramResponse);
  });
  router.get('/volume', async (req, res) => {
    const p = parseQuery(schemas.volume, req.query);
    const range = timeRange(p.from, p.to);
    const step = p.step ?? adaptiveStep(range, 120);
    const body: R.VolumeResponse = await cache.get(rangeKey('volume', { step }, p, range), () => q.volume(pool, range, step), freshnessFor(range));
    res.json(body);
  });
  router.get('/hosts', async (req, res) => {
    const p = parseQuery(schemas.hosts, req.query);
    res.json({ hosts: await q.latestHosts(pool, p.region ?? null) } satisfies R.HostsResponse);
  });
  return router;
}

/** Alerts, anomalous readings and daily health scores. */
export function eventsRouter(pool: Pool): Router {
  const router = Router();
  router.get('/alerts', async (req, res) => {
    const p = parseQuery(schemas.alerts, req.query);
    res.json({ alerts: await q.alerts(pool, p.status, p.kind, timeRange(p.from, p.to, 7 * 86_400_000), p.region ?? null, p.limit) } satisfies R.AlertsResponse);
  });
  router.get('/anomalies', async (req, res) => {
    const p = parseQuery(schemas.anomalies, req.query);
    const range = timeRange(p.from, p.to);
    res.json({ model: await q.anomalyModel(pool), points: await q.anomalies(pool, range, p.region ?? null, p.host ?? null, p.limit) } satisfies R.AnomaliesResponse);
  });
  router.get('/health-scores', async (req, res) => {
    const p = parseQuery(schemas.healthScores, req.query);
    res.json({ scores: await q.healthScores(pool, p.date ?? null, p.region ?? null, p.limit) } satisfies R.HealthScoresResponse);
  });
  return router;
}

/** The live stream (Server-Sent Events) and the live feed's rate control. */
export function liveRouter(ctx: Pick<AppContext, 'pool' | 'streams' | 'feed' | 'control'>): Router {
  const router = Router();
  const streams = ctx.streams ?? new StreamHub(ctx.pool);
  router.get('/stream', (req, res) => streamHandler(req, res, streams, ctx.feed));
  router.post('/control/rate', ctx.control);
  return router;
}

export function docsRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });
  return router;
}
