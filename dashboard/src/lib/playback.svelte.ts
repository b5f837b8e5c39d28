// Replaying a window: one time cursor that every panel follows. The window's CPU series and
// volume arrive once; the hosts' buckets and alerts arrive in chunks of 24 buckets, fetched
// ahead of the cursor (the chunk it is in and the next two), never per frame. A frame
// only moves the cursor: the panels derive from the bucket it is in, so a frame that stays
// inside one bucket redraws nothing.

import { flushSync } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { AlertRow, AlertsResponse, HealthScore, HealthScoresResponse, SeriesPoint, TimeseriesResponse, VolumeResponse } from '../../../telemetry/index.ts';
import { getJson, query, Requests } from './api.ts';
import { alertsAt, BucketIndex, kpisAt, latestAt, temperatureBinsAt, type HostBucket } from './playback-frames.ts';
import { MAX_SPEED } from './view-state.ts';

const STEPS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];
const BUCKETS_PER_CHUNK = 24;
const CHUNKS_AHEAD = 2;

/** The bucket width for a window: the smallest standard step giving at most 360 buckets. */
export function playbackStep(span: number): number {
  return STEPS.find((s) => span / s <= 360) ?? 86_400_000;
}

interface Chunk { buckets: HostBucket[]; alerts: AlertRow[] }

/** Host buckets are hourly before the watermark: the newest within an hour and a step is still "at" the cursor. */
const HOST_BUCKET_REACH = 3_600_000;

/** One bucket per host and time: neighbouring chunks overlap by their reach back. */
function distinct(buckets: HostBucket[]): HostBucket[] {
  const seen = new Map<string, HostBucket>();
  for (const b of buckets) seen.set(`${b.host}@${b.t}`, b);
  return [...seen.values()];
}

export class Playback {
  from = $state(0);
  to = $state(0);
  step = $state(60_000);
  cursor = $state(0);
  speed = $state(60);
  playing = $state(false);
  region = $state('');
  host = $state('');
  /** Window-wide data: the CPU series per region (or of the host) and readings per region. */
  series = $state<SeriesPoint[]>([]);
  volume = $state<VolumeResponse | null>(null);
  error = $state<string | null>(null);
  /** Requests made since load, for the requests-per-minute figure. */
  requests = $state(0);
  private chunks = $state(new Map<number, Chunk>());
  private readonly pending = new Set<number>();
  private readonly scores = new SvelteMap<string, HealthScore[]>();
  private readonly fetches = new Requests();
  private frame = 0;
  private last = 0;
  /** Called when the cursor reaches a window that ends now: playback continues live. */
  onReachedPresent: (() => void) | undefined;

  /** The start of the bucket the cursor is in: what the panels follow. */
  bucket = $derived(Math.floor((this.cursor - this.from) / this.step) * this.step + this.from);
  private chunkStart = $derived(this.chunkOf(this.bucket));
  private current = $derived(this.chunks.get(this.chunkStart));
  /** Every loaded chunk's buckets: the bucket at the cursor may lie in the chunk before its own. */
  private index = $derived(new BucketIndex(distinct([...this.chunks.values()].flatMap((c) => c.buckets)), HOST_BUCKET_REACH + this.step));
  kpis = $derived(kpisAt(this.index, this.bucket));
  histogram = $derived(temperatureBinsAt(this.index, this.bucket));
  latest = $derived(latestAt(this.index, this.bucket));
  alerts = $derived(this.current ? alertsAt(this.current.alerts, this.bucket + this.step) : []);
  day = $derived(new Date(this.bucket).toISOString().slice(0, 10));
  healthScores = $derived(this.scores.get(this.day) ?? []);
  /** Whether the data of the cursor's chunk is still on its way. */
  loading = $derived(this.current === undefined);

  private chunkOf(t: number): number {
    const span = this.step * BUCKETS_PER_CHUNK;
    return this.from + Math.floor((t - this.from) / span) * span;
  }

  /** Start over on a new window; keeps the cursor if it lies inside. */
  async load(window: { from: number; to: number }, filters: { region: string; host: string }, cursor: number | null): Promise<void> {
    this.pause();
    this.fetches.abortAll();
    this.pending.clear();
    this.chunks = new Map();
    this.requests = 0;
    this.step = playbackStep(window.to - window.from);
    this.from = Math.floor(window.from / this.step) * this.step;
    this.to = window.to;
    this.region = filters.region;
    this.host = filters.host;
    this.cursor = cursor !== null && cursor >= this.from && cursor <= this.to ? cursor : this.from;
    const range = { from: new Date(this.from).toISOString(), to: new Date(this.to).toISOString() };
    const seriesQuery = this.host
      ? query({ metric: 'cpu_pct', group: 'host', host: this.host, step: `${this.step / 60_000}m`, ...range })
      : query({ metric: 'cpu_pct', group: 'region', region: this.region || undefined, step: `${this.step / 60_000}m`, ...range });
    try {
      const [series, volume] = await Promise.all([
        this.get<TimeseriesResponse>('series', `/api/timeseries${seriesQuery}`),
        this.get<VolumeResponse>('volume', `/api/volume${query({ ...range, step: `${this.step / 60_000}m` })}`),
      ]);
      this.series = series?.points ?? [];
      this.volume = volume ?? null;
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
    this.prefetch();
  }

  private async get<T>(key: string, path: string): Promise<T | undefined> {
    this.requests += 1;
    return this.fetches.run(key, (signal) => getJson<T>(path, signal));
  }

  /** Fetch the cursor's chunk and the next ones that are not loaded or on their way. */
  private prefetch(): void {
    const span = this.step * BUCKETS_PER_CHUNK;
    for (let k = 0; k <= CHUNKS_AHEAD; k++) {
      const start = this.chunkOf(this.cursor) + k * span;
      if (start >= this.to || this.chunks.has(start) || this.pending.has(start)) continue;
      this.pending.add(start);
      void this.fetchChunk(start, Math.min(this.to, start + span)).finally(() => this.pending.delete(start));
    }
    const day = new Date(this.cursor).toISOString().slice(0, 10);
    if (!this.scores.has(day)) {
      this.scores.set(day, []);
      void this.get<HealthScoresResponse>(`scores-${day}`, `/api/health-scores${query({ date: day, region: this.region || undefined, limit: 20 })}`)
        .then((r) => r && this.scores.set(day, r.scores ?? [])).catch(() => this.scores.delete(day));
    }
  }

  private async fetchChunk(start: number, end: number): Promise<void> {
    // Host buckets reach back an hour (whole steps, so bins stay aligned): the hourly bucket
    // in progress at a chunk's start belongs to it too.
    const back = Math.ceil(HOST_BUCKET_REACH / this.step) * this.step;
    const range = { from: new Date(start - back).toISOString(), to: new Date(end).toISOString(), step: `${this.step / 60_000}m` };
    const filters = { region: this.region || undefined, host: this.host || undefined };
    const series = (metric: string) => this.get<TimeseriesResponse>(`${metric}-${start}`, `/api/timeseries${query({ metric, group: 'host', ...filters, ...range })}`);
    try {
      const [cpu, temp, power, alerts] = await Promise.all([
        series('cpu_pct'), series('temp_c'), series('power_w'),
        this.get<AlertsResponse>(`alerts-${start}`, `/api/alerts${query({ region: filters.region, from: new Date(start).toISOString(), to: range.to, limit: 1000 })}`),
      ]);
      if (!cpu || !temp || !power || !alerts) return; // superseded by a newer load
      const buckets = new Map<string, HostBucket>();
      const take = (rows: SeriesPoint[], field: 'cpu' | 'temp' | 'power') => {
        for (const r of rows) {
          const key = `${r.series}@${r.t}`;
          let b = buckets.get(key);
          if (!b) buckets.set(key, (b = { host: r.series, region: r.region ?? '—', t: Date.parse(r.t), n: r.n, cpu: null, temp: null, power: null }));
          b[field] = r.avg;
        }
      };
      take(cpu.points ?? [], 'cpu');
      take(temp.points ?? [], 'temp');
      take(power.points ?? [], 'power');
      const hostAlerts = (alerts.alerts ?? []).filter((a) => !this.host || a.host_id === this.host);
      this.chunks = new Map(this.chunks).set(start, { buckets: [...buckets.values()], alerts: hostAlerts });
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  play(): void {
    if (this.playing || this.to <= this.from) return;
    if (this.cursor >= this.to) this.cursor = this.from;
    this.playing = true;
    this.last = performance.now();
    const tick = (now: number) => {
      if (!this.playing) return;
      performance.mark('pulse-frame-start');
      this.cursor = Math.min(this.to, this.cursor + (now - this.last) * this.speed);
      this.last = now;
      this.prefetch();
      flushSync(); // draw this frame now, so the measure below covers its whole main-thread cost
      performance.measure('pulse-frame', 'pulse-frame-start');
      if (this.cursor >= this.to) {
        this.playing = false;
        if (this.to >= Date.now() - this.step) this.onReachedPresent?.();
      } else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(ms: number): void {
    this.cursor = Math.max(this.from, Math.min(this.to, ms));
    this.prefetch();
  }

  /** One bucket forward (or back with a negative count). */
  stepBy(buckets: number): void {
    this.seek(this.bucket + buckets * this.step);
  }

  setSpeed(speed: number): void {
    this.speed = Math.max(1, Math.min(MAX_SPEED, speed));
  }

  close(): void {
    this.pause();
    this.fetches.abortAll();
  }
}
