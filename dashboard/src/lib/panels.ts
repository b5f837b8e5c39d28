// Derivations the panels draw: anomaly marks (at most one per series and bucket of the
// chart, the strongest), the volume bars, and how many bars a playback cursor has reached.
// Each is one pass over its rows.

import type { Json } from './api.ts';
import type { Series } from './series.ts';
import { fmt } from './time.ts';

export interface Mark { x: number; y: number | null; label: string }

/**
 * Anomalous readings as marks on their host's (or region's) line: the strongest per series and
 * 1/120th of the span, and of a run of such slots only the first, so an anomaly that lasts an
 * hour is one mark where it began, not a red line.
 */
export function anomalyMarks(series: readonly Series[], anomalies: readonly Json[], span: number): Mark[] {
  if (series.length === 0) return [];
  const width = Math.max(60_000, span / 120);
  const strongest = new Map<string, Json>();
  for (const a of anomalies) {
    const line = series.find((s) => s.label === a['host_id'] || s.label === a['region']) ?? series[0]!;
    const key = `${line.label}@${Math.floor(Date.parse(a['ts']) / width)}`;
    const held = strongest.get(key);
    if (!held || Number(a['score']) > Number(held['score'])) strongest.set(key, { ...a, line: line.label });
  }
  const onsets = [...strongest.entries()].filter(([key]) => {
    const [line, slot] = [key.slice(0, key.lastIndexOf('@')), Number(key.slice(key.lastIndexOf('@') + 1))];
    return !strongest.has(`${line}@${slot - 1}`) && !strongest.has(`${line}@${slot - 2}`); // one empty slot does not end a run
  }).map(([, a]) => a);
  return onsets.map((a) => {
    const x = Date.parse(a['ts']);
    const line = series.find((s) => s.label === a['line'])!;
    const nearest = line.points.reduce((best, p) => (p.y !== null && Math.abs(p.x - x) < Math.abs(best.x - x) ? p : best), line.points[0] ?? { x, y: null });
    return { x, y: nearest.y, label: `${a['host_id']}: ${a['metric'] ?? '—'} ${a['reason'] === 'flatline' ? 'stuck' : `z ${fmt(a['z'], 1)}`}, score ${fmt(a['score'], 2)}` };
  });
}

/** Stacked bars of readings per (region · origin) and time, up to `until` when given. */
export function volumeBars(volume: Json | null): { labels: string[]; times: number[]; datasets: { label: string; stack: string; data: number[] }[] } {
  const rows = (volume?.['series'] ?? []) as Json[];
  const times = [...new Set(rows.map((r) => r['t'] as string))].sort();
  const column = new Map(times.map((t, i) => [t, i]));
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r['region']} · ${r['origin']}`;
    let data = byKey.get(key);
    if (!data) byKey.set(key, (data = new Array<number>(times.length).fill(0)));
    data[column.get(r['t'])!]! += Number(r['n']);
  }
  return {
    labels: times.map((t) => t.slice(5, 16).replace('T', ' ')), times: times.map((t) => Date.parse(t)),
    datasets: [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([label, data]) => ({ label, stack: 'v', data })),
  };
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
