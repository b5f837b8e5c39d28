// GET /api/health: whether Kafka and PostgreSQL answer, the running speed instances with
// their lag and rates, and the last batch run with its watermark. 503 when PostgreSQL is down.

import { Router } from 'express';
import { probeKafka, rootMessage, RUNNING_SPEED_INSTANCE, type KafkaConnection } from '../infra/index.ts';
import type { AppContext } from './app.ts';
import { parseQuery, schemas } from './params.ts';
import type { HealthResponse, Probe } from '../telemetry/index.ts';

export function healthRouter(ctx: Pick<AppContext, 'pool' | 'kafka'>): Router {
  const router = Router();
  const kafka = kafkaHealth(ctx.kafka);
  router.get('/health', async (req, res) => {
    parseQuery(schemas.none, req.query);
    const body = await health(ctx, kafka);
    res.status(body.status === 'down' ? 503 : 200).json(body);
  });
  return router;
}

/** The broker probe, asked at most every 5 s however often health is. */
function kafkaHealth(connection: KafkaConnection): () => Promise<Probe> {
  let cached: { at: number; value: Promise<Probe> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > 5_000) {
      cached = { at: Date.now(), value: probeKafka(connection, 2000).then((p) => (p.ok ? { ok: true, detail: `${p.brokers} broker(s)` } : { ok: false, detail: p.error })) };
    }
    return cached.value;
  };
}

async function health(ctx: Pick<AppContext, 'pool'>, kafka: () => Promise<Probe>): Promise<HealthResponse> {
  const [broker, postgres] = await Promise.all([kafka(), ctx.pool.query('SELECT 1').then((): Probe => ({ ok: true, detail: 'answering' }), (e: unknown): Probe => ({ ok: false, detail: rootMessage(e) }))]);
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

