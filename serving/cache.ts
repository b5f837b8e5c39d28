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

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.fresh > now) return hit.value as Promise<T>;
    if (hit && hit.stale > now) {
      if (!hit.refreshing) this.refresh(key, hit, compute);
      return hit.value as Promise<T>;
    }
    this.evictIfFull(now);
    const value = compute();
    this.entries.set(key, { fresh: now + this.ttlMs, stale: now + 2 * this.ttlMs, value, refreshing: false });
    value.catch(() => this.entries.delete(key)); // never cache a failure
    return value;
  }

  /** Computes the answer again in the background; the stale one is replaced once the new one is in (kept if it fails). */
  private refresh<T>(key: string, entry: Entry, compute: () => Promise<T>): void {
    entry.refreshing = true;
    const value = compute();
    value.then(() => {
      const now = Date.now();
      if (this.entries.get(key) === entry) this.entries.set(key, { fresh: now + this.ttlMs, stale: now + 2 * this.ttlMs, value, refreshing: false });
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

/** A cache key: the endpoint and its parsed parameters, times rounded to the second. */
export function cacheKey(endpoint: string, params: Record<string, unknown>): string {
  const rounded = Object.entries(params).map(([k, v]) => [k, typeof v === 'number' && (k === 'from' || k === 'to') ? Math.floor(v / 1000) : v]);
  return `${endpoint}?${JSON.stringify(rounded)}`;
}
