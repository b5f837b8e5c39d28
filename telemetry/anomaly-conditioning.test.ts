import { describe, expect, it } from 'vitest';
import { conditionedPairs, conditionedZ, fitConditioning } from './index.ts';

/** Power = 100 W + 2 W per CPU % ± 4 W, as a server draws it. */
function serverRows(n: number): (number | null)[][] {
  let seed = 11;
  const noise = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647 - 0.5) * 8;
  return Array.from({ length: n }, (_, i) => {
    const cpu = 10 + ((i * 37) % 80);
    return [cpu, 100 + 2 * cpu + noise()];
  });
}

describe('power conditioned on CPU', () => {
  it('pairs power with CPU where the model has both features', () => {
    expect(conditionedPairs(['cpu_pct', 'mem_pct', 'temp_c', 'power_w'])).toEqual([{ feature: 3, on: 0 }]);
    expect(conditionedPairs(['power_w', 'mem_pct'])).toEqual([]);
  });

  it('calls +60 % power at unchanged load anomalous, and the power of full load normal', () => {
    const line = fitConditioning(serverRows(2_000), 1, 0);
    expect(line?.slope).toBeCloseTo(2, 1);
    const atHalfLoad = 100 + 2 * 50;
    expect(Math.abs(conditionedZ(line!, [50, atHalfLoad]) ?? 99)).toBeLessThan(2);
    expect(conditionedZ(line!, [50, 1.6 * atHalfLoad])).toBeGreaterThan(20);
    // 300 W is ordinary at 100 % CPU, however unusual for this host's power alone.
    expect(Math.abs(conditionedZ(line!, [100, 300]) ?? 99)).toBeLessThan(2);
  });

  it('fits no line from too few pairs or where CPU explains little of the power', () => {
    expect(fitConditioning(serverRows(100), 1, 0)).toBeNull();
    const unrelated = serverRows(2_000).map(([cpu], i) => [cpu ?? null, 200 + ((i * 7919) % 101)]);
    expect(fitConditioning(unrelated, 1, 0)).toBeNull();
  });

  it('judges nothing without both readings', () => {
    const line = fitConditioning(serverRows(2_000), 1, 0)!;
    expect(conditionedZ(line, [null, 200])).toBeNull();
    expect(conditionedZ(line, [50, null])).toBeNull();
  });
});
