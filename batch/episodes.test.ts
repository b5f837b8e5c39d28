// The end state of a day's stepping, when a later end (a moved watermark) would change it,
// and stepping a day on from where an earlier run stopped.

import { describe, expect, it } from 'vitest';
import { ALERT_SILENCE_MS, NO_HOST_ALERTS, THRESHOLD_RULES } from '../telemetry/index.ts';
import { parseCarry, parseProgress, serializeCarry, serializeProgress, stepDay, wouldSilence, type Carry, type DayColumns, type HostCarry } from './episodes.ts';

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

/** Readings of hosts as day columns, sorted by host and time as silver is. */
function columns(readings: { host: string; at: number; cpu: number }[]): DayColumns {
  const sorted = [...readings].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.at - b.at));
  const hosts: DayColumns['hosts'] = [];
  for (const r of sorted) {
    const last = hosts.at(-1);
    if (last?.host === r.host) last.rows += 1;
    else hosts.push({ region: 'lab', host: r.host, rows: 1 });
  }
  return { ts_ms: Float64Array.from(sorted.map((r) => r.at)), hosts, metrics: { cpu_pct: Float64Array.from(sorted.map((r) => r.cpu)) }, eventIds: async () => [] };
}

describe('a day stepped on from its progress', () => {
  const DAY_START = Date.UTC(2026, 10, 1);
  const minute = (m: number) => DAY_START + m * 60_000;
  // h1 fires at 99 % across the split and clears after it; h2 fires before it and falls silent;
  // h3 is heard from only after it; h4 only in the day before, firing when the day starts.
  const before = [
    ...Array.from({ length: 20 }, (_, m) => ({ host: 'h1', at: minute(m), cpu: m >= 15 ? 99 : 40 })),
    ...Array.from({ length: 6 }, (_, m) => ({ host: 'h2', at: minute(m), cpu: 99 })),
  ];
  const after = [
    ...Array.from({ length: 20 }, (_, m) => ({ host: 'h1', at: minute(20 + m), cpu: m < 10 ? 99 : 30 })),
    ...Array.from({ length: 5 }, (_, m) => ({ host: 'h3', at: minute(30 + m), cpu: 99 })),
  ];
  const firing = { phase: 'firing' as const, breaches: 3, since: minute(-30), peak: 97 };
  const h4: HostCarry = { alerts: { lastSeen: minute(-1), rules: THRESHOLD_RULES.map((r, i) => (r.id === 'cpu_critical' ? firing : NO_HOST_ALERTS.rules[i]!)) },
    opened: THRESHOLD_RULES.map((r) => (r.id === 'cpu_critical' ? minute(-30) : null)), anomaly: null, anomalyOpened: null };
  const start: Carry = new Map([['lab/h4', h4]]);
  const step = (rows: DayColumns, resume: ReturnType<typeof stepDay>['progress'] | null, dayEnd: number) =>
    stepDay({ day: '2026-11-01', rows, start, resume, scorer: null, forReadings: 3, dayEnd });
  const sortSegments = (segments: ReturnType<typeof stepDay>['segments']) => [...segments].sort((a, b) => `${a.host_id}${a.rule}${a.opened_at}`.localeCompare(`${b.host_id}${b.rule}${b.opened_at}`));

  it('gives the segments and end state of stepping the whole day, whatever end the first part was stepped to', () => {
    const whole = step(columns([...before, ...after]), null, minute(45));
    // The first part was ended at a watermark long after its readings: its end silenced h1's
    // episode, which the later readings carry on.
    const first = step(columns(before), null, minute(120));
    const resumed = step(columns(after), parseProgress(serializeProgress(first.progress)), minute(45));
    expect(sortSegments(resumed.segments)).toEqual(sortSegments(whole.segments));
    expect(serializeCarry(resumed.carry)).toBe(serializeCarry(whole.carry));
    const h1 = resumed.segments.filter((s) => s.host_id === 'h1');
    expect(h1).toMatchObject([{ rule: 'cpu_critical', opened_at: minute(17), closed_by: 'clear' }]);
    expect(resumed.segments.filter((s) => s.host_id === 'h2' && s.closed_by === 'silence')).toHaveLength(1);
    expect(resumed.segments.filter((s) => s.host_id === 'h3' && s.resolved_at === null)).toHaveLength(1);
    expect(resumed.segments.filter((s) => s.host_id === 'h4' && s.closed_by === 'silence')).toHaveLength(1);
  });

  it('keeps its progress apart from the end applied after it', () => {
    const first = step(columns(before), null, minute(120));
    // Silence at minute 120 closed h1's and h2's episodes; the progress still holds them open.
    expect(first.segments.filter((s) => s.closed_by === 'silence').map((s) => s.host_id).sort()).toEqual(['h1', 'h2', 'h4']);
    expect([...first.progress.hosts.get('lab/h1')!.open.values()]).toMatchObject([{ rule: 'cpu_critical', resolved_at: null }]);
    expect(parseCarry(serializeCarry(first.carry)).get('lab/h1')!.alerts.rules.every((r) => r.phase === 'inactive')).toBe(true);
  });
});
