import { describe, expect, it } from 'vitest';
import { ALERT_SILENCE_MS, cpuLevel, INACTIVE, isCritical, NO_HOST_ALERTS, silenceHostAlerts, stepAlert, stepHostAlerts, THRESHOLD_RULES } from './index.ts';

describe('CPU levels', () => {
  it.each([
    [95, 'HIGH'], [80.01, 'HIGH'], [80, 'MEDIUM'], [50.01, 'MEDIUM'], [50, 'NORMAL'], [0, 'NORMAL'],
  ] as const)('%s %% is %s', (cpu, level) => {
    expect(cpuLevel(cpu)).toBe(level);
  });

  it('is unknown when CPU is not reported', () => {
    expect(cpuLevel(null)).toBeNull();
  });
});

describe('critical readings', () => {
  it('are strictly above 90 °C or 90 % CPU', () => {
    expect(isCritical({ temp_c: 90.1, cpu_pct: 10 })).toBe(true);
    expect(isCritical({ temp_c: 40, cpu_pct: 90.01 })).toBe(true);
    expect(isCritical({ temp_c: 90, cpu_pct: 90 })).toBe(false);
    expect(isCritical({ temp_c: null, cpu_pct: null })).toBe(false);
  });

  it('clear below a lower threshold than they fire at (hysteresis)', () => {
    for (const rule of THRESHOLD_RULES) expect(rule.clearBelow).toBeLessThan(rule.fireAbove);
  });
});

describe('alert lifecycle (stepAlert)', () => {
  const rule = THRESHOLD_RULES.find((r) => r.id === 'temp_critical')!;
  function run(values: (number | null)[], forReadings = 3) {
    let state = INACTIVE;
    const changes: string[] = [];
    values.forEach((value, i) => {
      const step = stepAlert(state, rule, value, i * 1000, forReadings);
      state = step.state;
      if (step.change) changes.push(`${i}:${step.change.type}`);
    });
    return { state, changes };
  }

  it('fires only after the condition holds for the configured number of readings', () => {
    expect(run([91, 92]).changes).toEqual([]);
    expect(run([91, 92, 93]).changes).toEqual(['2:fired']);
    expect(run([91, 92, 80, 91, 92]).changes).toEqual([]);
  });

  it('records when the breach began and its peak', () => {
    let state = INACTIVE;
    const changes = [91, 95, 92].map((v, i) => {
      const step = stepAlert(state, rule, v, 1000 * i);
      state = step.state;
      return step.change;
    });
    expect(changes[2]).toEqual({ type: 'fired', at: 2000, since: 0, value: 92, peak: 95 });
  });

  it('does not flap around the limit: it resolves only below the clear threshold', () => {
    expect(run([91, 92, 93, 89, 91, 88, 86, 91]).changes).toEqual(['2:fired']);
    expect(run([91, 92, 93, 89, 84.9]).changes).toEqual(['2:fired', '4:resolved']);
  });

  it('reports a new peak while firing', () => {
    expect(run([91, 92, 93, 97, 95]).changes).toEqual(['2:fired', '3:peaked']);
  });

  it('ignores readings where the metric is missing', () => {
    expect(run([91, null, 92, null, 93]).changes).toEqual(['4:fired']);
  });

  it('can fire again after resolving', () => {
    expect(run([91, 92, 93, 50, 91, 92, 93], 3).changes).toEqual(['2:fired', '3:resolved', '6:fired']);
  });
});

describe('a host that falls silent', () => {
  const MIN = 60_000;
  const feed = (readings: [number, number][]) => {
    let host = NO_HOST_ALERTS;
    const changes: { rule: string; type: string; at: number; silent?: true }[] = [];
    for (const [minute, temp] of readings) {
      const stepped = stepHostAlerts(host, { ts: minute * MIN, temp_c: temp, cpu_pct: 10 }, 3);
      host = stepped.host;
      for (const c of stepped.changes) changes.push({ rule: c.rule.id, type: c.change.type, at: c.change.at, ...(c.change.type === 'resolved' && c.change.silent ? { silent: true as const } : {}) });
    }
    return { host, changes };
  };

  it('has its firing episode resolved at its last reading + ALERT_SILENCE_MS when it reports again later', () => {
    const { changes } = feed([[0, 91], [1, 92], [2, 93], [40, 70]]);
    expect(changes).toEqual([
      { rule: 'temp_critical', type: 'fired', at: 2 * MIN },
      { rule: 'temp_critical', type: 'resolved', at: 2 * MIN + ALERT_SILENCE_MS, silent: true },
    ]);
  });

  it('keeps its episode through a gap no longer than ALERT_SILENCE_MS', () => {
    const { changes } = feed([[0, 91], [1, 92], [2, 93], [2 + ALERT_SILENCE_MS / MIN, 94]]);
    expect(changes.map((c) => c.type)).toEqual(['fired', 'peaked']);
  });

  it('forgets a pending breach: readings in a row need the host to keep reporting', () => {
    const { changes } = feed([[0, 91], [1, 92], [30, 93], [31, 94]]);
    expect(changes).toEqual([]);
  });

  it('is closed by a sweep at the same instant, without a new reading', () => {
    const { host } = feed([[0, 91], [1, 92], [2, 93]]);
    expect(silenceHostAlerts(host, 2 * MIN + ALERT_SILENCE_MS).changes).toEqual([]);
    const swept = silenceHostAlerts(host, 3 * MIN + ALERT_SILENCE_MS);
    expect(swept.changes.map((c) => [c.rule.id, c.change.type, c.change.at])).toEqual([['temp_critical', 'resolved', 2 * MIN + ALERT_SILENCE_MS]]);
    expect(swept.host.rules.every((r) => r.phase === 'inactive')).toBe(true);
  });
});
