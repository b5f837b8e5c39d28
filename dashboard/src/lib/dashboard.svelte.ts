// The dashboard's state: the view (range, filters, mode, cursor, speed) mirrored in the
// URL, live data refreshed at the chosen interval with alerts pushed over Server-Sent
// Events, and the playback that replaces live data in every panel while it runs. A failed
// request or a lost stream shows as a banner and clears by itself once the API answers.

import {
  isCritical, type AlertRow, type AlertsResponse, type AnomaliesResponse, type AnomalyPoint, type HealthResponse, type HealthScore, type HealthScoresResponse,
  type HistogramBin, type HistogramResponse, type HostLatest, type HostsResponse, type OverviewResponse, type RegionOverview, type SeriesPoint,
  type TimeseriesResponse, type VolumeResponse,
} from '../../../telemetry/index.ts';
import { getJson, query, Requests } from './api.ts';
import { latestFeed } from './panels.ts';
import { Playback } from './playback.svelte.ts';
import { groupSeries, type Series } from './series.ts';
import { REFRESH, type RefreshKey } from './time.ts';
import { parseViewState, serializeViewState, windowOf, withKnownRegion, type ViewState } from './view-state.ts';

export class Dashboard {
  view = $state<ViewState>(parseViewState('', Date.now()).view);
  /** What the URL asked for that could not be shown. */
  notes = $state<string[]>([]);
  refresh = $state<RefreshKey>('5s');
  theme = $state<'dark' | 'light'>('dark');

  health = $state<HealthResponse | null>(null);
  overview = $state<RegionOverview[]>([]);
  series = $state<SeriesPoint[]>([]);
  histogram = $state<HistogramBin[]>([]);
  volume = $state<VolumeResponse | null>(null);
  hosts = $state<HostLatest[]>([]);
  alerts = $state<AlertRow[]>([]);
  anomalies = $state<AnomalyPoint[]>([]);
  scores = $state<HealthScore[]>([]);
  error = $state<string | null>(null);
  streamLost = $state(false);
  shownFrom = $state<number | undefined>(undefined);
  shownTo = $state<number | undefined>(undefined);
  readonly playback = new Playback();

  private readonly requests = new Requests();
  /** The first live load, started before the page is built (see prefetch). */
  private initial: Promise<void> | null = null;

  critical = $derived(this.hosts.filter((h) => isCritical({ temp_c: h.temp_c ?? null, cpu_pct: h.cpu_pct ?? null })));
  feed = $derived(latestFeed(this.hosts));
  /** Regions with live hosts, whatever the filter. */
  allRegions = $state<string[]>([]);
  regions = $derived([...new Set([...this.allRegions, ...this.overview.map((o) => o.region)])].sort());
  cpuSeries: Series[] = $derived(groupSeries(this.view.mode === 'playback' ? this.playback.series : this.series, (p) => p.series, (p) => Date.parse(p.t), (p) => p.avg));

  constructor(search: string) {
    const { view, notes } = parseViewState(search, Date.now());
    this.view = view;
    this.notes = notes;
    this.playback.speed = view.speed;
    this.playback.onReachedPresent = () => this.goLive();
  }

  /** The query string of the current view (the cursor as of the last pause, seek or second of play). */
  url(): string {
    return serializeViewState({ ...this.view, speed: this.playback.speed, cursor: this.view.mode === 'playback' ? this.playback.cursor : null });
  }

  update(change: Partial<ViewState>): void {
    this.view = { ...this.view, ...change };
  }

  drillDown(host: string, region?: string): void {
    this.update({ host, ...(region ? { region } : {}) });
  }

  zoom(from: number, to: number): void {
    if (to - from >= 60_000) this.update({ range: { from, to }, cursor: null });
  }

  startPlayback(): void {
    this.update({ mode: 'playback', range: windowOf(this.view.range, Date.now()), cursor: null });
  }

  goLive(): void {
    this.playback.close();
    this.update({ mode: 'live', range: typeof this.view.range === 'string' ? this.view.range : '1h', cursor: null });
  }

  async load(): Promise<void> {
    const { from, to } = windowOf(this.view.range, Date.now());
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const region = this.view.region || undefined;
    const host = this.view.host || undefined;
    const seriesQuery = host ? query({ metric: 'cpu_pct', group: 'host', host, ...range }) : query({ metric: 'cpu_pct', group: 'region', region, ...range });
    try {
      const [health, overview, series, histogram, volume, scores, anomalies] = await Promise.all([
        this.requests.run('health', (s) => getJson<HealthResponse>('/api/health', s)),
        this.requests.run('overview', (s) => getJson<OverviewResponse>(`/api/overview${query({ region, ...range })}`, s)),
        this.requests.run('series', (s) => getJson<TimeseriesResponse>(`/api/timeseries${seriesQuery}`, s)),
        this.requests.run('histogram', (s) => getJson<HistogramResponse>(`/api/histogram${query({ region, ...range, bins: 20 })}`, s)),
        this.requests.run('volume', (s) => getJson<VolumeResponse>(`/api/volume${query(range)}`, s)),
        this.requests.run('scores', (s) => getJson<HealthScoresResponse>(`/api/health-scores${query({ region, limit: 20 })}`, s)),
        this.requests.run('anomalies', (s) => getJson<AnomaliesResponse>(`/api/anomalies${query({ region, host, ...range, limit: 300 })}`, s)),
        this.loadAlerts(),
      ]);
      if (!overview) return; // superseded by a newer load
      if (health) this.health = health; // undefined: superseded by loadHealth's request of the same key
      this.overview = overview.regions ?? [];
      this.series = series?.points ?? [];
      this.histogram = histogram?.bins ?? [];
      this.volume = volume ?? null;
      this.scores = scores?.scores ?? [];
      this.anomalies = anomalies?.points ?? [];
      this.error = null;
      this.shownFrom = from;
      this.shownTo = to;
      this.checkRegion();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Alerts and the hosts' latest readings: all an alert event changes. */
  async loadHealth(): Promise<void> {
    const health = await this.requests.run('health', (s) => getJson<HealthResponse>('/api/health', s));
    if (health) this.health = health;
  }

  async loadAlerts(): Promise<void> {
    const region = this.view.region || undefined;
    // Every host's latest reading (a small table): which regions exist is known from it in either mode.
    const [hosts, alerts] = await Promise.all([
      this.requests.run('hosts', (s) => getJson<HostsResponse>('/api/hosts', s)),
      this.requests.run('alerts', (s) => getJson<AlertsResponse>(`/api/alerts${query({ region, status: 'all', limit: 100 })}`, s)),
    ]);
    if (hosts) {
      this.allRegions = [...new Set((hosts.hosts ?? []).map((h) => h.region))].sort();
      this.hosts = (hosts.hosts ?? []).filter((h) => (!region || h.region === region) && (!this.view.host || h.host_id === this.view.host));
    }
    if (alerts) this.alerts = alerts.alerts ?? [];
    this.checkRegion();
  }

  private checkRegion(): void {
    const { view, note } = withKnownRegion(this.view, this.regions);
    if (!note) return;
    this.view = view;
    this.notes = [...this.notes, note];
  }

  /**
   * Starts the first live load at once, before the page is mounted: building the page and
   * its charts keeps the browser's main thread busy for a second or more on a loaded machine,
   * and the API answers in that time instead of after it.
   */
  prefetch(): void {
    if (this.view.mode === 'live') this.initial = this.load();
  }

  /** Live: refresh at the chosen interval, alerts at once over the stream. Returns the cleanup. */
  follow(): () => void {
    void (this.initial ?? this.load());
    this.initial = null;
    const timer = setInterval(() => void this.load(), REFRESH[this.refresh]);
    const events = new EventSource(`/api/stream${query({ region: this.view.region || undefined, interval: this.refresh })}`);
    events.addEventListener('alert', () => void this.loadAlerts().catch(() => undefined));
    events.onerror = () => (this.streamLost = true);
    events.onopen = () => (this.streamLost = false);
    return () => {
      clearInterval(timer);
      events.close();
      this.requests.abortAll();
    };
  }
}
