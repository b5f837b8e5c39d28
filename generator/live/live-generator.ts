// `pulse generate live`: the fleet's readings produced to Kafka at a steady rate that
// a control message can change while running. Sends are batched and pipelined (a few
// in flight) so high rates are reachable; when the broker falls behind, the loop waits
// instead of queueing without bound.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import { CONTROL_TOPIC, LABELS_TOPIC, partitionerFor, rootMessage, sendPerPartition, withDeadline, type Logger } from '../../infra/index.ts';
import { SCHEMA_HEADER } from '../../telemetry/index.ts';
import { parseControlCommand } from '../../telemetry/index.ts';
import { LiveFleet, type LiveFleetOptions } from './live-fleet.ts';

export interface LiveGeneratorOptions extends LiveFleetOptions {
  kafka: Kafka;
  topic: string;
  /** Events per second across the whole fleet. */
  rate: number;
  /** Topic of rate commands (default telemetry.control) and of incident labels (default telemetry.labels). */
  controlTopic?: string;
  labelsTopic?: string;
  /** Stop after this many events (default: run until closed). */
  maxEvents?: number;
  logger?: Logger;
}

export interface LiveGenerator {
  /** Resolves once the control consumer has joined, so rate commands are heard. */
  readonly ready: Promise<void>;
  /** Resolves when the generator stops (closed, or maxEvents reached). */
  readonly done: Promise<void>;
  stats(): { sent: number; rate: number; labels: number };
  setRate(rate: number): void;
  /** Stops and drains; resolves true when every Kafka client closed within its deadline. */
  close(): Promise<boolean>;
}

const TICK_MS = 20;
const DISCONNECT_DEADLINE_MS = 10_000;
const MAX_BATCH = 5_000;
const MAX_IN_FLIGHT = 4;
/** After a stall, catch up at most this much backlog instead of bursting the whole gap. */
const MAX_BACKLOG_SECONDS = 1;

export async function startLiveGenerator(options: LiveGeneratorOptions): Promise<LiveGenerator> {
  const { kafka, topic, logger } = options;
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  const control: Consumer = kafka.consumer({ groupId: `pulse-generator-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await producer.connect();
  await control.connect();
  const labelsTopic = options.labelsTopic ?? LABELS_TOPIC;
  const partitionOf = { [topic]: await partitionerFor(kafka, topic), [labelsTopic]: await partitionerFor(kafka, labelsTopic) };

  const fleet = new LiveFleet(options, Date.now());
  let rate = options.rate;
  let anchorTime = performance.now();
  let anchorSent = 0;
  let sent = 0;
  let labels = 0;
  let running = true;
  const inFlight = new Set<Promise<unknown>>();

  const setRate = (next: number) => {
    anchorTime = performance.now();
    anchorSent = sent;
    rate = next;
    logger?.info({ rate }, 'live rate set');
  };

  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  control.on(control.events.GROUP_JOIN, () => joined());
  await control.subscribe({ topic: options.controlTopic ?? CONTROL_TOPIC, fromBeginning: false });
  await control.run({
    eachMessage: async ({ message }) => {
      const command = parseControlCommand(message.value?.toString() ?? '');
      if (command) setRate(command.rate);
      else logger?.warn({ value: message.value?.toString().slice(0, 200) }, 'ignored malformed control message');
    },
  });

  // Every event made is delivered: a failed or hung send is retried until Kafka takes it.
  const send = (messages: Message[], target: string) => {
    const request = sendPerPartition(producer, { topic: target, messages, acks: -1 }, partitionOf[target]!, { logger });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request)).catch((error: unknown) => logger?.error({ err: error }, 'send failed'));
  };

  const loop = async () => {
    while (running) {
      const due = Math.floor(anchorSent + (rate * (performance.now() - anchorTime)) / 1000) - sent;
      const backlogCap = Math.max(1, Math.ceil(rate * MAX_BACKLOG_SECONDS));
      if (due > backlogCap) {
        // Drop the unreachable part of the schedule, keep the rate: moving the anchor back
        // by the excess leaves exactly one cap of backlog due now.
        anchorSent -= due - backlogCap;
      }
      let budget = Math.min(due, backlogCap, (options.maxEvents ?? Infinity) - sent);
      while (budget > 0 && inFlight.size < MAX_IN_FLIGHT) {
        const count = Math.min(budget, MAX_BATCH);
        const now = Date.now();
        const messages: Message[] = [];
        const labelMessages: Message[] = [];
        for (let i = 0; i < count; i += 1) {
          const { event, label } = fleet.next(now);
          messages.push({ key: event.hostId, value: JSON.stringify(event.payload), headers: { [SCHEMA_HEADER]: event.schema.tag }, timestamp: String(now) });
          if (label) labelMessages.push({ key: label.host, value: JSON.stringify(label) });
        }
        send(messages, topic);
        if (labelMessages.length > 0) send(labelMessages, labelsTopic);
        sent += count;
        labels += labelMessages.length;
        budget -= count;
      }
      if (options.maxEvents !== undefined && sent >= options.maxEvents) break;
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      else await sleep(TICK_MS);
    }
    await Promise.allSettled([...inFlight]);
  };

  const done = loop();
  let closed: Promise<boolean> | undefined;
  return {
    ready,
    done,
    stats: () => ({ sent, rate, labels }),
    setRate,
    close: () => (closed ??= (async () => {
      running = false;
      await done;
      // Everything is delivered by now; a client stuck mid-reconnect must not hold the exit.
      const closedWithin = (client: Consumer | Producer, what: string) => withDeadline(client.disconnect(), DISCONNECT_DEADLINE_MS, `the ${what}'s disconnect`)
        .then(() => true, (error: unknown) => (logger?.warn({ error: rootMessage(error) }, `${what} did not close cleanly`), false));
      const consumerClosed = await closedWithin(control, 'control consumer');
      const producerClosed = await closedWithin(producer, 'producer');
      return consumerClosed && producerClosed;
    })()),
  };
}
