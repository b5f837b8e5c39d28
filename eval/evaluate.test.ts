// `pulse eval` end to end on small data: the generator's history with its labels, and a NAB-format
// directory, both scored walk-forward with models trained the way the batch layer trains them.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory } from '../generator/index.ts';
import { evaluate } from './index.ts';

const DAY = 86_400_000;

describe('pulse eval', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-eval-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('scores the generator\'s history against its labels, per incident kind and overall', async () => {
    const history = join(dir, 'history');
    await writeHistory(history, { serversPerRegion: 4, days: 4, intervalSeconds: 120, seed: 11, regions: ['germany'], end: Date.UTC(2026, 0, 10), incidentRate: 1 });
    const report = await evaluate({ dir: history, format: 'history', forReadings: 3 });
    expect(report.models).toBe(3);
    expect(report.scored).toBe(3 * 4 * (DAY / 120_000));
    expect(report.windows).toBeGreaterThan(0);
    const { overall, byKind } = report.scores;
    expect(overall.tp + overall.fn).toBe(report.windows);
    expect(Object.values(byKind).reduce((n, k) => n + k.tp + k.fn, 0)).toBe(report.windows);
    expect(overall.recall).toBeGreaterThan(0.5);
  }, 60_000);

  it('reads NAB series as hosts of their own, and finds a spike inside its window', async () => {
    const nab = join(dir, 'nab');
    await mkdir(join(nab, 'data'), { recursive: true });
    const start = Date.UTC(2014, 1, 1);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 4 * 288; i += 1) {
      const value = i === 3 * 288 + 100 ? 95 : 20 + 5 * Math.sin(i / 12) + ((i * 7919) % 13) / 13;
      lines.push(`${new Date(start + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},${value.toFixed(3)}`);
    }
    await writeFile(join(nab, 'data', 'cpu_spike.csv'), `${lines.join('\n')}\n`);
    const spike = start + (3 * 288 + 100) * 300_000;
    const text = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.000000`;
    await writeFile(join(nab, 'windows.json'), JSON.stringify({ 'cpu_spike.csv': [[text(spike - 3_600_000), text(spike + 3_600_000)]] }));
    const report = await evaluate({ dir: nab, format: 'nab', forReadings: 3 });
    expect(report.rows).toBe(4 * 288);
    expect(report.scores.byKind['cpu_spike']).toMatchObject({ tp: 1, fn: 0 });
  }, 60_000);
});
