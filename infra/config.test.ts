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
});
