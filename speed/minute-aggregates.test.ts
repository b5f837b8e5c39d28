import { describe, expect, it } from 'vitest';
import { emptyMetrics, type TelemetryRecord } from '../telemetry/index.ts';
import { aggregateMinutes, latestPerHost } from './minute-aggregates.ts';

const at = (minute: number, second: number) => Date.UTC(2026, 10, 20, 10, minute, second);
const record = (host: string, ts: number, temp: number | null, cpu: number | null): TelemetryRecord => ({
  ...emptyMetrics(), event_id: `${host}-${ts}`, ts, region: 'usa', host_id: host, source: 'live', temp_c: temp, cpu_pct: cpu,
});

describe('minute aggregates', () => {
  const records = [record('a', at(0, 5), 50, 10), record('a', at(0, 35), null, 30), record('b', at(0, 10), 70, null), record('a', at(1, 0), 60, 20)];

  it('count, sum, min and max each metric per host and minute, skipping missing values', () => {
    const { hosts } = aggregateMinutes(records, 2);
    expect(hosts).toHaveLength(3);
    expect(hosts[0]).toMatchObject({ hostId: 'a', minute: at(0, 0), n: 2 });
    expect(hosts[0]?.metrics.temp_c).toEqual({ n: 1, sum: 50, min: 50, max: 50 });
    expect(hosts[0]?.metrics.cpu_pct).toEqual({ n: 2, sum: 40, min: 10, max: 30 });
    expect(hosts[0]?.metrics.power_w).toEqual({ n: 0, sum: null, min: null, max: null });
  });

  it('also per region and minute, tagged with the shard (Kafka partition)', () => {
    const { regions } = aggregateMinutes(records, 2);
    expect(regions.map((r) => [r.minute, r.n, r.shard])).toEqual([[at(0, 0), 3, 2], [at(1, 0), 1, 2]]);
    expect(regions[0]?.metrics.temp_c).toEqual({ n: 2, sum: 120, min: 50, max: 70 });
  });

  it('keep the latest record of each host', () => {
    expect(latestPerHost(records).map((r) => [r.host_id, r.ts])).toEqual([['a', at(1, 0)], ['b', at(0, 10)]]);
  });
});
