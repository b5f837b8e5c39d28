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

  it('keys times by the second', () => {
    expect(cacheKey('o', { from: 1_000_400, to: 2_000_900 })).toBe(cacheKey('o', { from: 1_000_001, to: 2_000_002 }));
    expect(cacheKey('o', { from: 1_000_400 })).not.toBe(cacheKey('o', { from: 1_001_400 }));
  });
});
