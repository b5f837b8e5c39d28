import { describe, expect, it } from 'vitest';
import { cacheKey, freshnessFor, MicroCache, rangeKey } from './cache.ts';

describe('micro-cache', () => {
  it('shares one computation between identical questions within the TTL', async () => {
    const cache = new MicroCache(1000);
    let calls = 0;
    const compute = async () => ++calls;
    const [a, b] = await Promise.all([cache.get('k', compute), cache.get('k', compute)]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
  });

  it('computes again after the TTL, and never keeps a failure', async () => {
    const cache = new MicroCache(0);
    let calls = 0;
    await cache.get('k', async () => ++calls);
    await cache.get('k', async () => ++calls);
    expect(calls).toBe(2);
    const failing = new MicroCache(10_000);
    await expect(failing.get('x', async () => { throw new Error('db down'); })).rejects.toThrow('db down');
    expect(await failing.get('x', async () => 'ok')).toBe('ok');
  });

  it('serves the previous answer for one more TTL while a single refresh runs, then the new one', async () => {
    const cache = new MicroCache(200);
    let calls = 0;
    let release: (() => void) | undefined;
    const slow = () => new Promise<number>((resolve) => {
      calls += 1;
      const n = calls;
      release = () => resolve(n);
    });
    const first = cache.get('k', slow);
    release?.();
    expect(await first).toBe(1);
    await new Promise((r) => setTimeout(r, 250)); // past fresh, within stale
    const during = await Promise.all([cache.get('k', slow), cache.get('k', slow)]);
    expect(during).toEqual([1, 1]); // answered at once, from the stale value
    expect(calls).toBe(2); // one refresh for both
    release?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get('k', slow)).toBe(2);
    await new Promise((r) => setTimeout(r, 700)); // past stale too: a request waits for a new answer
    const late = cache.get('k', slow);
    release?.();
    expect(await late).toBe(3);
  });

  it('keeps the stale answer when its refresh fails, and tries again', async () => {
    const cache = new MicroCache(200);
    expect(await cache.get('k', async () => 'old')).toBe('old');
    await new Promise((r) => setTimeout(r, 250));
    expect(await cache.get('k', async () => { throw new Error('db down'); })).toBe('old');
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get('k', async () => 'new')).toBe('old'); // the retry is the refresh; its answer comes next
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get('k', async () => 'newer')).toBe('new');
  });

  it('keeps an answer over a long range fresh longer: a second up to an hour, 15 s from four hours on', () => {
    const HOUR = 3_600_000;
    expect(freshnessFor({ from: 0, to: HOUR })).toBe(1000);
    expect(freshnessFor({ from: 0, to: 2 * HOUR })).toBe(2000);
    expect(freshnessFor({ from: 0, to: 7 * 24 * HOUR })).toBe(15_000);
  });

  it('asks an open-ended range ("the last hour") the same way from second to second, a fixed one by its bounds', () => {
    const lastHourAt = (now: number) => rangeKey('o', { region: 'usa' }, {}, { from: now - 3_600_000, to: now });
    expect(lastHourAt(10_000_000)).toBe(lastHourAt(10_005_000));
    expect(rangeKey('o', {}, { from: 5_000 }, { from: 5_000, to: 9_000_000 })).toBe(rangeKey('o', {}, { from: 5_000 }, { from: 5_000, to: 9_999_000 }));
    expect(rangeKey('o', {}, { from: 0, to: 4_000_000 }, { from: 0, to: 4_000_000 })).not.toBe(rangeKey('o', {}, { from: 0, to: 5_000_000 }, { from: 0, to: 5_000_000 }));
    expect(lastHourAt(10_000_000)).not.toBe(rangeKey('o', { region: 'india' }, {}, { from: 6_400_000, to: 10_000_000 }));
  });

  it('keys times by the second', () => {
    expect(cacheKey('o', { from: 1_000_400, to: 2_000_900 })).toBe(cacheKey('o', { from: 1_000_001, to: 2_000_002 }));
    expect(cacheKey('o', { from: 1_000_400 })).not.toBe(cacheKey('o', { from: 1_001_400 }));
  });
});
