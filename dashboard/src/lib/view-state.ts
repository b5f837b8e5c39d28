// What a dashboard link restores: range (relative, or absolute from/to), region, host, mode
// (live or playback), the playback cursor and speed. Parsing never fails: anything
// malformed or out of range is dropped or clamped, and each such decision becomes a note
// the page shows, so a bad link opens a valid view instead of a blank page.

export const RELATIVE_RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type RelativeRange = keyof typeof RELATIVE_RANGES;

/** Playback speeds offered: real time up to an hour per second. */
export const PLAYBACK_SPEEDS = [1, 10, 60, 300, 600, 1800, 3600] as const;
export const MAX_SPEED = 3600;
/** The longest window the API serves (400 days), and the shortest worth drawing. */
const MAX_SPAN = 400 * 86_400_000;
const MIN_SPAN = 60_000;

export interface ViewState {
  /** A relative range ending now, or an absolute window. */
  range: RelativeRange | { from: number; to: number };
  region: string;
  host: string;
  mode: 'live' | 'playback';
  /** Playback position (epoch ms); null: the window's start. */
  cursor: number | null;
  speed: number;
}

export const DEFAULT_VIEW: ViewState = { range: '1h', region: '', host: '', mode: 'live', cursor: null, speed: 60 };

const REGION = /^[a-z][a-z0-9_-]{0,31}$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** An instant as the API takes it: ISO-8601 or epoch milliseconds. */
function instant(text: string | null): number | null {
  if (text === null || text === '') return null;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

function rangeOf(params: URLSearchParams, notes: string[]): ViewState['range'] {
  const from = params.get('from');
  const to = params.get('to');
  if (from !== null || to !== null) {
    const start = instant(from);
    const end = instant(to);
    if (start === null || end === null) notes.push(`from/to: "${from ?? ''}" … "${to ?? ''}" is not a time range; showing the last hour`);
    else if (start >= end) notes.push('from/to: the range ends before it starts; showing the last hour');
    else if (end - start > MAX_SPAN) notes.push('from/to: longer than 400 days; showing the last hour');
    else if (end - start < MIN_SPAN) notes.push('from/to: shorter than a minute; showing the last hour');
    else return { from: start, to: end };
    return '1h';
  }
  const range = params.get('range');
  if (range === null) return DEFAULT_VIEW.range;
  if (range in RELATIVE_RANGES) return range as RelativeRange;
  notes.push(`range: "${range}" is not one of ${Object.keys(RELATIVE_RANGES).join(', ')}; showing the last hour`);
  return '1h';
}

function speedOf(text: string | null, notes: string[]): number {
  if (text === null) return DEFAULT_VIEW.speed;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) {
    notes.push(`speed: "${text}" is not a positive number; playing at ${DEFAULT_VIEW.speed}×`);
    return DEFAULT_VIEW.speed;
  }
  if (speed > MAX_SPEED) {
    notes.push(`speed: ${text}× is above ${MAX_SPEED}×; playing at ${MAX_SPEED}×`);
    return MAX_SPEED;
  }
  if (speed < 1) {
    notes.push(`speed: ${text}× is below 1×; playing at 1×`);
    return 1;
  }
  return speed;
}

/** The view a query string asks for, and what of it was ignored. `now` places relative ranges. */
export function parseViewState(search: string, now: number): { view: ViewState; notes: string[] } {
  const params = new URLSearchParams(search);
  const notes: string[] = [];
  const view: ViewState = { ...DEFAULT_VIEW, range: rangeOf(params, notes), speed: speedOf(params.get('speed'), notes) };
  const region = params.get('region');
  if (region !== null && region !== '') {
    if (REGION.test(region)) view.region = region;
    else notes.push(`region: "${region}" is not a region name; showing all regions`);
  }
  const host = params.get('host');
  if (host !== null && host !== '') {
    if (HOST.test(host)) view.host = host;
    else notes.push(`host: "${host}" is not a host id; showing all hosts`);
  }
  const mode = params.get('mode');
  if (mode === 'playback' || mode === 'live') view.mode = mode;
  else if (mode !== null) notes.push(`mode: "${mode}" is neither live nor playback; showing live`);
  const cursorText = params.get('cursor');
  if (cursorText !== null) {
    const cursor = instant(cursorText);
    const { from, to } = windowOf(view.range, now);
    if (cursor === null) notes.push(`cursor: "${cursorText}" is not a time; starting at the window's start`);
    else if (cursor < from || cursor > to) notes.push(`cursor: ${new Date(cursor).toISOString()} is outside the window; starting at the window's start`);
    else view.cursor = cursor;
  }
  return { view, notes };
}

/** The query string that restores `view` (defaults left out, so links stay short). */
export function serializeViewState(view: ViewState): string {
  const params = new URLSearchParams();
  if (typeof view.range === 'string') {
    if (view.range !== DEFAULT_VIEW.range) params.set('range', view.range);
  } else {
    params.set('from', new Date(view.range.from).toISOString());
    params.set('to', new Date(view.range.to).toISOString());
  }
  if (view.region) params.set('region', view.region);
  if (view.host) params.set('host', view.host);
  if (view.mode !== 'live') params.set('mode', view.mode);
  if (view.mode === 'playback' && view.cursor !== null) params.set('cursor', new Date(Math.round(view.cursor / 1000) * 1000).toISOString());
  if (view.speed !== DEFAULT_VIEW.speed) params.set('speed', String(view.speed));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The [from, to] a range covers at `now`. */
export function windowOf(range: ViewState['range'], now: number): { from: number; to: number } {
  return typeof range === 'string' ? { from: now - RELATIVE_RANGES[range], to: now } : range;
}

/** Drop a region the data does not know (only knowable once regions have loaded). */
export function withKnownRegion(view: ViewState, regions: readonly string[]): { view: ViewState; note: string | null } {
  if (!view.region || regions.length === 0 || regions.includes(view.region)) return { view, note: null };
  return { view: { ...view, region: '' }, note: `region: "${view.region}" has no data; showing all regions` };
}
