import { describe, expect, it } from 'vitest';
import { alertsAt, BucketIndex, kpisAt, latestAt, temperatureBinsAt, type HostBucket } from './playback-frames.ts';

const H = 3_600_000;
const bucket = (host: string, region: string, t: number, temp: number, cpu: number, power = 300): HostBucket => ({ host, region, t, n: 60, cpu, temp, power });
const buckets = [
  bucket('in-1', 'india', 0, 40, 20), bucket('in-2', 'india', 0, 50, 90), bucket('us-1', 'usa', 0, 30, 60),
  bucket('in-1', 'india', H, 60, 30), bucket('in-2', 'india', H, 70, 95), bucket('us-1', 'usa', H, 35, 40),
];

describe('playback frames', () => {
  const index = new BucketIndex(buckets);

  it('shows the KPIs of the bucket the cursor is in, with deltas against the bucket before', () => {
    const india = kpisAt(index, H + 30 * 60_000).find((k) => k.region === 'india');
    expect(india).toMatchObject({ temp_c: 65, cpu_pct: 62.5, temp_c_delta: 20, active_hosts: 2, power_kw: 0.6, cpu_levels: { HIGH: 1, MEDIUM: 0, NORMAL: 1 } });
    expect(kpisAt(index, 10).find((k) => k.region === 'india')?.temp_c_delta).toBeNull();
  });

  it('changes every panel when the cursor crosses into the next bucket', () => {
    expect(kpisAt(index, H - 1)).not.toEqual(kpisAt(index, H));
    expect(latestAt(index, H - 1).map((b) => b.temp)).toEqual([50, 40, 30]);
    expect(latestAt(index, H).map((b) => b.temp)).toEqual([70, 60, 35]);
    expect(temperatureBinsAt(index, H, 4).reduce((n, b) => n + b.n, 0)).toBe(3);
  });

  it('shows nothing before the first bucket', () => {
    expect(kpisAt(index, -1)).toEqual([]);
    expect(temperatureBinsAt(index, -1)).toEqual([]);
  });

  it('lists the alerts open at the cursor as firing, recent ones as resolved, and hides what came later', () => {
    const alerts = [
      { alert_id: 1, opened_at: new Date(0).toISOString(), resolved_at: new Date(2 * H).toISOString(), status: 'resolved' as const },
      { alert_id: 2, opened_at: new Date(3 * H).toISOString(), resolved_at: null, status: 'firing' as const },
    ];
    expect(alertsAt(alerts, H).map((a) => [a.alert_id, a.status, a.resolved_at])).toEqual([[1, 'firing', null]]);
    expect(alertsAt(alerts, 2.5 * H).map((a) => [a.alert_id, a.status])).toEqual([[1, 'resolved']]);
    expect(alertsAt(alerts, 4 * H).map((a) => [a.alert_id, a.status])).toEqual([[2, 'firing']]);
  });
});
