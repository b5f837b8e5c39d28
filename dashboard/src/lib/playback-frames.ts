// What every panel shows at a playback cursor, from the host buckets fetched for the chunk
// around it: the KPIs per region, the temperature distribution, the latest reading of each
// host, and the alerts open at that moment. Pure functions of the data and the cursor, so
// a frame costs a pass over one bucket's hosts, never a request.

import { cpuLevel, CPU_LEVELS, type AlertRow } from '../../../telemetry/index.ts';

/** One host's bucket: averages of its readings in [t, t + step). */
export interface HostBucket { host: string; region: string; t: number; n: number; cpu: number | null; temp: number | null; power: number | null }

export interface RegionKpis {
  region: string;
  temp_c: number | null;
  cpu_pct: number | null;
  temp_c_delta: number | null;
  cpu_pct_delta: number | null;
  power_kw: number | null;
  active_hosts: number;
  disk_pct: null;
  cpu_levels: Record<(typeof CPU_LEVELS)[number], number>;
}

/** What alertsAt reads of an alert (the API's AlertRow has more). */
export type AlertTimes = Pick<AlertRow, 'opened_at' | 'resolved_at' | 'status'>;

/** Buckets by time, for the frames of one chunk. */
export class BucketIndex {
  private readonly byTime = new Map<number, HostBucket[]>();
  private readonly maxAge: number;
  readonly times: number[];

  /** `maxAge`: a bucket older than this before the cursor is no longer "at" it (a gap). */
  constructor(buckets: readonly HostBucket[], maxAge = Infinity) {
    this.maxAge = maxAge;
    for (const b of buckets) {
      const list = this.byTime.get(b.t);
      if (list) list.push(b);
      else this.byTime.set(b.t, [b]);
    }
    this.times = [...this.byTime.keys()].sort((a, b) => a - b);
  }

  /** The newest bucket time at or before `cursor`, or null. */
  timeAt(cursor: number): number | null {
    let lo = 0;
    let hi = this.times.length - 1;
    let found: number | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.times[mid] as number;
      if (t <= cursor) {
        found = t;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found !== null && cursor - found <= this.maxAge ? found : null;
  }

  at(t: number | null): HostBucket[] {
    return t === null ? [] : this.byTime.get(t) ?? [];
  }

  before(t: number | null): HostBucket[] {
    if (t === null) return [];
    const i = this.times.indexOf(t);
    return i > 0 ? this.at(this.times[i - 1] as number) : [];
  }
}

function mean(values: readonly (number | null)[], weights: readonly number[]): number | null {
  let sum = 0;
  let weight = 0;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    sum += v * (weights[i] as number);
    weight += weights[i] as number;
  });
  return weight > 0 ? sum / weight : null;
}

function regionKpis(region: string, now: HostBucket[], before: HostBucket[]): RegionKpis {
  const weights = now.map((b) => b.n);
  const temp = mean(now.map((b) => b.temp), weights);
  const cpu = mean(now.map((b) => b.cpu), weights);
  const previousTemp = mean(before.map((b) => b.temp), before.map((b) => b.n));
  const previousCpu = mean(before.map((b) => b.cpu), before.map((b) => b.n));
  const levels = { HIGH: 0, MEDIUM: 0, NORMAL: 0 };
  let power = 0;
  let powered = 0;
  for (const b of now) {
    const level = cpuLevel(b.cpu);
    if (level) levels[level] += 1;
    if (b.power !== null) {
      power += b.power;
      powered += 1;
    }
  }
  return {
    region, temp_c: temp, cpu_pct: cpu,
    temp_c_delta: temp !== null && previousTemp !== null ? temp - previousTemp : null,
    cpu_pct_delta: cpu !== null && previousCpu !== null ? cpu - previousCpu : null,
    power_kw: powered > 0 ? power / 1000 : null, active_hosts: now.length, disk_pct: null, cpu_levels: levels,
  };
}

/** KPIs per region from the hosts' buckets at the cursor, deltas against the bucket before. */
export function kpisAt(index: BucketIndex, cursor: number): RegionKpis[] {
  const t = index.timeAt(cursor);
  const now = index.at(t);
  const before = index.before(t);
  const regions = [...new Set(now.map((b) => b.region))].sort();
  return regions.map((r) => regionKpis(r, now.filter((b) => b.region === r), before.filter((b) => b.region === r)));
}

/** Hosts' average temperatures at the cursor in `bins` equal bins between their extremes. */
export function temperatureBinsAt(index: BucketIndex, cursor: number, bins = 20): { from: number; to: number; n: number }[] {
  const temps = index.at(index.timeAt(cursor)).map((b) => b.temp).filter((t): t is number => t !== null && Number.isFinite(t));
  if (temps.length === 0) return [];
  const lo = Math.floor(Math.min(...temps));
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...temps)));
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const t of temps) counts[Math.min(bins - 1, Math.floor((t - lo) / width))]! += 1;
  return counts.map((n, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, n }));
}

/** Each host's bucket at the cursor, hottest first (what "latest readings" shows in playback). */
export function latestAt(index: BucketIndex, cursor: number, limit = 15): HostBucket[] {
  return [...index.at(index.timeAt(cursor))].sort((a, b) => (b.temp ?? -Infinity) - (a.temp ?? -Infinity)).slice(0, limit);
}

/**
 * Alerts as they stood at the cursor: open ones (opened, not yet resolved) as firing, and
 * those resolved in the hour before it as resolved; any later knowledge is hidden.
 */
export function alertsAt<A extends AlertTimes>(alerts: readonly A[], cursor: number, recentMs = 3_600_000): A[] {
  const out: { alert: A; opened: number }[] = [];
  for (const a of alerts) {
    const opened = Date.parse(a.opened_at);
    if (opened > cursor) continue;
    const resolved = a.resolved_at === null ? Infinity : Date.parse(a.resolved_at);
    if (resolved > cursor) out.push({ alert: { ...a, status: 'firing', resolved_at: null, duration_s: (cursor - opened) / 1000 }, opened });
    else if (cursor - resolved <= recentMs) out.push({ alert: { ...a, status: 'resolved' }, opened });
  }
  return out.sort((x, y) => y.opened - x.opened).map((o) => o.alert);
}
