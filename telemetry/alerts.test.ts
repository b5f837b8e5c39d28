import { describe, expect, it } from 'vitest';
import { cpuLevel, isCritical, THRESHOLD_RULES } from './index.ts';

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
