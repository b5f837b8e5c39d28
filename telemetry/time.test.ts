import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatIstTime, parseIsoInstant, parseIstTime, parseLocalTime } from './index.ts';

describe('IST local time', () => {
  it('converts India wall-clock time to UTC (+05:30, no DST)', () => {
    expect(parseIstTime('2026-01-15 05:30:00')).toBe(Date.UTC(2026, 0, 15, 0, 0, 0));
    expect(parseIstTime('2026-07-01 00:00:00')).toBe(Date.UTC(2026, 5, 30, 18, 30, 0));
  });

  it('refuses days and times that do not exist', () => {
    expect(parseIstTime('2026-02-30 10:00:00')).toBeNull();
    expect(parseIstTime('2026-13-01 10:00:00')).toBeNull();
    expect(parseIstTime('2026-01-01 24:00:00')).toBeNull();
    expect(parseIstTime('yesterday')).toBeNull();
  });

  it('round-trips through formatIstTime for any second', () => {
    const instants = fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 });
    fc.assert(fc.property(instants, (s) => parseIstTime(formatIstTime(s * 1000)) === s * 1000));
  });

  it('does not depend on the process time zone', () => {
    expect(process.env['TZ']).not.toBe('UTC');
    expect(parseLocalTime('2026-03-08 02:30:00', 0)).toBe(Date.UTC(2026, 2, 8, 2, 30));
  });
});

describe('ISO instants', () => {
  it('accepts instants with a zone designator', () => {
    expect(parseIsoInstant('2026-01-15T10:00:00Z')).toBe(Date.UTC(2026, 0, 15, 10));
    expect(parseIsoInstant('2026-01-15T10:00:00.250+01:00')).toBe(Date.UTC(2026, 0, 15, 9, 0, 0, 250));
  });

  it('refuses zone-less or malformed text, and days that do not exist', () => {
    expect(parseIsoInstant('2026-01-15T10:00:00')).toBeNull();
    expect(parseIsoInstant('2026-01-15T10:00Z')).toBeNull();
    expect(parseIsoInstant('2026-02-30T10:00:00Z')).toBeNull();
    expect(parseIsoInstant('2026-01-15T10:00:00+0530')).toBeNull();
    expect(parseIsoInstant('2026-01-15')).toBeNull();
    expect(parseIsoInstant('not a time')).toBeNull();
  });
});
