// Replaying a past window: its series arrive once as an Arrow stream, then a time cursor
// advances at the chosen speed (1× = real time) and the charts show what happened up to it.

import { tableFromIPC } from 'apache-arrow';
import { getJson, query, type Json } from './api.ts';

export interface PlaybackPoint { series: string; t: number; avg: number | null }

export class Playback {
  from = $state(0);
  to = $state(0);
  cursor = $state(0);
  speed = $state(10);
  playing = $state(false);
  points = $state<PlaybackPoint[]>([]);
  alerts = $state<Json[]>([]);
  error = $state<string | null>(null);

  visible = $derived(this.points.filter((p) => p.t <= this.cursor));
  visibleAlerts = $derived(this.alerts.filter((a) => Date.parse(a['opened_at']) <= this.cursor));

  private frame = 0;
  private last = 0;

  async load(from: number, to: number, region: string): Promise<void> {
    this.pause();
    this.from = from;
    this.to = to;
    this.cursor = from;
    const params = { metric: 'cpu_pct', group: 'region', region: region || undefined, from: new Date(from).toISOString(), to: new Date(to).toISOString(), step: '1m' };
    try {
      const response = await fetch(`/api/timeseries${query(params)}`, { headers: { accept: 'application/vnd.apache.arrow.stream' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const table = tableFromIPC(new Uint8Array(await response.arrayBuffer()));
      const series = table.getChild('series')!;
      const times = table.getChild('t_ms')!;
      const avg = table.getChild('avg')!;
      this.points = Array.from({ length: table.numRows }, (_, i) => ({ series: String(series.get(i)), t: Number(times.get(i)), avg: avg.get(i) as number | null }));
      const alerts = await getJson(`/api/alerts${query({ from: params.from, to: params.to, region: params.region, limit: 500 })}`);
      this.alerts = alerts['alerts'] ?? [];
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
    const step = (now: number) => {
      if (!this.playing) return;
      this.cursor = Math.min(this.to, this.cursor + (now - this.last) * this.speed);
      this.last = now;
      if (this.cursor >= this.to) this.playing = false;
      else this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
  }

  seek(ms: number): void {
    this.cursor = Math.max(this.from, Math.min(this.to, ms));
  }
}
