import { describe, expect, it } from 'vitest';
import { counterRate, toMetrics, type HostSample } from './host-metrics.ts';

const sample = (at: number, rxBytes: number, txBytes: number): HostSample => ({
  at, cpuPct: 12.5, memPct: 40, diskPct: 70, tempC: null, rxBytes, txBytes,
});

describe('network throughput from counters', () => {
  it('is the byte delta in kilobits per second', () => {
    expect(counterRate(1_000, 126_000, 5)).toBe(200);
  });

  it('is unknown for the first sample and after a counter reset', () => {
    expect(counterRate(undefined, 500, 5)).toBeNull();
    expect(counterRate(10_000, 500, 5)).toBeNull();
  });

  it('fills canonical metrics, leaving unknown ones null', () => {
    const first = toMetrics(sample(0, 0, 0));
    expect(first).toEqual({ cpu_pct: 12.5, mem_pct: 40, disk_pct: 70, temp_c: null, net_in_kbps: null, net_out_kbps: null });
    expect(toMetrics(sample(2000, 25_000, 5_000), sample(0, 0, 0))).toMatchObject({ net_in_kbps: 100, net_out_kbps: 20 });
  });
});
