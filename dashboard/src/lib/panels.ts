// Derivations the panels draw: anomaly marks (at most one per series and bucket of the
// chart, the strongest), the volume bars, the temperature bars, the rows of the readings
// table, and how many bars a playback cursor has reached. Each is one pass over its rows.

import { cpuLevel, type AnomalyPoint, type HistogramBin, type HostLatest, type VolumeResponse } from '../../../telemetry/index.ts';
import type { HostBucket } from './playback-frames.ts';
import type { Series } from './series.ts';
import { fmt } from './time.ts';

export interface Mark { x: number; y: number | null; label: string }

/**
 * Anomalous readings as marks on their host's (or region's) line: the strongest per series and
 * 1/120th of the span, and of a run of such slots only the first, so an anomaly that lasts an
 * hour is one mark where it began, not a red line.
 */
export function anomalyMarks(series: readonly Series[], anomalies: readonly AnomalyPoint[], span: number): Mark[] {
  if (series.length === 0) return [];
  const width = Math.max(60_000, span / 120);
  // The first series named by the host or the region (series are of hosts or of regions), else the first.
  const position = new Map<string, number>();
  series.forEach((s, i) => position.set(s.label, position.get(s.label) ?? i));
  const lineOf = (a: AnomalyPoint) => series[Math.min(position.get(a.host_id) ?? Infinity, position.get(a.region) ?? Infinity)] ?? series[0]!;
  const strongest = new Map<string, { anomaly: AnomalyPoint; line: Series; slot: number }>();
  for (const a of anomalies) {
    const line = lineOf(a);
    const slot = Math.floor(Date.parse(a.ts) / width);
    const key = `${line.label}@${slot}`;
    const held = strongest.get(key);
    if (!held || Number(a.score) > Number(held.anomaly.score)) strongest.set(key, { anomaly: a, line, slot });
  }
  const marks: Mark[] = [];
  for (const { anomaly: a, line, slot } of strongest.values()) {
    if (strongest.has(`${line.label}@${slot - 1}`) || strongest.has(`${line.label}@${slot - 2}`)) continue; // one empty slot does not end a run
    const x = Date.parse(a.ts);
    const nearest = line.points.reduce((best, p) => (p.y !== null && Math.abs(p.x - x) < Math.abs(best.x - x) ? p : best), line.points[0] ?? { x, y: null });
    marks.push({ x, y: nearest.y, label: `${a.host_id}: ${a.metric ?? '—'} ${a.reason === 'flatline' ? 'stuck' : `z ${fmt(a.z, 1)}`}, score ${fmt(a.score, 2)}` });
  }
  return marks;
}

export interface Bars { labels: string[]; datasets: { label: string; stack?: string; data: number[] }[] }

/** Stacked bars of readings per (region · origin) and time, with the time each bar stands for. */
export function volumeBars(volume: VolumeResponse | null): Bars & { times: number[] } {
  const rows = volume?.series ?? [];
  const times = [...new Set(rows.map((r) => r.t))].sort();
  const column = new Map(times.map((t, i) => [t, i]));
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.region} · ${r.origin}`;
    let data = byKey.get(key);
    if (!data) byKey.set(key, (data = new Array<number>(times.length).fill(0)));
    data[column.get(r.t)!]! += Number(r.n);
  }
  return {
    labels: times.map((t) => t.slice(5, 16).replace('T', ' ')), times: times.map((t) => Date.parse(t)),
    datasets: [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([label, data]) => ({ label, stack: 'v', data })),
  };
}

/** The temperature distribution as bars labelled by their range in °C; `counted` names what the bars count. */
export function temperatureBars(bins: readonly HistogramBin[], counted: string): Bars {
  return { labels: bins.map((b) => `${fmt(b.from, 0)}–${fmt(b.to, 0)}`), datasets: [{ label: counted, data: bins.map((b) => b.n) }] };
}

/** A row of the readings table. */
export type FeedRow = Pick<HostLatest, 'ts' | 'host_id' | 'region' | 'temp_c' | 'cpu_pct' | 'cpu_level'>;

/** Live: the `limit` newest of the hosts' latest readings. */
export function latestFeed(hosts: readonly HostLatest[], limit = 15): FeedRow[] {
  return [...hosts].sort((a, b) => b.ts.localeCompare(a.ts)).slice(0, limit);
}

/** Playback: the hosts' buckets at the cursor as rows of the same table. */
export function bucketFeed(buckets: readonly HostBucket[]): FeedRow[] {
  return buckets.map((b) => ({ ts: new Date(b.t).toISOString(), host_id: b.host, region: b.region, temp_c: b.temp, cpu_pct: b.cpu, cpu_level: cpuLevel(b.cpu) }));
}

/** How many of the sorted bar times are at or before `at`: the bars a playback cursor has reached. */
export function barsReached(times: readonly number[], at: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
