// `pulse generate live`: the fleet's readings produced to Kafka at a steady rate that
// a control message can change while running. Sends are batched and pipelined (a few
// in flight) so high rates are reachable; when the broker falls behind, the loop waits
// instead of queueing without bound.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import { CONTROL_TOPIC, LABELS_TOPIC, partitionerFor, rootMessage, sendPerPartition, withDeadline, type Logger, type PartitionOf } from '../../infra/index.ts';
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
  const state: Progress = { sent: 0, labels: 0, running: true };
  const schedule = new RateSchedule(options.rate);
  const setRate = (next: number) => {
    schedule.set(next, state.sent);
    logger?.info({ rate: next }, 'live rate set');
  };
  const { ready } = await followRateCommands(control, options.controlTopic ?? CONTROL_TOPIC, setRate, logger);
  const sender = new InFlightSends(producer, partitionOf, logger);
  const done = produceOnSchedule({ fleet: new LiveFleet(options, Date.now()), schedule, sender, state, topic, labelsTopic, maxEvents: options.maxEvents });
  let closed: Promise<boolean> | undefined;
  return {
    ready,
    done,
    stats: () => ({ sent: state.sent, rate: schedule.rate, labels: state.labels }),
    setRate,
    close: () => (closed ??= (async () => {
      state.running = false;
      await done;
      return closeClients(control, producer, logger);
    })()),
  };
}

interface Progress { sent: number; labels: number; running: boolean }

/**
 * How many events are due: `rate` per second since the anchor, counted from the events sent
 * at the anchor. A rate change moves the anchor, so the new rate applies from that moment.
 */
class RateSchedule {
  rate: number;
  #anchorTime = performance.now();
  #anchorSent = 0;

  constructor(rate: number) {
    this.rate = rate;
  }

  set(rate: number, sent: number): void {
    this.#anchorTime = performance.now();
    this.#anchorSent = sent;
    this.rate = rate;
  }

  /** Events due now beyond `sent`, at most `MAX_BACKLOG_SECONDS` of them. */
  due(sent: number): number {
    const due = Math.floor(this.#anchorSent + (this.rate * (performance.now() - this.#anchorTime)) / 1000) - sent;
    const backlogCap = Math.max(1, Math.ceil(this.rate * MAX_BACKLOG_SECONDS));
    if (due > backlogCap) {
      // Drop the unreachable part of the schedule, keep the rate: moving the anchor back
      // by the excess leaves exactly one cap of backlog due now.
      this.#anchorSent -= due - backlogCap;
    }
    return Math.min(due, backlogCap);
  }
}

/** Subscribes to rate commands; `ready` resolves once the group is joined, after which commands are heard. */
async function followRateCommands(control: Consumer, topic: string, setRate: (rate: number) => void, logger: Logger | undefined): Promise<{ ready: Promise<void> }> {
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  control.on(control.events.GROUP_JOIN, () => joined());
  await control.subscribe({ topic, fromBeginning: false });
  await control.run({
    eachMessage: async ({ message }) => {
      const command = parseControlCommand(message.value?.toString() ?? '');
      if (command) setRate(command.rate);
      else logger?.warn({ value: message.value?.toString().slice(0, 200) }, 'ignored malformed control message');
    },
  });
  return { ready };
}

/** Sends under way; every event made is delivered: a failed or hung send is retried until Kafka takes it. */
class InFlightSends {
  readonly pending = new Set<Promise<unknown>>();
  readonly #producer: Producer;
  readonly #partitionOf: Record<string, PartitionOf>;
  readonly #logger: Logger | undefined;

  constructor(producer: Producer, partitionOf: Record<string, PartitionOf>, logger: Logger | undefined) {
    this.#producer = producer;
    this.#partitionOf = partitionOf;
    this.#logger = logger;
  }

  get full(): boolean {
    return this.pending.size >= MAX_IN_FLIGHT;
  }

  send(messages: Message[], target: string): void {
    const logger = this.#logger;
    const request = sendPerPartition(this.#producer, { topic: target, messages, acks: -1 }, this.#partitionOf[target]!, { logger });
    this.pending.add(request);
    void request.finally(() => this.pending.delete(request)).catch((error: unknown) => logger?.error({ err: error }, 'send failed'));
  }
}

interface Production { fleet: LiveFleet; schedule: RateSchedule; sender: InFlightSends; state: Progress; topic: string; labelsTopic: string; maxEvents: number | undefined }

/** The send loop: what the schedule makes due, in batches, while few enough sends are under way. */
async function produceOnSchedule(p: Production): Promise<void> {
  const { sender, state } = p;
  while (state.running) {
    let budget = Math.min(p.schedule.due(state.sent), (p.maxEvents ?? Infinity) - state.sent);
    while (budget > 0 && !sender.full) {
      const count = Math.min(budget, MAX_BATCH);
      const { messages, labels } = nextMessages(p.fleet, count, Date.now());
      sender.send(messages, p.topic);
      if (labels.length > 0) sender.send(labels, p.labelsTopic);
      state.sent += count;
      state.labels += labels.length;
      budget -= count;
    }
    if (p.maxEvents !== undefined && state.sent >= p.maxEvents) break;
    if (sender.full) await Promise.race(sender.pending);
    else await sleep(TICK_MS);
  }
  await Promise.allSettled([...sender.pending]);
}

/** The fleet's next `count` readings as Kafka messages, and the labels of incidents they start. */
function nextMessages(fleet: LiveFleet, count: number, now: number): { messages: Message[]; labels: Message[] } {
  const messages: Message[] = [];
  const labels: Message[] = [];
  for (let i = 0; i < count; i += 1) {
    const { event, label } = fleet.next(now);
    messages.push({ key: event.hostId, value: JSON.stringify(event.payload), headers: { [SCHEMA_HEADER]: event.schema.tag }, timestamp: String(now) });
    if (label) labels.push({ key: label.host, value: JSON.stringify(label) });
  }
  return { messages, labels };
}

/** Disconnects both clients; true when each closed within its deadline. */
async function closeClients(control: Consumer, producer: Producer, logger: Logger | undefined): Promise<boolean> {
  // Everything is delivered by now; a client stuck mid-reconnect must not hold the exit.
  const closedWithin = (client: Consumer | Producer, what: string) => withDeadline(client.disconnect(), DISCONNECT_DEADLINE_MS, `the ${what}'s disconnect`)
    .then(() => true, (error: unknown) => (logger?.warn({ error: rootMessage(error) }, `${what} did not close cleanly`), false));
  const consumerClosed = await closedWithin(control, 'control consumer');
  const producerClosed = await closedWithin(producer, 'producer');
  return consumerClosed && producerClosed;
}
