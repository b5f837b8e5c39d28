// How Pulse reaches a managed Kafka cluster and a PostgreSQL server over TLS: the
// variables' rules, checked once at start-up. Files (CA, certificate, key) are read here,
// so a missing or unreadable one is a configuration error naming its variable, not a
// connection failure minutes later. Secrets stay in the returned objects only.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { PulseError } from './errors.ts';

export const KAFKA_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaProtocol = (typeof KAFKA_PROTOCOLS)[number];
type Mechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** What a KafkaJS client needs beyond the broker list: TLS options and SASL credentials. */
export interface KafkaSecurity {
  readonly protocol: KafkaProtocol;
  readonly ssl?: ConnectionOptions;
  readonly sasl?: SASLOptions;
}

export interface KafkaSecurityVariables {
  KAFKA_SECURITY_PROTOCOL?: KafkaProtocol | undefined;
  KAFKA_SASL_MECHANISM?: Mechanism | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
  KAFKA_SSL_KEY_PASSWORD?: string | undefined;
}

export function invalidVariable(variable: string, problem: string): PulseError {
  return new PulseError('CONFIG_INVALID', `invalid configuration: ${variable}: ${problem}`, { context: { variables: [variable] } });
}

/** A PEM file's text; the error names the variable that pointed at it. */
function readPem(variable: string, path: string, cwd: string): string {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalidVariable(variable, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!text.includes('-----BEGIN ')) throw invalidVariable(variable, `${file} is not a PEM file (no -----BEGIN line)`);
  return text;
}

/** The protocol a user meant: the one named, else SASL_SSL when a mechanism is set, SSL when a TLS file is, else PLAINTEXT. */
function protocolOf(v: KafkaSecurityVariables): KafkaProtocol {
  if (v.KAFKA_SECURITY_PROTOCOL) return v.KAFKA_SECURITY_PROTOCOL;
  if (v.KAFKA_SASL_MECHANISM) return 'SASL_SSL';
  if (v.KAFKA_SSL_CA_FILE || v.KAFKA_SSL_CERT_FILE) return 'SSL';
  return 'PLAINTEXT';
}

function saslOf(v: KafkaSecurityVariables, protocol: KafkaProtocol): SASLOptions | undefined {
  const set = (['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((name) => v[name] !== undefined);
  if (!protocol.startsWith('SASL_')) {
    if (set.length > 0) throw invalidVariable(set[0] as string, `KAFKA_SECURITY_PROTOCOL is ${protocol}; SASL needs SASL_SSL or SASL_PLAINTEXT`);
    return undefined;
  }
  const mechanism = v.KAFKA_SASL_MECHANISM;
  if (!mechanism) throw invalidVariable('KAFKA_SASL_MECHANISM', `${protocol} needs a mechanism: ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  const username = v.KAFKA_SASL_USERNAME;
  const password = v.KAFKA_SASL_PASSWORD;
  if (!username) throw invalidVariable('KAFKA_SASL_USERNAME', `${protocol} needs a user name`);
  if (!password) throw invalidVariable('KAFKA_SASL_PASSWORD', `${protocol} needs a password (or KAFKA_SASL_PASSWORD_FILE)`);
  const lower = mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { mechanism: lower, username, password } as SASLOptions;
}

function tlsOf(v: KafkaSecurityVariables, protocol: KafkaProtocol, cwd: string): ConnectionOptions | undefined {
  const set = (['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_KEY_PASSWORD'] as const).filter((name) => v[name] !== undefined);
  if (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT') {
    if (set.length > 0) throw invalidVariable(set[0] as string, `KAFKA_SECURITY_PROTOCOL is ${protocol}; TLS settings need SSL or SASL_SSL`);
    return undefined;
  }
  if ((v.KAFKA_SSL_CERT_FILE === undefined) !== (v.KAFKA_SSL_KEY_FILE === undefined)) {
    throw invalidVariable(v.KAFKA_SSL_CERT_FILE ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE', 'a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE');
  }
  // Without a CA file, Node's own roots verify the broker: what managed clusters with public certificates need.
  return {
    ...(v.KAFKA_SSL_CA_FILE ? { ca: readPem('KAFKA_SSL_CA_FILE', v.KAFKA_SSL_CA_FILE, cwd) } : {}),
    ...(v.KAFKA_SSL_CERT_FILE ? { cert: readPem('KAFKA_SSL_CERT_FILE', v.KAFKA_SSL_CERT_FILE, cwd) } : {}),
    ...(v.KAFKA_SSL_KEY_FILE ? { key: readPem('KAFKA_SSL_KEY_FILE', v.KAFKA_SSL_KEY_FILE, cwd) } : {}),
    ...(v.KAFKA_SSL_KEY_PASSWORD ? { passphrase: v.KAFKA_SSL_KEY_PASSWORD } : {}),
  };
}

/** The Kafka security settings of the environment, or a CONFIG_INVALID error naming the variable to fix. */
export function kafkaSecurityOf(v: KafkaSecurityVariables, cwd = process.cwd()): KafkaSecurity {
  const protocol = protocolOf(v);
  const ssl = tlsOf(v, protocol, cwd);
  const sasl = saslOf(v, protocol);
  return Object.freeze({ protocol, ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) });
}

/** sslmode values with libpq's meaning (node-postgres's own reading of them differs). */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * DATABASE_URL with TLS as libpq reads it: `sslmode` keeps libpq's meaning (require encrypts
 * without verifying unless a CA is given), and DATABASE_SSL_CA_FILE becomes `sslrootcert`,
 * implying verify-full when the URL names no mode.
 */
export function withPostgresTls(databaseUrl: string, caFile: string | undefined, cwd = process.cwd()): string {
  const url = new URL(databaseUrl);
  const params = url.searchParams;
  const mode = params.get('sslmode');
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw invalidVariable('DATABASE_URL', `sslmode=${mode} is not supported; use one of ${SSL_MODES.join(', ')}`);
  }
  if (caFile !== undefined) {
    if (params.has('sslrootcert')) throw invalidVariable('DATABASE_SSL_CA_FILE', 'DATABASE_URL already names sslrootcert: set one of them');
    const file = isAbsolute(caFile) ? caFile : resolve(cwd, caFile);
    readPem('DATABASE_SSL_CA_FILE', file, cwd);
    params.set('sslrootcert', file);
    if (mode === null) params.set('sslmode', 'verify-full');
  }
  const effective = params.get('sslmode');
  if (effective === 'verify-ca' && !params.has('sslrootcert')) {
    throw invalidVariable('DATABASE_SSL_CA_FILE', 'sslmode=verify-ca needs the CA that signed the server certificate');
  }
  if (effective !== null && !params.has('uselibpqcompat')) params.set('uselibpqcompat', 'true');
  return url.toString();
}
