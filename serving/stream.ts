// Live push (Server-Sent Events): overview and volume every interval the client chose,
// alerts as they open and resolve (PostgreSQL LISTEN, one connection shared by all
// clients). Browsers reconnect on their own; `retry` tells them how soon.

import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import pg from 'pg';
import { ALERTS_CHANNEL, rootMessage, type Logger, type Pool } from '../infra/index.ts';
import { parseQuery, schemas, timeRange } from './params.ts';
import { overview, volume } from './queries.ts';


/** One LISTEN connection fanning alert notifications for `schema` out to subscribers. */
export class AlertFeed extends EventEmitter {
  private client: pg.Client | undefined;
  private connecting: Promise<unknown> | undefined;
  private stopped = false;
  private readonly options: { databaseUrl: string; schema: string; logger?: Logger };

  constructor(options: { databaseUrl: string; schema: string; logger?: Logger }) {
    super();
    this.options = options;
    this.setMaxListeners(0);
  }

  async start(): Promise<void> {
    while (!this.stopped) {
      const client = new pg.Client({ connectionString: this.options.databaseUrl });
      this.client = client;
      const lost = new Promise<void>((resolve) => { client.on('error', () => resolve()); client.on('end', () => resolve()); });
      try {
        this.connecting = client.connect();
        await this.connecting;
        if (this.stopped) break;
        client.on('notification', (message) => {
          const payload = JSON.parse(message.payload ?? '{}') as { schema?: string };
          if (payload.schema === this.options.schema) this.emit('alert', payload);
        });
        await client.query(`LISTEN ${ALERTS_CHANNEL}`);
        if (this.stopped) break;
        await lost;
      } catch (error) {
        this.options.logger?.warn({ error: rootMessage(error) }, 'alert feed lost its connection; reconnecting');
      }
      await client.end().catch(() => undefined);
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Ending a client whose connect() is still in flight leaves that connect pending for
    // ever (a start-up that fails at once would then never finish): let it settle first.
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }
}

/** GET /api/stream?region=&interval=1s|5s|30s|1m */
export async function streamHandler(req: Request, res: Response, pool: Pool, feed: AlertFeed): Promise<void> {
  const p = parseQuery(schemas.stream, req.query);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('retry: 3000\n\n');
  let seq = 0;
  const send = (event: string, data: unknown) => res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const onAlert = (alert: unknown) => send('alert', alert);
  feed.on('alert', onAlert);
  let busy = false;
  const tick = async () => {
    if (busy) return; // never stack queries when the database is slower than the interval
    busy = true;
    try {
      const range = timeRange(undefined, undefined);
      const [regions, vol] = await Promise.all([overview(pool, range, p.region ?? null), volume(pool, { from: Date.now() - 600_000, to: Date.now() }, 60_000)]);
      send('overview', { at: new Date().toISOString(), regions });
      send('volume', vol);
    } catch (error) {
      send('error', { message: rootMessage(error) });
    } finally {
      busy = false;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), p.interval);
  req.on('close', () => {
    clearInterval(timer);
    feed.off('alert', onAlert);
  });
}
