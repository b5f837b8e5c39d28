import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EpisodeSpool } from './episode-spool.ts';

const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });

describe('the episode spool', () => {
  it('gives back every row of a kind in the order added, a chunk at a time, and counts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-spool-'));
    dirs.push(dir);
    const spool = new EpisodeSpool(join(dir, 'episodes'));
    const carry = (day: string) => ({ day, states: `{"h":"${day}\\n"}`, hash: day, profile: '{}' });
    await spool.add('carries', [carry('2026-11-01'), carry('2026-11-02')]);
    await spool.add('carries', []);
    await spool.add('carries', [carry('2026-11-03')]);
    const chunks = [];
    for await (const chunk of spool.chunks('carries', 2)) chunks.push(chunk.map((c) => c.day));
    expect(chunks).toEqual([['2026-11-01', '2026-11-02'], ['2026-11-03']]);
    expect(spool.counts).toMatchObject({ carries: 3, points: 0 });
    // Texts with newlines and quotes come back as written.
    for await (const [first] of spool.chunks('carries', 1)) { expect(first?.states).toBe('{"h":"2026-11-01\\n"}'); break; }
  });

  it('yields nothing for a kind never added, without a file to read', async () => {
    const spool = new EpisodeSpool(join(tmpdir(), `pulse-spool-none-${process.pid}`));
    const chunks = [];
    for await (const chunk of spool.chunks('points', 10)) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });
});
