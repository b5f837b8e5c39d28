// Live push (Server-Sent Events): overview and volume every interval the client chose,
// alerts as they open and resolve (PostgreSQL LISTEN, one connection shared by all
// clients). Streams with the same parameters share one query per interval (StreamHub).
// Browsers reconnect on their own; `retry` tells them how soon.

import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import pg from 'pg';
import { ALERTS_CHANNEL, PulseError, rootMessage, type Logger, type Pool } from '../infra/index.ts';
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

type Send = (event: string, data: unknown) => void;
interface StreamGroup { subscribers: Set<Send>; timer: NodeJS.Timeout; busy: boolean; last: { event: string; data: unknown }[] }

export interface StreamLimits {
  /** Open streams one client address may hold (default 10). */
  perClient: number;
  /** Open streams in all (default 1000). */
  total: number;
}
export const DEFAULT_STREAM_LIMITS: StreamLimits = Object.freeze({ perClient: 10, total: 1000 });

/**
 * Live streams that ask the same (region, interval) share one group: one query per interval
 * whatever the number of viewers, its answer written to each. A new viewer gets the group's
 * last answer at once. The number of open streams is bounded per client and in all.
 */
export class StreamHub {
  private readonly groups = new Map<string, StreamGroup>();
  private readonly perClient = new Map<string, number>();
  private open = 0;
  private readonly pool: Pool;
  private readonly limits: StreamLimits;

  constructor(pool: Pool, limits: StreamLimits = DEFAULT_STREAM_LIMITS) {
    this.pool = pool;
    this.limits = limits;
  }

  /** Opens a stream for `client`, or refuses (429 for one client's share, 503 for the total); the returned function closes it. */
  subscribe(client: string, region: string | null, interval: number, send: Send): () => void {
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.limits.perClient) throw new PulseError('TOO_MANY_STREAMS', `at most ${this.limits.perClient} open streams per client`, { retryable: true });
    if (this.open >= this.limits.total) throw new PulseError('STREAM_CAPACITY', `the server holds its maximum of ${this.limits.total} open streams; retry later`, { retryable: true });
    this.perClient.set(client, held + 1);
    this.open += 1;
    const key = `${region ?? ''}|${interval}`;
    let group = this.groups.get(key);
    if (!group) {
      const created: StreamGroup = { subscribers: new Set(), busy: false, last: [], timer: setInterval(() => void this.tick(created, region), interval) };
      group = created;
      this.groups.set(key, group);
      void this.tick(group, region);
    } else for (const message of group.last) send(message.event, message.data);
    group.subscribers.add(send);
    const joined = group;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      joined.subscribers.delete(send);
      this.open -= 1;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
      if (joined.subscribers.size === 0) {
        clearInterval(joined.timer);
        this.groups.delete(key);
      }
    };
  }

  /** Streams open now, and how many queries each interval costs (one per group). */
  stats(): { streams: number; groups: number } {
    return { streams: this.open, groups: this.groups.size };
  }

  close(): void {
    for (const group of this.groups.values()) clearInterval(group.timer);
    this.groups.clear();
  }

  private async tick(group: StreamGroup, region: string | null): Promise<void> {
    if (group.busy) return; // never stack queries when the database is slower than the interval
    group.busy = true;
    let messages: { event: string; data: unknown }[];
    try {
      const range = timeRange(undefined, undefined);
      const [regions, vol] = await Promise.all([overview(this.pool, range, region), volume(this.pool, { from: Date.now() - 600_000, to: Date.now() }, 60_000)]);
      messages = [{ event: 'overview', data: { at: new Date().toISOString(), regions } }, { event: 'volume', data: vol }];
      group.last = messages;
    } catch (error) {
      messages = [{ event: 'error', data: { message: rootMessage(error) } }];
    } finally {
      group.busy = false;
    }
    for (const send of group.subscribers) for (const m of messages) send(m.event, m.data);
  }
}

/** GET /api/stream?region=&interval=1s|5s|30s|1m */
export function streamHandler(req: Request, res: Response, hub: StreamHub, feed: AlertFeed): void {
  const p = parseQuery(schemas.stream, req.query);
  let seq = 0;
  // A group that already runs hands a new subscriber its last messages at once, inside
  // subscribe: they wait until the headers are out (written first, they would go out as
  // text/plain, and the event-stream header after them would fail).
  let early: string[] | null = [];
  const send: Send = (event, data) => {
    const chunk = `id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (early) early.push(chunk);
    else res.write(chunk);
  };
  const close = hub.subscribe(req.ip ?? 'unknown', p.region ?? null, p.interval, send); // throws a refusal before any byte is sent
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('retry: 3000\n\n');
  for (const chunk of early) res.write(chunk);
  early = null;
  const onAlert = (alert: unknown) => send('alert', alert);
  feed.on('alert', onAlert);
  req.on('close', () => {
    close();
    feed.off('alert', onAlert);
  });
}
