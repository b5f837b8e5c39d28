// A one-second micro-cache with request coalescing: identical questions asked within the
// same second (many dashboards, or one refreshing fast) share one database query. Data
// changes at most once a second at the realtime views' resolution. Past its second an
// answer is still served for one more TTL while a single refresh runs (stale while
// revalidate), so under load no request waits for a query it did not need: nothing served
// is older than two TTLs plus one query.

interface Entry { fresh: number; stale: number; value: Promise<unknown>; refreshing: boolean }

export class MicroCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs = 1000, maxEntries = 1000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** The answer to `key`: cached for `ttlMs` (the cache's TTL by default), computed by `compute` when there is none. */
  get<T>(key: string, compute: () => Promise<T>, ttlMs = this.ttlMs): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.fresh > now) return hit.value as Promise<T>;
    if (hit && hit.stale > now) {
      if (!hit.refreshing) this.refresh(key, hit, compute, ttlMs);
      return hit.value as Promise<T>;
    }
    this.evictIfFull(now);
    const value = compute();
    this.entries.set(key, { fresh: now + ttlMs, stale: now + 2 * ttlMs, value, refreshing: false });
    value.catch(() => this.entries.delete(key)); // never cache a failure
    return value;
  }

  /** Computes the answer again in the background; the stale one is replaced once the new one is in (kept if it fails). */
  private refresh<T>(key: string, entry: Entry, compute: () => Promise<T>, ttlMs: number): void {
    entry.refreshing = true;
    const value = compute();
    value.then(() => {
      const now = Date.now();
      if (this.entries.get(key) === entry) this.entries.set(key, { fresh: now + ttlMs, stale: now + 2 * ttlMs, value, refreshing: false });
    }, () => {
      entry.refreshing = false;
    });
  }

  private evictIfFull(now: number): void {
    if (this.entries.size < this.maxEntries) return;
    for (const [k, entry] of this.entries) if (entry.stale <= now) this.entries.delete(k);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}

/**
 * How long an answer over a range stays fresh: a second for an hour or less, growing with the
 * span up to 15 s for four hours or more — a few seconds more of readings do not move a
 * chart over days. (Live values come through the stream, and from the overview's own
 * one-second part.)
 */
export function freshnessFor(range: { from: number; to: number }): number {
  return Math.min(15_000, Math.max(1000, Math.round((range.to - range.from) / 3600)));
}

/**
 * The cache key of a question over a range, as it was asked. An open-ended range (no `to`:
 * "the last hour", "since Monday") is keyed by what was asked, not by the instant it ends
 * at, so asking it again a second later is the same question; a fixed range by its bounds,
 * to the second.
 */
export function rangeKey(endpoint: string, params: Record<string, unknown>, asked: { from?: number | undefined; to?: number | undefined }, range: { from: number; to: number }): string {
  const bounds = asked.to === undefined ? { since: asked.from ?? null, last: asked.from === undefined ? range.to - range.from : null } : { from: range.from, to: range.to };
  const rest = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'from' && k !== 'to'));
  return cacheKey(endpoint, { ...rest, ...bounds });
}

/** A cache key: the endpoint and its parsed parameters, times rounded to the second. */
export function cacheKey(endpoint: string, params: Record<string, unknown>): string {
  const rounded = Object.entries(params).map(([k, v]) => [k, typeof v === 'number' && (k === 'from' || k === 'to') ? Math.floor(v / 1000) : v]);
  return `${endpoint}?${JSON.stringify(rounded)}`;
}
