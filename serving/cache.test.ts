import { describe, expect, it } from 'vitest';
import { cacheKey, MicroCache } from './cache.ts';

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

  it('keys times by the second', () => {
    expect(cacheKey('o', { from: 1_000_400, to: 2_000_900 })).toBe(cacheKey('o', { from: 1_000_001, to: 2_000_002 }));
    expect(cacheKey('o', { from: 1_000_400 })).not.toBe(cacheKey('o', { from: 1_001_400 }));
  });
});
