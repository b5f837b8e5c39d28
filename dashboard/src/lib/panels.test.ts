import { describe, expect, it } from 'vitest';
import type { AnomalyPoint, HostLatest, VolumeResponse } from '../../../telemetry/index.ts';
import { anomalyMarks, barsReached, bucketFeed, latestFeed, temperatureBars, volumeBars } from './panels.ts';

const MINUTE = 60_000;
const anomaly = (host_id: string, minute: number, score: number, extra: Partial<AnomalyPoint> = {}): AnomalyPoint => ({
  event_id: `${host_id}-${minute}`, ts: new Date(minute * MINUTE).toISOString(), region: 'lab', host_id, score, metric: 'cpu_pct', value: 90, z: 5,
  reason: 'isolation', model_version: 1, origin: 'realtime', ...extra,
});
const flat = (label: string, y: number) => ({ label, points: Array.from({ length: 60 }, (_, m) => ({ x: m * MINUTE, y })) });

describe('anomaly marks', () => {
  it('mark where a run of anomalous readings begins, not every reading of it', () => {
    const run = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => anomaly('h1', from + i, 1 + i / 100));
    const marks = anomalyMarks([flat('h1', 10)], [...run(5, 25), ...run(40, 42)], 3_600_000);
    expect(marks.map((m) => m.x / MINUTE)).toEqual([5, 40]);
  });

  it('sit on the line of their host, or of their region, at the value nearest in time', () => {
    const marks = anomalyMarks([flat('h1', 10), flat('h2', 20), flat('lab', 30)], [anomaly('h2', 10, 1), anomaly('h9', 30, 1)], 3_600_000);
    expect(marks.map((m) => m.y)).toEqual([20, 30]);
  });

  it('keep the strongest anomaly of a slot and say what it was', () => {
    const marks = anomalyMarks([flat('h1', 10)], [anomaly('h1', 10, 0.5), anomaly('h1', 10, 0.9, { metric: 'temp_c', z: 7.25 }), anomaly('h1', 50, 0.7, { reason: 'flatline' })], 3_600_000);
    expect(marks.map((m) => m.label)).toEqual(['h1: temp_c z 7.3, score 0.90', 'h1: cpu_pct stuck, score 0.70']);
  });

  it('are none without a line to put them on', () => {
    expect(anomalyMarks([], [anomaly('h1', 1, 1)], 3_600_000)).toEqual([]);
  });
});

describe('volume bars', () => {
  const volume: VolumeResponse = {
    series: ['2026-11-01T00:00:00Z', '2026-11-01T00:30:00Z', '2026-11-01T01:00:00Z'].flatMap((t) => [
      { t, region: 'india', origin: 'batch' as const, n: 10 }, { t, region: 'usa', origin: 'batch' as const, n: 20 },
    ]),
    totals: { batch: 90, realtime: 0 }, ingest_rate: 0, rejects: {},
  };

  it('keep every bar of the window, with the time each stands for', () => {
    const bars = volumeBars(volume);
    expect(bars.times).toEqual([0, 30, 60].map((m) => Date.parse('2026-11-01T00:00:00Z') + m * MINUTE));
    expect(bars.datasets.map((d) => d.data)).toEqual([[10, 10, 10], [20, 20, 20]]);
  });

  it('stack one dataset per region and origin, zero where a bucket has no readings of it', () => {
    const t = '2026-11-01T00:00:00Z';
    const later = '2026-11-01T00:30:00Z';
    const bars = volumeBars({ ...volume, series: [{ t, region: 'usa', origin: 'realtime', n: 5 }, { t, region: 'india', origin: 'batch', n: 3 }, { t: later, region: 'india', origin: 'batch', n: 4 }] });
    expect(bars.datasets).toEqual([{ label: 'india · batch', stack: 'v', data: [3, 4] }, { label: 'usa · realtime', stack: 'v', data: [5, 0] }]);
    expect(bars.labels).toEqual(['11-01 00:00', '11-01 00:30']);
  });

  it('count as reached the bars whose time the cursor is at or past', () => {
    const { times } = volumeBars(volume);
    const at = (iso: string) => barsReached(times, Date.parse(iso));
    expect([at('2026-10-31T23:59:00Z'), at('2026-11-01T00:00:00Z'), at('2026-11-01T00:45:00Z'), at('2026-11-01T02:00:00Z')]).toEqual([0, 1, 2, 3]);
  });

  it('are empty before the first answer', () => {
    expect(volumeBars(null)).toEqual({ labels: [], times: [], datasets: [] });
  });
});

describe('temperature bars', () => {
  it('label each bin by its range in whole degrees and count what they are told to', () => {
    expect(temperatureBars([{ from: 30, to: 32.5, n: 4 }, { from: 32.5, to: 35, n: 1 }], 'hosts')).toEqual({ labels: ['30–33', '33–35'], datasets: [{ label: 'hosts', data: [4, 1] }] });
  });
});

describe('the readings table', () => {
  const host = (host_id: string, ts: string): HostLatest => ({
    region: 'lab', host_id, ts, event_id: host_id, temp_c: 40, cpu_pct: 60, mem_pct: null, disk_pct: null, net_in_kbps: null, net_out_kbps: null, voltage_v: null, power_w: null, cpu_level: 'MEDIUM',
  });

  it('lists live the newest latest readings first, at most the limit', () => {
    const hosts = [host('a', '2026-11-01T00:00:00.000Z'), host('b', '2026-11-01T00:02:00.000Z'), host('c', '2026-11-01T00:01:00.000Z')];
    expect(latestFeed(hosts, 2).map((h) => h.host_id)).toEqual(['b', 'c']);
    expect(hosts.map((h) => h.host_id)).toEqual(['a', 'b', 'c']); // the state it is derived from stays as it was
  });

  it('shows in playback each host bucket at the cursor with its CPU level', () => {
    expect(bucketFeed([{ host: 'a', region: 'lab', t: 0, n: 60, cpu: 85, temp: 41, power: null }])).toEqual([
      { ts: '1970-01-01T00:00:00.000Z', host_id: 'a', region: 'lab', temp_c: 41, cpu_pct: 85, cpu_level: 'HIGH' },
    ]);
  });
});
