import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPulseError, loadConfig, redactDatabaseUrl } from './index.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/pulse');
    expect(config).toMatchObject({
      kafkaBrokers: ['localhost:9092'], databaseUrl: 'postgres://pulse:pulse@localhost:5432/pulse',
      dataDir: '/srv/pulse/data', topic: 'telemetry.raw', port: 8080, dbSchema: 'public', logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses durations and sizes of the speed layer', () => {
    expect(loadConfig({ PULSE_EXPIRY_OVERLAP: '90s', PULSE_ARCHIVE_ROLL_MB: '2' }).speed).toMatchObject({
      expiryOverlapMs: 90_000, archiveRollBytes: 2_097_152, archiveRollMs: 300_000, alertForReadings: 3, group: 'pulse-speed',
    });
  });

  it('splits a broker list and treats empty variables as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:1, b:2', PORT: '' }).kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', 'host:99999'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['PORT', 'eighty'],
    ['PULSE_TOPIC', 'bad topic'],
    ['PULSE_DB_SCHEMA', 'public; drop'],
    ['LOG_LEVEL', 'loud'],
    ['PULSE_EXPIRY_OVERLAP', 'an hour'],
    ['PULSE_ALERT_FOR_READINGS', '0'],
  ])('rejects %s=%j with a message naming the variable', (name, value) => {
    try {
      loadConfig({ [name]: value });
      expect.unreachable();
    } catch (error) {
      expect(isPulseError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(`${name}:`);
    }
  });

  it('never prints the database password', () => {
    expect(redactDatabaseUrl('postgres://u:s3cret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });

  describe('secrets from files (*_FILE)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-config-'));
    const secret = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    it('reads the password from DATABASE_PASSWORD_FILE into the URL, less the trailing newline', () => {
      const config = loadConfig({ DATABASE_URL: 'postgres://pulse@db:5432/pulse', DATABASE_PASSWORD_FILE: secret('pw', 'p@ss/word\n') });
      expect(config.databaseUrl).toBe('postgres://pulse:p%40ss%2Fword@db:5432/pulse');
      expect(new URL(config.databaseUrl).password).toBe(encodeURIComponent('p@ss/word'));
    });

    it('reads DATABASE_URL and PULSE_CONTROL_TOKEN from their files', () => {
      const config = loadConfig({ DATABASE_URL_FILE: secret('url', 'postgres://a:b@h:1/d\n'), PULSE_CONTROL_TOKEN_FILE: secret('token', '0123456789abcdef0123') });
      expect(config.databaseUrl).toBe('postgres://a:b@h:1/d');
      expect(config.controlToken).toBe('0123456789abcdef0123');
    });

    it('refuses a variable set both directly and by file, naming it', () => {
      expect(() => loadConfig({ DATABASE_PASSWORD: 'x', DATABASE_PASSWORD_FILE: secret('pw2', 'y') }))
        .toThrow(/^invalid configuration: DATABASE_PASSWORD_FILE: set DATABASE_PASSWORD or DATABASE_PASSWORD_FILE, not both$/);
    });

    it('names the variable and the path of a file it cannot read, never its contents', () => {
      let caught: unknown;
      try {
        loadConfig({ DATABASE_PASSWORD_FILE: join(dir, 'missing') });
      } catch (error) {
        caught = error;
      }
      expect(isPulseError(caught, 'CONFIG_INVALID')).toBe(true);
      expect((caught as Error).message).toBe(`invalid configuration: DATABASE_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`);
    });
  });
});
