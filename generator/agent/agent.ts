// `pulse agent`: streams this machine's real metrics to Kafka as canonical pulse/v1
// records every interval, until closed.

import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from '../../infra/index.ts';
import { roundTo, SCHEMA_HEADER } from '../../telemetry/index.ts';
import { sampleHost, toMetrics, type HostMetrics, type HostSample } from './host-metrics.ts';

export interface AgentOptions {
  kafka: Kafka;
  topic: string;
  region: string;
  /** Defaults to this machine's host name, made into a valid identifier. */
  hostId?: string;
  intervalMs: number;
  logger?: Logger;
}

export interface Agent { readonly done: Promise<void>; sent(): number; close(): Promise<void> }

/** A host name as a Pulse identifier: letters, digits and . _ : @ / - only. */
export function agentHostId(name = hostname()): string {
  const cleaned = name.replace(/[^A-Za-z0-9._:@/-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'localhost').slice(0, 128);
}

function round(metrics: HostMetrics): HostMetrics {
  const out = { ...metrics };
  for (const key of Object.keys(out) as (keyof HostMetrics)[]) {
    const value = out[key];
    if (value !== null) out[key] = roundTo(value, 2);
  }
  return out;
}

export async function startAgent(options: AgentOptions): Promise<Agent> {
  const producer = options.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const hostId = options.hostId ?? agentHostId();
  let running = true;
  const stop = new AbortController();
  let count = 0;
  let previous: HostSample | undefined;
  const loop = async () => {
    while (running) {
      const started = Date.now();
      try {
        const sample = await sampleHost();
        const record = { event_id: uuidv7(), ts: new Date(sample.at).toISOString(), region: options.region, host_id: hostId, source: 'agent', ...round(toMetrics(sample, previous)) };
        previous = sample;
        await producer.send({ topic: options.topic, messages: [{ key: hostId, value: JSON.stringify(record), headers: { [SCHEMA_HEADER]: 'pulse/v1' } }] });
        count += 1;
      } catch (error) {
        options.logger?.warn({ err: error }, 'agent sample not sent; retrying next interval');
      }
      const wait = options.intervalMs - (Date.now() - started);
      if (running && wait > 0) await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };
  const done = loop();
  return {
    done,
    sent: () => count,
    close: async () => {
      running = false;
      stop.abort();
      await done;
      await producer.disconnect();
    },
  };
}
