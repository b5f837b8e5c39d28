// `pulse bridge`: a TCP client of the original system's JSON-lines telemetry server.
// Every line is forwarded unchanged to Kafka with the legacy schema tag (the speed layer
// decides what is valid); the socket is paused while Kafka is behind, and a lost
// connection is retried with capped exponential backoff. A line too large for a Kafka
// message goes to the dead-letter topic with its reason instead of vanishing.

import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer } from 'kafkajs';
import { DLQ_TOPIC, partitionerFor, rootMessage, sendPerPartition, type Logger, type PartitionOf } from '../../infra/index.ts';
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
  const producer = options.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const partitionOf = await partitionerFor(options.kafka, options.topic);
  const stats: BridgeStats = { lines: 0, forwarded: 0, oversize: 0, connects: 0 };
  const stop = new AbortController();
  let socket: Socket | undefined;
  const flow = { pause: () => socket?.pause(), resume: () => socket?.resume() };
  const forwarder = new LineForwarder({ options, producer, partitionOf, stats, flow, stop: stop.signal });
  const done = keepConnected(options, stats, stop.signal, (current) => (socket = current), (line) => forwarder.take(line));
  return {
    stats: () => ({ ...stats }),
    close: async () => {
      stop.abort();
      socket?.destroy();
      await done;
      await forwarder.drain();
      await producer.disconnect();
    },
  };
}

interface ForwarderParts {
  options: BridgeOptions;
  producer: Producer;
  partitionOf: PartitionOf;
  stats: BridgeStats;
  /** The socket's flow: paused while Kafka is behind. */
  flow: { pause(): void; resume(): void };
  /** Aborted when the bridge closes. */
  stop: AbortSignal;
}

/** Lines on their way to Kafka: queued, sent in batches, and kept until Kafka has taken them. */
class LineForwarder {
  readonly #parts: ForwarderParts;
  #queue: Message[] = [];
  #flushing: Promise<void> | undefined;

  constructor(parts: ForwarderParts) {
    this.#parts = parts;
  }

  /** One line from the socket: queued for Kafka, or dead-lettered when too large for a message. */
  take(line: string): void {
    const { options, stats, flow } = this.#parts;
    stats.lines += 1;
    const bytes = Buffer.byteLength(line);
    if (bytes > (options.maxLineBytes ?? 900_000)) return this.#deadLetter(line, bytes);
    this.#queue.push({ key: keyOf(line), value: line, headers: { [SCHEMA_HEADER]: 'legacy/v1' } });
    if (this.#queue.length >= PAUSE_ABOVE) flow.pause();
    if (this.#queue.length >= FLUSH_LINES || !this.#flushing) this.#scheduleFlush();
  }

  /** Waits for the send in progress, then sends what is left (once closing, a failure throws). */
  async drain(): Promise<void> {
    await this.#flushing;
    await this.#flush();
  }

  #deadLetter(line: string, bytes: number): void {
    const { options, producer, stats } = this.#parts;
    stats.oversize += 1;
    const record = { reason: 'too_large', source: 'bridge', bytes, preview: line.slice(0, 1000) };
    void producer.send({ topic: options.dlqTopic ?? DLQ_TOPIC, messages: [{ value: JSON.stringify(record), headers: { 'pulse-reject-reason': 'too_large' } }] })
      .catch((error: unknown) => options.logger?.error({ err: error }, 'dead-letter send failed'));
  }

  #scheduleFlush(): void {
    this.#flushing ??= this.#flush().catch((error: unknown) => this.#parts.options.logger?.error({ err: error }, 'bridge send failed')).finally(() => (this.#flushing = undefined));
  }

  // A failed send keeps its lines at the head of the queue and the socket paused, and is
  // retried with backoff until Kafka takes them: a broker restart must not drop lines.
  async #flush(): Promise<void> {
    const { options, producer, partitionOf, stats, flow, stop } = this.#parts;
    let backoff = options.minBackoffMs ?? 250;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        // One attempt per partition here; this loop keeps the lines and retries on failure.
        await sendPerPartition(producer, { topic: options.topic, messages: batch, acks: -1 }, partitionOf, { keepTrying: () => false });
      } catch (error) {
        this.#queue = batch.concat(this.#queue);
        if (stop.aborted) throw error;
        flow.pause();
        options.logger?.warn({ error: rootMessage(error), pending: this.#queue.length, retryInMs: backoff }, 'bridge send failed; lines kept, retrying');
        await sleep(backoff, undefined, { signal: stop }).catch(() => undefined);
        backoff = Math.min(options.maxBackoffMs ?? 30_000, backoff * 2);
        continue;
      }
      stats.forwarded += batch.length;
      backoff = options.minBackoffMs ?? 250;
    }
    flow.resume();
  }
}

/** Connects again and again until `stop`, with capped, jittered exponential backoff after a failed attempt. */
async function keepConnected(options: BridgeOptions, stats: BridgeStats, stop: AbortSignal, onSocket: (socket: Socket) => void, onLine: (line: string) => void): Promise<void> {
  let attempt = 0;
  const min = options.minBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 30_000;
  while (!stop.aborted) {
    const wasConnected = await session(options, stats, onSocket, onLine);
    if (stop.aborted) break;
    attempt = wasConnected ? 0 : attempt + 1;
    const delay = Math.min(max, min * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    options.logger?.info({ delayMs: Math.round(delay) }, 'bridge reconnecting');
    await sleep(delay, undefined, { signal: stop }).catch(() => undefined);
  }
}

/** One connection's life: resolves when the server closes it or it fails, true if it had connected. */
function session(options: BridgeOptions, stats: BridgeStats, onSocket: (socket: Socket) => void, onLine: (line: string) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let connected = false;
    const current = connect({ host: options.host, port: options.port });
    onSocket(current);
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
}
