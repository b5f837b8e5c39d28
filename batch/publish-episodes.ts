// Publishing the alert and anomaly batch views by day, inside the batch run's publishing
// transaction: the recomputed days' segments, points and end states are replaced, the
// walk-forward models of the days that were trained again (the others keep theirs), and
// where stepping the last day stopped.

import type { PoolClient } from '../infra/index.ts';
import type { EpisodeViews } from './episode-days.ts';
import { publishProgress } from './step-progress.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function clear(client: PoolClient, table: string, days: readonly string[] | 'all'): Promise<void> {
  if (days === 'all') await client.query(`DELETE FROM ${table}`);
  else if (days.length > 0) await client.query(`DELETE FROM ${table} WHERE day = ANY($1::date[])`, [days]);
}

/** Rows a statement inserts at once: parameters are arrays, bounded so that no statement holds a whole history's rows. */
const CHUNK = 50_000;

export async function publishEpisodes(client: PoolClient, views: EpisodeViews): Promise<void> {
  for (const table of ['batch_alert_segments', 'batch_alert_carry']) await clear(client, table, views.days);
  // A day stepped on from its progress keeps the anomalous readings found before it.
  await clear(client, 'batch_anomaly_points', views.days === 'all' ? 'all' : views.days.filter((d) => !views.resumed.includes(d)));
  for await (const s of views.spool.chunks('segments', CHUNK)) {
    await client.query(`INSERT INTO batch_alert_segments (day, region, host_id, rule, kind, severity, metric, opened_at, fire_above, clear_below, segment_peak,
        last_value, resolved_at, closed_by, detail)
      SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::float8[], $10::float8[],
        $11::float8[], $12::float8[], $13::timestamptz[], $14::text[], $15::jsonb[])`, [
      s.map((x) => x.day), s.map((x) => x.region), s.map((x) => x.host_id), s.map((x) => x.rule), s.map((x) => x.kind), s.map((x) => x.severity),
      s.map((x) => x.metric), s.map((x) => iso(x.opened_at)), s.map((x) => x.fire_above), s.map((x) => x.clear_below), s.map((x) => x.segment_peak),
      s.map((x) => x.last_value), s.map((x) => iso(x.resolved_at)), s.map((x) => x.closed_by), s.map((x) => JSON.stringify(x.detail)),
    ]);
  }
  for await (const part of views.spool.chunks('points', CHUNK)) {
    await client.query(`INSERT INTO batch_anomaly_points (day, event_id, ts, region, host_id, score, metric, value, z, reason)
      SELECT * FROM UNNEST($1::date[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::float8[], $9::float8[], $10::text[])
      ON CONFLICT DO NOTHING`, [
      part.map((x) => x.day), part.map((x) => x.event_id), part.map((x) => iso(x.ts)), part.map((x) => x.region), part.map((x) => x.host_id),
      part.map((x) => x.score), part.map((x) => x.metric), part.map((x) => x.value), part.map((x) => x.z), part.map((x) => x.reason),
    ]);
  }
  // A day's end state and profile, and a model, are a few MB of text each: one row at a time.
  for await (const [c] of views.spool.chunks('carries', 1)) {
    if (c) await client.query('INSERT INTO batch_alert_carry (day, states, states_hash, profile) VALUES ($1, $2, $3, $4)', [c.day, c.states, c.hash, c.profile]);
  }
  await publishProgress(client, views.progress, views.days === 'all');
  await clear(client, 'batch_day_models', views.days === 'all' ? 'all' : views.modelDays);
  for await (const [m] of views.spool.chunks('models', 1)) {
    if (m) await client.query('INSERT INTO batch_day_models (day, training_rows, model) VALUES ($1, $2, $3)', [m.day, m.trainingRows, m.json]);
  }
}
