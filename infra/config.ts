// Process configuration: environment variables parsed and validated once at start-up
// into a frozen object that is passed down. Messages name the variable and what to fix.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { invalidVariable, KAFKA_PROTOCOLS, KAFKA_SASL_MECHANISMS, kafkaSecurityOf, withPostgresTls, type KafkaSecurity } from './connections.ts';
import { PulseError } from './errors.ts';
import { packageRoot } from './paths.ts';

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const TOPIC = /^[A-Za-z0-9._-]{1,200}$/;
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function brokerList(text: string, ctx: z.RefinementCtx): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.filter((b) => !HOST_PORT.test(b) || Number(b.split(':').at(-1)) > 65535);
  if (brokers.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected host:port[,host:port…], got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return brokers;
}

function postgresUrl(text: string, ctx: z.RefinementCtx): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
    ctx.addIssue({ code: 'custom', message: 'expected postgres://user:password@host:port/database' });
    return z.NEVER;
  }
  return text;
}

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "90s", "15m", "1h" → milliseconds. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}

const duration = (fallback: string) => z.string().default(fallback).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 30s, 15m or 1h, got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return ms;
});

/**
 * Every variable Pulse reads, with its default. docs/configuration.md is generated from this
 * and the descriptions in config-docs.ts (`npm run docs:config`).
 */
export const ENV_SCHEMA = z.object({
  /** Kafka bootstrap brokers. */
  KAFKA_BROKERS: z.string().default('localhost:9092').transform(brokerList),
  /** Kafka's security protocol (unset: SASL_SSL when KAFKA_SASL_MECHANISM is set, SSL when a KAFKA_SSL_* file is, else PLAINTEXT). */
  KAFKA_SECURITY_PROTOCOL: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(KAFKA_PROTOCOLS)).optional(),
  /** SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  KAFKA_SASL_MECHANISM: z.string().transform((s) => s.toUpperCase()).pipe(z.enum(KAFKA_SASL_MECHANISMS)).optional(),
  /** SASL user name (an API key on Confluent Cloud). */
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** SASL password (an API secret on Confluent Cloud). Secret. */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** PEM file of the CA that signed the brokers' certificates (unset: the system's roots). */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /** PEM client certificate, for brokers that require one (mutual TLS); with KAFKA_SSL_KEY_FILE. */
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of the client certificate. */
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  /** Passphrase of an encrypted KAFKA_SSL_KEY_FILE. Secret. */
  KAFKA_SSL_KEY_PASSWORD: z.string().min(1).optional(),
  /** Replication factor of the topics Pulse creates (unset: the cluster's default.replication.factor). */
  PULSE_TOPIC_REPLICATION: z.coerce.number().int().min(1).max(32).optional(),
  /** PostgreSQL connection URL; the local stack creates this user and database. */
  DATABASE_URL: z.string().default('postgres://pulse:pulse@localhost:5432/pulse').transform(postgresUrl),
  /** Password for DATABASE_URL's user, replacing any password in the URL (unset: the URL's). */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** PEM file of the CA that signed PostgreSQL's certificate; implies sslmode=verify-full unless DATABASE_URL names a mode. */
  DATABASE_SSL_CA_FILE: z.string().min(1).optional(),
  /** Root of runtime data: history, cold archives, quarantine, local stack state. */
  PULSE_DATA_DIR: z.string().min(1).default('./data'),
  /** Topic of raw telemetry. */
  PULSE_TOPIC: z.string().regex(TOPIC, 'expected a Kafka topic name ([A-Za-z0-9._-])').default('telemetry.raw'),
  /** HTTP port of the serving layer. */
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** PostgreSQL schema that holds Pulse's tables. */
  PULSE_DB_SCHEMA: z.string().regex(SQL_IDENTIFIER, 'expected a lower-case SQL identifier').default('public'),
  /** Log level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where downloaded tools (Kafka jars) are cached. */
  PULSE_CACHE_DIR: z.string().min(1).optional(),
  /** Consumer group shared by every speed process. */
  PULSE_SPEED_GROUP: z.string().regex(TOPIC, 'expected a group id ([A-Za-z0-9._-])').default('pulse-speed'),
  /** Breaching readings in a row before an alert fires. */
  PULSE_ALERT_FOR_READINGS: z.coerce.number().int().min(1).max(1000).default(3),
  /** Hot data this much older than the batch watermark is expired. */
  PULSE_EXPIRY_OVERLAP: duration('1h'),
  /** A cold-archive file is closed once it reaches this size (MB)… */
  PULSE_ARCHIVE_ROLL_MB: z.coerce.number().positive().max(4096).default(64),
  /** …or this age. */
  PULSE_ARCHIVE_ROLL_AGE: duration('5m'),
  /** Bearer token that allows changing the live feed's rate through the serving layer (unset: off). */
  PULSE_CONTROL_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  /** Requests per minute per client address to the serving API (0: no limit). */
  PULSE_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** Requests per minute per client address to the live-feed control endpoint. */
  PULSE_CONTROL_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Longest query string the serving API accepts, in bytes (longer: 414). */
  PULSE_MAX_QUERY_BYTES: z.coerce.number().int().min(256).max(65_536).default(2048),
  PULSE_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000).default(10),
  PULSE_STREAMS_TOTAL: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** DuckDB memory limit of a batch run; it spills to $PULSE_DATA_DIR/batch beyond it. */
  PULSE_BATCH_MEMORY: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'expected a size such as 512MB or 2GB').default('2GB'),
});

/** The name of a variable ENV_SCHEMA reads. */
export type EnvVariable = keyof typeof ENV_SCHEMA.shape;

export interface Config {
  readonly kafkaBrokers: readonly string[];
  /** Brokers and security together: what every Kafka client Pulse runs is built from. */
  readonly kafka: { readonly brokers: readonly string[]; readonly security: KafkaSecurity };
  /** Replication factor of created topics; undefined: the cluster's default. */
  readonly topicReplication: number | undefined;
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly topic: string;
  readonly port: number;
  readonly dbSchema: string;
  readonly logLevel: z.infer<typeof ENV_SCHEMA>['LOG_LEVEL'];
  readonly cacheDir: string;
  readonly speed: {
    readonly group: string;
    readonly alertForReadings: number;
    readonly expiryOverlapMs: number;
    readonly archiveRollBytes: number;
    readonly archiveRollMs: number;
  };
  readonly batch: { readonly memoryLimit: string };
  readonly serving: { readonly perMinute: number; readonly controlPerMinute: number; readonly maxQueryBytes: number };
  /** Open live streams (/api/stream) per client address and in all. */
  readonly streams: { readonly perClient: number; readonly total: number };
  /** Secret: never logged. */
  readonly controlToken: string | undefined;
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Secrets that may instead be read from the file that `<NAME>_FILE` names (Docker secrets). */
export const SECRET_VARIABLES = [
  'DATABASE_URL', 'DATABASE_PASSWORD', 'PULSE_CONTROL_TOKEN', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL_KEY_PASSWORD',
] as const;

const invalid = invalidVariable;

/** Resolves each `<NAME>_FILE` into `<NAME>`: the file's contents, less trailing line breaks. */
function withSecretFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const resolved = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    delete resolved[`${name}_FILE`];
    if (file === undefined) continue;
    if (env[name] !== undefined) throw invalid(`${name}_FILE`, `set ${name} or ${name}_FILE, not both`);
    try {
      resolved[name] = readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      throw invalid(`${name}_FILE`, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  return resolved;
}

function withPassword(databaseUrl: string, password: string | undefined): string {
  if (password === undefined) return databaseUrl;
  const url = new URL(databaseUrl);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Parse the environment once; throws a CONFIG_INVALID PulseError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const blankAsUnset = withSecretFiles(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const parsed = ENV_SCHEMA.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PulseError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      context: { variables: parsed.error.issues.map((i) => i.path.join('.')) },
    });
  }
  const e = parsed.data;
  const brokers = Object.freeze(e.KAFKA_BROKERS);
  return Object.freeze({
    kafkaBrokers: brokers,
    kafka: Object.freeze({ brokers, security: kafkaSecurityOf(e, cwd) }),
    topicReplication: e.PULSE_TOPIC_REPLICATION,
    databaseUrl: withPostgresTls(withPassword(e.DATABASE_URL, e.DATABASE_PASSWORD), e.DATABASE_SSL_CA_FILE, cwd),
    dataDir: absolute(e.PULSE_DATA_DIR, cwd),
    topic: e.PULSE_TOPIC,
    port: e.PORT,
    dbSchema: e.PULSE_DB_SCHEMA,
    logLevel: e.LOG_LEVEL,
    cacheDir: e.PULSE_CACHE_DIR ? absolute(e.PULSE_CACHE_DIR, cwd) : resolve(packageRoot, '.cache'),
    speed: Object.freeze({
      group: e.PULSE_SPEED_GROUP,
      alertForReadings: e.PULSE_ALERT_FOR_READINGS,
      expiryOverlapMs: e.PULSE_EXPIRY_OVERLAP,
      archiveRollBytes: Math.round(e.PULSE_ARCHIVE_ROLL_MB * 1_048_576),
      archiveRollMs: e.PULSE_ARCHIVE_ROLL_AGE,
    }),
    batch: Object.freeze({ memoryLimit: e.PULSE_BATCH_MEMORY }),
    serving: Object.freeze({ perMinute: e.PULSE_RATE_LIMIT, controlPerMinute: e.PULSE_CONTROL_RATE_LIMIT, maxQueryBytes: e.PULSE_MAX_QUERY_BYTES }),
    streams: Object.freeze({ perClient: e.PULSE_STREAMS_PER_CLIENT, total: e.PULSE_STREAMS_TOTAL }),
    controlToken: e.PULSE_CONTROL_TOKEN,
  });
}

/** A database URL safe to print: the password is never shown. */
export function redactDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
