// Pulse's Kafka topics besides the raw telemetry topic (PULSE_TOPIC), and their creation.

import type { Kafka } from 'kafkajs';
import { ensureTopics } from './client.ts';

/** Ground truth of incidents the live generator injects. */
export const LABELS_TOPIC = 'telemetry.labels';
/** Commands to running producers, e.g. {"type":"set_rate","rate":500}. */
export const CONTROL_TOPIC = 'telemetry.control';
/** Raw messages the speed layer refused, with their reason. */
export const DLQ_TOPIC = 'telemetry.dlq';

/** Partitions of the raw topic: the most speed processes that can share the work. */
export const DEFAULT_RAW_PARTITIONS = 6;

export interface PulseTopicOptions {
  rawPartitions?: number;
  /** Replicas of each topic; unset: the cluster's default.replication.factor (3 on managed clusters, 1 on Pulse's single local broker). */
  replication?: number | undefined;
}

/** Create the raw, labels, control and dead-letter topics where missing. */
export async function ensurePulseTopics(kafka: Kafka, rawTopic: string, options: PulseTopicOptions = {}): Promise<string[]> {
  // -1 asks the broker for its own default, which is what a managed cluster's policy expects.
  const replicationFactor = options.replication ?? -1;
  return ensureTopics(kafka, [
    { topic: rawTopic, numPartitions: options.rawPartitions ?? DEFAULT_RAW_PARTITIONS, replicationFactor },
    { topic: LABELS_TOPIC, numPartitions: 1, replicationFactor },
    { topic: CONTROL_TOPIC, numPartitions: 1, replicationFactor },
    { topic: DLQ_TOPIC, numPartitions: 3, replicationFactor },
  ]);
}
