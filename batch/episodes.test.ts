// The end state of a day's stepping, and when a later end (a moved watermark) would change it.

import { describe, expect, it } from 'vitest';
import { ALERT_SILENCE_MS, NO_HOST_ALERTS, THRESHOLD_RULES } from '../telemetry/index.ts';
import { wouldSilence, type Carry, type HostCarry } from './episodes.ts';

const SEEN = Date.UTC(2026, 10, 1, 12);
const host = (phase: 'inactive' | 'pending' | 'firing', lastSeen: number | null): HostCarry => ({
  alerts: { lastSeen, rules: THRESHOLD_RULES.map((_, i) => (i === 0 && phase !== 'inactive' ? { phase, breaches: 3, since: SEEN, peak: 95 } : NO_HOST_ALERTS.rules[i]!)) },
  opened: THRESHOLD_RULES.map(() => null), anomaly: null, anomalyOpened: null,
});
const carry = (...hosts: HostCarry[]): Carry => new Map(hosts.map((h, i) => [`lab/h${i}`, h]));

describe('a later end of the day', () => {
  it('changes nothing while every open episode\'s host was heard from within the silence span', () => {
    expect(wouldSilence(carry(host('firing', SEEN), host('pending', SEEN)), SEEN + ALERT_SILENCE_MS)).toBe(false);
  });

  it('closes a firing or pending episode of a host silent for longer than the span', () => {
    expect(wouldSilence(carry(host('firing', SEEN)), SEEN + ALERT_SILENCE_MS + 1)).toBe(true);
    expect(wouldSilence(carry(host('pending', SEEN)), SEEN + ALERT_SILENCE_MS + 1)).toBe(true);
  });

  it('leaves hosts with nothing open alone, however long they have been silent', () => {
    expect(wouldSilence(carry(host('inactive', SEEN), host('inactive', null)), SEEN + 30 * ALERT_SILENCE_MS)).toBe(false);
  });

  it('closes an open anomaly episode of a silent host', () => {
    const quiet = { ...host('inactive', SEEN), anomaly: { alert: { phase: 'firing' as const, breaches: 3, since: SEEN, peak: 2 }, last: [], runs: [], lastSeen: SEEN } };
    expect(wouldSilence(carry(quiet), SEEN + ALERT_SILENCE_MS + 1)).toBe(true);
  });
});
