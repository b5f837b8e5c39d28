// Expiry of hot data the batch views now cover: when the batch layer publishes a new
// watermark (NOTIFY pulse_watermark), hot rows and realtime minutes older than the
// watermark minus an overlap are deleted. Until a watermark exists, hot data is kept.

import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { inTransaction, rootMessage, WATERMARK_CHANNEL, type Logger, type Pool } from '../infra/index.ts';

export { WATERMARK_CHANNEL };

export interface ExpiryResult { cutoff: Date; rows: number; hostMinutes: number; regionMinutes: number }

/** Delete hot rows before `cutoff`, and realtime minutes that end at or before it. */
export async function expireBefore(pool: Pool, cutoff: Date): Promise<ExpiryResult> {
  return inTransaction(pool, async (client) => {
    const rows = await client.query('DELETE FROM readings_hot WHERE ts < $1', [cutoff]);
    const hosts = await client.query(`DELETE FROM rt_host_minute WHERE minute + interval '1 minute' <= $1`, [cutoff]);
    const regions = await client.query(`DELETE FROM rt_region_minute WHERE minute + interval '1 minute' <= $1`, [cutoff]);
    return { cutoff, rows: rows.rowCount ?? 0, hostMinutes: hosts.rowCount ?? 0, regionMinutes: regions.rowCount ?? 0 };
  });
}

export async function currentWatermark(pool: Pool): Promise<Date | null> {
  const result = await pool.query<{ watermark: Date }>('SELECT watermark FROM batch_watermark');
  return result.rows[0]?.watermark ?? null;
}

export interface WatermarkFollower { close(): Promise<void> }

/**
 * Expire at start (for a watermark published while no speed process ran) and after every
 * watermark notification for this schema. The listening connection reconnects on loss.
 */
export function followWatermark(options: {
  pool: Pool; databaseUrl: string; schema: string; overlapMs: number; logger?: Logger; onExpired?: (result: ExpiryResult) => void;
  /** Called on every watermark of this schema, and whenever listening (re)starts, when a new model may have been missed. */
  onWatermark?: () => void;
}): WatermarkFollower {
  let running = true;
  let client: pg.Client | undefined;
  let expiring = Promise.resolve();
  const expire = () => {
    expiring = expiring.then(async () => {
      const watermark = await currentWatermark(options.pool);
      if (!watermark) return;
      const result = await expireBefore(options.pool, new Date(watermark.getTime() - options.overlapMs));
      options.logger?.info({ ...result, watermark }, 'expired hot data covered by the batch views');
      options.onExpired?.(result);
    }).catch((error: unknown) => options.logger?.warn({ error: rootMessage(error) }, 'expiry failed; will retry on the next watermark'));
  };
  const listen = async () => {
    while (running) {
      const connection = new pg.Client({ connectionString: options.databaseUrl });
      client = connection;
      const lost = new Promise<void>((resolve) => {
        connection.on('error', () => resolve());
        connection.on('end', () => resolve());
      });
      try {
        await connection.connect();
        connection.on('notification', (message) => {
          const payload = JSON.parse(message.payload ?? '{}') as { schema?: string };
          if (payload.schema !== options.schema) return;
          expire();
          options.onWatermark?.();
        });
        await connection.query(`LISTEN ${WATERMARK_CHANNEL}`);
        expire();
        options.onWatermark?.();
        await lost;
      } catch (error) {
        options.logger?.warn({ error: rootMessage(error) }, 'watermark listener lost its connection; reconnecting');
      }
      await connection.end().catch(() => undefined);
      if (running) await sleep(1000);
    }
  };
  const loop = listen();
  return {
    close: async () => {
      running = false;
      await client?.end().catch(() => undefined);
      await loop;
      await expiring;
    },
  };
}
