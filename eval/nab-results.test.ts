// `pulse eval --nab DIR --results OUT` writes NAB-format result files that a NAB scorer at
// threshold 0.5 reads as exactly Pulse's alert onsets; and input that is not clean is
// scored with stated behaviour rather than failing.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from './index.ts';
import { csvRecords, nabTime } from './nab-files.ts';
import { NOTE, readNabSeries } from './nab-load.ts';
import { scoreNabFile } from './nab-score.ts';

const STEP = 300_000;
const HOURS = 3_600_000;
const START = Date.UTC(2014, 1, 1);
const text = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Four days of a noisy daily wave at 5-minute steps, with a spike on day 4. */
function seriesLines(spikeAt: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 4 * 288; i += 1) {
    const value = i === spikeAt ? 95 : 20 + 5 * Math.sin(i / 12) + ((i * 7919) % 13) / 13;
    lines.push(`${text(START + i * STEP)},${value.toFixed(3)}`);
  }
  return lines;
}

describe('pulse eval --nab --results', () => {
  let dir: string;
  const spike = 3 * 288 + 100;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-nab-results-'));
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'clean.csv'), ['timestamp,value', ...seriesLines(spike)].join('\n'));
    const messy = seriesLines(spike);
    // Two rows swapped, one repeated, one NaN, one unreadable time.
    [messy[10], messy[11]] = [messy[11]!, messy[10]!];
    messy.splice(20, 0, messy[20]!);
    messy[30] = `${text(START + 29 * STEP)},NaN`;
    messy.splice(40, 0, 'yesterday,12');
    await writeFile(join(dir, 'data', 'messy.csv'), ['timestamp,value', ...messy].join('\n'));
    const window = [`${text(START + (spike - 12) * STEP)}.000000`, `${text(START + (spike + 12) * STEP)}.000000`];
    await writeFile(join(dir, 'windows.json'), JSON.stringify({ 'clean.csv': [window], 'messy.csv': [window] }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one file per series with one row per input row, its timestamps as written, scores in [0, 1] and 1 only at alert onsets', async () => {
    const out = join(dir, 'out');
    const report = await evaluate({ dir, format: 'nab', forReadings: 3, resultsDir: out });
    expect(report.nab?.resultFiles.map((f) => f.slice(out.length + 1)).sort()).toEqual(['clean.csv', 'messy.csv']);
    for (const name of ['clean.csv', 'messy.csv']) {
      const input = csvRecords(await readFile(join(dir, 'data', name), 'utf8'));
      const written = await readFile(join(out, name), 'utf8');
      expect(written.split('\n')[0]).toBe('timestamp,value,anomaly_score,label');
      const rows = csvRecords(written);
      expect(rows.map((r) => r['timestamp'])).toEqual(input.map((r) => r['timestamp']));
      const scores = rows.map((r) => Number(r['anomaly_score']));
      expect(scores.every((s) => Number.isFinite(s) && s >= 0 && s <= 1)).toBe(true);
      expect(scores.filter((s) => s >= 0.5).every((s) => s === 1)).toBe(true);
      const host = name.replace('.csv', '');
      const fired = report.detections.filter((d) => d.entity === `${host}/${host}`).map((d) => d.at).sort((a, b) => a - b);
      expect(fired.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r['anomaly_score'] === '1').map((r) => nabTime(r['timestamp']!)).sort((a, b) => a - b)).toEqual(fired);
      expect(rows.filter((r) => r['label'] === '1').length).toBe(25);
    }
  }, 60_000);

  it('scores the clean file the same from its result file at threshold 0.5 as Pulse scores it', async () => {
    const out = join(dir, 'out-check');
    const report = await evaluate({ dir, format: 'nab', forReadings: 3, resultsDir: out });
    const rows = csvRecords(await readFile(join(out, 'clean.csv'), 'utf8'));
    const windows: [number, number][] = [[START + (spike - 12) * STEP, START + (spike + 12) * STEP]];
    const fromFile = scoreNabFile(rows.map((r) => nabTime(r['timestamp']!)), rows.map((r) => Number(r['anomaly_score']) >= 0.5), windows);
    expect(fromFile.score).toBeCloseTo(report.nab!.pulse.files.find((f) => f.series === 'clean.csv')!.nab.score, 10);
    expect(report.nab!.pulse.files.find((f) => f.series === 'clean.csv')!.windows.tp).toBe(1);
  }, 60_000);

  it('notes each kind of bad row of a file and scores the rest, sorted', async () => {
    const report = await evaluate({ dir, format: 'nab', forReadings: 3 });
    const notes = Object.fromEntries(report.nab!.notes.filter((n) => n.file === 'messy.csv').map((n) => [n.note, n.rows]));
    expect(notes).toEqual({ [NOTE.unsorted]: 1, [NOTE.duplicate]: 1, [NOTE.noValue]: 1, [NOTE.badTime]: 1 });
    // Every clean row of both files is scored; of the messy file's, all but the NaN one.
    expect(report.rows).toBe(2 * 4 * 288 - 1);
    expect(report.nab!.pulse.files.find((f) => f.series === 'messy.csv')!.windows.tp).toBe(1);
  }, 60_000);
});

describe('reading a NAB series', () => {
  it('keeps the first of repeated timestamps, skips missing, NaN and non-numeric values and unreadable times, each with its reason', () => {
    const read = readNabSeries('x.csv', 'timestamp,value\n2014-01-01 00:05:00,1\n2014-01-01 00:00:00,2\n2014-01-01 00:05:00,3\n2014-01-01 00:10:00,\n2014-01-01 00:15:00,NaN\n2014-01-01 00:20:00,abc\nsoon,4\n');
    expect(read.file.rows.map((r) => r.scored)).toEqual([true, true, false, false, false, false, false]);
    expect(Object.fromEntries(read.notes.map((n) => [n.note, n.rows]))).toEqual({ [NOTE.unsorted]: 1, [NOTE.duplicate]: 1, [NOTE.noValue]: 3, [NOTE.badTime]: 1 });
  });
});

describe('pulse eval --nab on awkward series', () => {
  let dir: string;
  const DAY = 86_400_000;
  const lines = (from: number, to: number, value: (i: number) => number) => {
    const out: string[] = [];
    for (let ts = from, i = 0; ts < to; ts += STEP, i += 1) out.push(`${text(ts)},${value(i).toFixed(3)}`);
    return out;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-nab-awkward-'));
    await mkdir(join(dir, 'data'), { recursive: true });
    const wave = (i: number) => 20 + 5 * Math.sin(i / 12) + ((i * 7919) % 13) / 13;
    const files: Record<string, string[]> = {
      'constant.csv': lines(START, START + 4 * DAY, () => 42),
      'short.csv': lines(START + 2 * HOURS, START + 8 * HOURS, wave),
      // Three days, nine days of nothing, three days.
      'gappy.csv': [...lines(START, START + 3 * DAY, wave), ...lines(START + 12 * DAY, START + 15 * DAY, wave)],
    };
    for (const [name, rows] of Object.entries(files)) await writeFile(join(dir, 'data', name), ['timestamp,value', ...rows].join('\n'));
    await writeFile(join(dir, 'windows.json'), JSON.stringify({ 'constant.csv': [], 'short.csv': [], 'gappy.csv': [] }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('scores a constant series without NaN or alerts, notes a file too short to score and the days after a long gap, and writes every row', async () => {
    const out = join(dir, 'out');
    const report = await evaluate({ dir, format: 'nab', forReadings: 3, resultsDir: out });
    const notes = Object.fromEntries(report.nab!.notes.map((n) => [`${n.file} ${n.note}`, n.rows]));
    expect(notes[`short.csv ${NOTE.unscored}`]).toBe(72);
    expect(notes[`gappy.csv ${NOTE.noModel}`]).toBe(288);
    expect(report.detections.filter((d) => d.entity === 'constant/constant')).toEqual([]);
    for (const name of ['constant.csv', 'short.csv', 'gappy.csv']) {
      const rows = csvRecords(await readFile(join(out, name), 'utf8'));
      const input = csvRecords(await readFile(join(dir, 'data', name), 'utf8'));
      expect(rows.length).toBe(input.length);
      expect(rows.every((r) => Number.isFinite(Number(r['anomaly_score'])) && r['anomaly_score'] !== '')).toBe(true);
    }
    expect(report.nab!.pulse.files.every((f) => Number.isFinite(f.nab.score))).toBe(true);
  }, 60_000);
});
