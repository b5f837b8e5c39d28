// The dashboard's state and data loading: filters, time range, live refresh at the
// interval the user chose (never faster), and alerts pushed over Server-Sent Events.

import { isCritical } from '../../../telemetry/alerts.ts';
import { getJson, query, Requests, type Json } from './api.ts';
import { RANGES, REFRESH, type RangeKey, type RefreshKey } from './time.ts';

export class Dashboard {
  region = $state('');
  host = $state('');
  range = $state<RangeKey>('1h');
  customFrom = $state('');
  customTo = $state('');
  live = $state(true);
  refresh = $state<RefreshKey>('5s');
  theme = $state<'dark' | 'light'>('dark');

  health = $state<Json | null>(null);
  overview = $state<Json[]>([]);
  series = $state<Json[]>([]);
  histogram = $state<Json[]>([]);
  volume = $state<Json | null>(null);
  hosts = $state<Json[]>([]);
  alerts = $state<Json[]>([]);
  /** Readings the speed layer scored as anomalous in the window (marked on the CPU chart). */
  anomalies = $state<Json[]>([]);
  scores = $state<Json[]>([]);
  error = $state<string | null>(null);
  loadedAt = $state(0);
  shownFrom = $state<number | undefined>(undefined);
  shownTo = $state<number | undefined>(undefined);

  private readonly requests = new Requests();

  /** Distinct hosts whose latest reading is over 90 °C or 90 % CPU. */
  critical = $derived(this.hosts.filter((h) => isCritical({ temp_c: h['temp_c'] ?? null, cpu_pct: h['cpu_pct'] ?? null })));
  feed = $derived([...this.hosts].sort((a, b) => String(b['ts']).localeCompare(String(a['ts']))).slice(0, 15));
  regions = $derived([...new Set([...this.overview.map((o) => o['region'] as string), ...this.hosts.map((h) => h['region'] as string)])].sort());

  window(): { from: number; to: number } {
    if (this.range === 'custom' && this.customFrom && this.customTo) return { from: Date.parse(this.customFrom), to: Date.parse(this.customTo) };
    const to = Date.now();
    return { from: to - RANGES[this.range === 'custom' ? '1h' : this.range], to };
  }

  async load(): Promise<void> {
    const { from, to } = this.window();
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const region = this.region || undefined;
    const seriesQuery = this.host
      ? query({ metric: 'cpu_pct', group: 'host', host: this.host, ...range })
      : query({ metric: 'cpu_pct', group: 'region', region, ...range });
    try {
      const [health, overview, series, histogram, volume, hosts, alerts, scores, anomalies] = await Promise.all([
        this.requests.run('health', (s) => getJson('/api/health', s)),
        this.requests.run('overview', (s) => getJson(`/api/overview${query({ region, ...range })}`, s)),
        this.requests.run('series', (s) => getJson(`/api/timeseries${seriesQuery}`, s)),
        this.requests.run('histogram', (s) => getJson(`/api/histogram${query({ region, ...range, bins: 20 })}`, s)),
        this.requests.run('volume', (s) => getJson(`/api/volume${query(range)}`, s)),
        this.requests.run('hosts', (s) => getJson(`/api/hosts${query({ region })}`, s)),
        this.requests.run('alerts', (s) => getJson(`/api/alerts${query({ region, status: 'all', limit: 100 })}`, s)),
        this.requests.run('scores', (s) => getJson(`/api/health-scores${query({ region, limit: 20 })}`, s)),
        this.requests.run('anomalies', (s) => getJson(`/api/anomalies${query({ region, host: this.host || undefined, ...range, limit: 300 })}`, s)),
      ]);
      if (!overview) return; // superseded by a newer load
      this.health = health ?? null;
      this.overview = overview['regions'] ?? [];
      this.series = series?.['points'] ?? [];
      this.histogram = histogram?.['bins'] ?? [];
      this.volume = volume ?? null;
      this.hosts = (hosts?.['hosts'] ?? []).filter((h: Json) => !this.host || h['host_id'] === this.host);
      this.alerts = alerts?.['alerts'] ?? [];
      this.scores = scores?.['scores'] ?? [];
      this.anomalies = anomalies?.['points'] ?? [];
      this.error = null;
      this.loadedAt = Date.now();
      this.shownFrom = from;
      this.shownTo = to;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Refresh while live, at the chosen interval; alerts arrive at once over the stream. Returns the cleanup. */
  follow(): () => void {
    void this.load();
    if (!this.live) return () => this.requests.abortAll();
    const timer = setInterval(() => void this.load(), REFRESH[this.refresh]);
    const events = new EventSource(`/api/stream${query({ region: this.region || undefined, interval: this.refresh })}`);
    events.addEventListener('alert', () => void this.load());
    return () => {
      clearInterval(timer);
      events.close();
      this.requests.abortAll();
    };
  }
}
