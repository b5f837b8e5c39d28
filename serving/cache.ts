// A one-second micro-cache with request coalescing: identical questions asked within the
// same second (many dashboards, or one refreshing fast) share one database query. Data
// changes at most once a second at the realtime views' resolution, so nothing is staler
// than the live push interval.

export class MicroCache {
  private readonly entries = new Map<string, { expires: number; value: Promise<unknown> }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs = 1000, maxEntries = 1000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    if (this.entries.size >= this.maxEntries) {
      for (const [k, entry] of this.entries) if (entry.expires <= now) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) this.entries.clear();
    }
    const value = compute();
    this.entries.set(key, { expires: now + this.ttlMs, value });
    value.catch(() => this.entries.delete(key)); // never cache a failure
    return value;
  }
}

/** A cache key: the endpoint and its parsed parameters, times rounded to the second. */
export function cacheKey(endpoint: string, params: Record<string, unknown>): string {
  const rounded = Object.entries(params).map(([k, v]) => [k, typeof v === 'number' && (k === 'from' || k === 'to') ? Math.floor(v / 1000) : v]);
  return `${endpoint}?${JSON.stringify(rounded)}`;
}
