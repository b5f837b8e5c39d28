// Public surface of infra/: configuration, errors, logging, the local service stack,
// and the Kafka and PostgreSQL edges every layer talks through.
export { loadConfig, parseDuration, redactDatabaseUrl, type Config } from './config.ts';
export { PulseError, isPulseError, rootMessage, ERROR_CODES, type ErrorCode } from './errors.ts';
export { createLogger, type Logger } from './logger.ts';
export { packageRoot } from './paths.ts';
// The local launchers themselves, for tests that need private brokers and servers (pulse stack uses them through stack.ts).
export { localKafkaPid, newClusterId, startLocalKafka, startLocalKafkaCluster, stopLocalKafka, type LocalKafkaOptions, type SecureListener } from './kafka/local-broker.ts';
export { startLocalPostgres, stopLocalPostgres, type LocalPostgresOptions } from './postgres/local-server.ts';
export { silenceKnownWarnings } from './warnings.ts';
export { planStack, stackUp, stackDown, stackStatus, installStack, type StackPlan, type StackState } from './stack.ts';
export { createKafka, probeKafka, requireKafka, ensureTopics, type KafkaConnection } from './kafka/client.ts';
export { partitionerFor, sendPerPartition, sendUntilDelivered, withDeadline, SEND_DEADLINE_MS, type PartitionOf } from './kafka/delivery.ts';
export { kafkaSecurityOf, withPostgresTls, type KafkaSecurity } from './connections.ts';
export { KAFKA_VERSION } from './kafka/jars.ts';
export { createPool, inTransaction, probePostgres, requirePostgres, describeDatabase, quoteIdentifier, type Pool, type PoolClient } from './postgres/pool.ts';
export { migrate, loadMigrations, prepareSchema, type Migration } from './postgres/migrate.ts';
export { freePort, isPortInUse, waitUntil, stopProcess, isAlive } from './processes.ts';
export { ensurePulseTopics, type PulseTopicOptions, LABELS_TOPIC, CONTROL_TOPIC, DLQ_TOPIC, DEFAULT_RAW_PARTITIONS } from './kafka/topics.ts';
export { startEphemeralStack, servicesFromEnvOrEphemeral, freePortPair, type Services } from './ephemeral.ts';
export { ALERTS_CHANNEL, RUNNING_SPEED_INSTANCE, WATERMARK_CHANNEL } from './postgres/channels.ts';
export { ResourceStack, startOwning } from './resources.ts';
