// `pulse bridge`: a TCP client of the original system's JSON-lines telemetry server.
// Every line is forwarded unchanged to Kafka with the legacy schema tag (the speed layer
// decides what is valid); the socket is paused while Kafka is behind, and a lost
// connection is retried with capped exponential backoff. A line too large for a Kafka
// message goes to the dead-letter topic with its reason instead of vanishing.

import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message } from 'kafkajs';
import { DLQ_TOPIC, partitionerFor, rootMessage, sendPerPartition, type Logger } from '../../infra/index.ts';
import { SCHEMA_HEADER } from '../../telemetry/index.ts';

export interface BridgeOptions {
  kafka: Kafka;
  topic: string;
  host: string;
  port: number;
  dlqTopic?: string;
  /** Lines above this many bytes go to the dead-letter topic (default 900 KB, under Kafka's 1 MB message limit). */
  maxLineBytes?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
}

export interface BridgeStats { lines: number; forwarded: number; oversize: number; connects: number }
export interface Bridge { stats(): BridgeStats; close(): Promise<void> }

const FLUSH_LINES = 500;
const PAUSE_ABOVE = 10_000;

/** Best-effort partition key: the line's host_id when it is JSON that has one. */
function keyOf(line: string): string | null {
  try {
    const hostId = (JSON.parse(line) as { host_id?: unknown }).host_id;
    return typeof hostId === 'string' || typeof hostId === 'number' ? String(hostId) : null;
  } catch {
    return null;
  }
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const maxLineBytes = options.maxLineBytes ?? 900_000;
  const producer = options.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const partitionOf = await partitionerFor(options.kafka, options.topic);
  const stats: BridgeStats = { lines: 0, forwarded: 0, oversize: 0, connects: 0 };
  let queue: Message[] = [];
  let socket: Socket | undefined;
  let running = true;
  const stop = new AbortController();
  let flushing: Promise<void> | undefined;

  // A failed send keeps its lines at the head of the queue and the socket paused, and is
  // retried with backoff until Kafka takes them: a broker restart must not drop lines.
  const flush = async (): Promise<void> => {
    let backoff = options.minBackoffMs ?? 250;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        // One attempt per partition here; this loop keeps the lines and retries on failure.
        await sendPerPartition(producer, { topic: options.topic, messages: batch, acks: -1 }, partitionOf, { keepTrying: () => false });
      } catch (error) {
        queue = batch.concat(queue);
        if (!running) throw error;
        socket?.pause();
        options.logger?.warn({ error: rootMessage(error), pending: queue.length, retryInMs: backoff }, 'bridge send failed; lines kept, retrying');
        await sleep(backoff, undefined, { signal: stop.signal }).catch(() => undefined);
        backoff = Math.min(options.maxBackoffMs ?? 30_000, backoff * 2);
        continue;
      }
      stats.forwarded += batch.length;
      backoff = options.minBackoffMs ?? 250;
    }
    socket?.resume();
  };
  const scheduleFlush = () => {
    flushing ??= flush().catch((error: unknown) => options.logger?.error({ err: error }, 'bridge send failed')).finally(() => (flushing = undefined));
  };

  const onLine = (line: string) => {
    stats.lines += 1;
    const bytes = Buffer.byteLength(line);
    if (bytes > maxLineBytes) {
      stats.oversize += 1;
      const record = { reason: 'too_large', source: 'bridge', bytes, preview: line.slice(0, 1000) };
      void producer.send({ topic: options.dlqTopic ?? DLQ_TOPIC, messages: [{ value: JSON.stringify(record), headers: { 'pulse-reject-reason': 'too_large' } }] })
        .catch((error: unknown) => options.logger?.error({ err: error }, 'dead-letter send failed'));
      return;
    }
    queue.push({ key: keyOf(line), value: line, headers: { [SCHEMA_HEADER]: 'legacy/v1' } });
    if (queue.length >= PAUSE_ABOVE) socket?.pause();
    if (queue.length >= FLUSH_LINES || !flushing) scheduleFlush();
  };

  /** One connection's life: resolves when the server closes it or it fails. */
  const session = () => new Promise<boolean>((resolve) => {
    let connected = false;
    const current = connect({ host: options.host, port: options.port });
    socket = current;
    current.on('connect', () => {
      connected = true;
      stats.connects += 1;
      options.logger?.info({ host: options.host, port: options.port }, 'bridge connected');
    });
    current.on('error', (error) => options.logger?.warn({ err: error.message }, 'bridge connection error'));
    // readline re-emits the socket's errors; they are already logged above.
    createInterface({ input: current, crlfDelay: Infinity }).on('line', onLine).on('error', () => undefined);
    current.on('close', () => resolve(connected));
  });

  const loop = async () => {
    let attempt = 0;
    const min = options.minBackoffMs ?? 250;
    const max = options.maxBackoffMs ?? 30_000;
    while (running) {
      const wasConnected = await session();
      if (!running) break;
      attempt = wasConnected ? 0 : attempt + 1;
      const delay = Math.min(max, min * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      options.logger?.info({ delayMs: Math.round(delay) }, 'bridge reconnecting');
      await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };
  const done = loop();

  return {
    stats: () => ({ ...stats }),
    close: async () => {
      running = false;
      stop.abort();
      socket?.destroy();
      await done;
      await flushing;
      await flush();
      await producer.disconnect();
    },
  };
}
