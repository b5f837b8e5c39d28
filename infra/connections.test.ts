import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pulse-connections-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const SECRET = 'sasl-secret-value-42';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('Kafka security settings', () => {
  it('is plaintext with no settings, and needs nothing else', () => {
    const { kafka } = loadConfig({});
    expect(kafka).toEqual({ brokers: ['localhost:9092'], security: { protocol: 'PLAINTEXT' } });
  });

  it('means SASL_SSL when only a mechanism is named, trusting the system roots without a CA file', () => {
    const { security } = loadConfig({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET }).kafka;
    expect(security).toEqual({ protocol: 'SASL_SSL', ssl: {}, sasl: { mechanism: 'scram-sha-256', username: 'u', password: SECRET } });
  });

  it('reads the password, the user name and the key passphrase from *_FILE, and the PEM files named', () => {
    const { security } = loadConfig({
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME_FILE: file('user', 'api-key\n'),
      KAFKA_SASL_PASSWORD_FILE: file('pw', `${SECRET}\n`), KAFKA_SSL_CA_FILE: file('ca.pem', PEM),
      KAFKA_SSL_CERT_FILE: file('cert.pem', PEM), KAFKA_SSL_KEY_FILE: file('key.pem', PEM), KAFKA_SSL_KEY_PASSWORD_FILE: file('kp', 'kp\n'),
    }).kafka;
    expect(security).toEqual({
      protocol: 'SASL_SSL', sasl: { mechanism: 'plain', username: 'api-key', password: SECRET },
      ssl: { ca: PEM, cert: PEM, key: PEM, passphrase: 'kp' },
    });
  });

  it('means SSL when only a CA file is given', () => {
    expect(loadConfig({ KAFKA_SSL_CA_FILE: file('ca2.pem', PEM) }).kafka.security).toEqual({ protocol: 'SSL', ssl: { ca: PEM } });
  });

  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }, 'KAFKA_SASL_MECHANISM: SASL_SSL needs a mechanism'],
    [{ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: SECRET }, 'KAFKA_SASL_USERNAME: SASL_SSL needs a user name'],
    [{ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD: SASL_SSL needs a password'],
    [{ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET }, 'KAFKA_SASL_MECHANISM: KAFKA_SECURITY_PROTOCOL is PLAINTEXT'],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_FILE: '/x.pem', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: SECRET }, 'KAFKA_SSL_CA_FILE: KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT'],
    [{ KAFKA_SSL_CERT_FILE: '/c.pem' }, 'KAFKA_SSL_KEY_FILE: a client certificate needs both'],
    [{ KAFKA_SSL_CA_FILE: join(dir, 'absent.pem') }, `KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'absent.pem')} (ENOENT)`],
    [{ KAFKA_SSL_CA_FILE: file('not.pem', 'hello') }, 'KAFKA_SSL_CA_FILE: '],
    [{ KAFKA_SASL_MECHANISM: 'GSSAPI' }, 'KAFKA_SASL_MECHANISM'],
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL'],
  ])('refuses %j, naming the variable to fix and never the password', (env, message) => {
    const text = configError(env as Record<string, string>);
    expect(text).toContain(message);
    expect(text).not.toContain(SECRET);
  });
});

describe('PostgreSQL over TLS', () => {
  const base = 'postgres://pulse:pw@db.example.com:5432/pulse';
  const params = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('leaves a URL without TLS settings as it is', () => {
    expect(loadConfig({ DATABASE_URL: base }).databaseUrl).toBe(base);
  });

  it('gives sslmode its libpq meaning', () => {
    expect(params(loadConfig({ DATABASE_URL: `${base}?sslmode=require` }).databaseUrl)).toEqual({ sslmode: 'require', uselibpqcompat: 'true' });
  });

  it('turns DATABASE_SSL_CA_FILE into sslrootcert, with verify-full unless the URL names a mode', () => {
    const ca = file('pg-ca.pem', PEM);
    expect(params(loadConfig({ DATABASE_URL: base, DATABASE_SSL_CA_FILE: ca }).databaseUrl)).toEqual({ sslrootcert: ca, sslmode: 'verify-full', uselibpqcompat: 'true' });
    expect(params(loadConfig({ DATABASE_URL: `${base}?sslmode=verify-ca`, DATABASE_SSL_CA_FILE: ca }).databaseUrl).sslmode).toBe('verify-ca');
  });

  it.each([
    [{ DATABASE_URL: `${base}?sslmode=allow` }, 'DATABASE_URL: sslmode=allow is not supported'],
    [{ DATABASE_URL: `${base}?sslmode=verify-ca` }, 'DATABASE_SSL_CA_FILE: sslmode=verify-ca needs the CA'],
    [{ DATABASE_URL: base, DATABASE_SSL_CA_FILE: join(dir, 'absent.pem') }, 'DATABASE_SSL_CA_FILE: cannot read'],
  ])('refuses %j, naming the variable to fix and never the password', (env, message) => {
    const text = configError(env);
    expect(text).toContain(message);
    expect(text).not.toContain(':pw@');
  });
});
