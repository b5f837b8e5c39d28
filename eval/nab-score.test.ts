import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizedNabScore, probationaryRows, scaledSigmoid, scoreNabFile, STANDARD_PROFILE } from './nab-score.ts';
import { readDetectorResults, readNabWindows, readPublishedScores, readThresholds } from './nab-files.ts';
import { onsets, publishedSummaries } from './nab-compare.ts';

const MINUTE = 60_000;
/** 100 rows a minute apart; probation is the first 15. */
const times = Array.from({ length: 100 }, (_, i) => i * MINUTE);
const only = (...rows: number[]) => times.map((_, i) => rows.includes(i));

describe('NAB standard score', () => {
  it('weighs a detection by the scaled sigmoid of its place: ~0.987 at a window\'s start, 0 at its end, towards -1 past it', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it('gives the earliest detection of a window A_TP and ignores later ones in it', () => {
    const window: [number, number][] = [[40 * MINUTE, 49 * MINUTE]];
    expect(scoreNabFile(times, only(40), window).score).toBeCloseTo(1, 10);
    expect(scoreNabFile(times, only(40, 45, 49), window).score).toBeCloseTo(1, 10);
    expect(scoreNabFile(times, only(49), window).score).toBeCloseTo(scaledSigmoid(-0.1) / scaledSigmoid(-1), 10);
  });

  it('counts windows end-inclusive, charges A_FN for a missed window and A_FP for a detection before any window', () => {
    const window: [number, number][] = [[40 * MINUTE, 49 * MINUTE]];
    expect(scoreNabFile(times, only(49), window).tp).toBe(1);
    expect(scoreNabFile(times, only(20), window).score).toBeCloseTo(-1 - STANDARD_PROFILE.fp, 10);
  });

  it('charges a detection just past a window less than one far from it', () => {
    const window: [number, number][] = [[40 * MINUTE, 49 * MINUTE]];
    const near = scoreNabFile(times, only(40, 50), window).score - 1;
    const far = scoreNabFile(times, only(40, 90), window).score - 1;
    expect(near).toBeCloseTo(scaledSigmoid(1 / 9) * STANDARD_PROFILE.fp, 10);
    expect(near).toBeGreaterThan(far / 3);
    expect(far).toBeCloseTo(-STANDARD_PROFILE.fp, 10);
  });

  it('ignores the probationary 15 % of a file, and a window wholly inside it', () => {
    expect(probationaryRows(100)).toBe(15);
    expect(probationaryRows(10_000)).toBe(750);
    const early = scoreNabFile(times, only(5), [[2 * MINUTE, 8 * MINUTE]]);
    expect(early).toMatchObject({ score: 0, scorableWindows: 0, fp: 0, tp: 0 });
  });

  it('normalizes between the null detector (0) and the perfect one (100)', () => {
    const window: [number, number][] = [[40 * MINUTE, 49 * MINUTE]];
    const none = scoreNabFile(times, only(), window);
    const perfect = scoreNabFile(times, only(40), window);
    expect(normalizedNabScore([none], 1)).toBe(0);
    expect(normalizedNabScore([perfect], 1)).toBeCloseTo(100, 8);
  });

  it('finds the rows that start runs of detections', () => {
    expect(onsets([true, true, false, true, false, false, true])).toEqual([0, 3, 6]);
  });
});

const NAB_DIR = fileURLToPath(new URL('../../shared/nab', import.meta.url));

describe.skipIf(!existsSync(`${NAB_DIR}/results/thresholds.json`))(`NAB's published results (${NAB_DIR})`, () => {
  it('reproduces each published detector\'s per-file standard scores from its result files and threshold', async () => {
    const windows = await readNabWindows(NAB_DIR);
    const thresholds = await readThresholds(NAB_DIR);
    expect(Object.keys(thresholds).length).toBeGreaterThanOrEqual(5);
    for (const [detector, threshold] of Object.entries(thresholds)) {
      const published = await readPublishedScores(NAB_DIR, detector);
      const results = await readDetectorResults(NAB_DIR, detector);
      expect(results.map((r) => r.series).sort()).toEqual(Object.keys(published).sort());
      for (const result of results) {
        const mine = scoreNabFile(result.timestamps, result.scores.map((s) => s >= threshold), windows[result.series] ?? []);
        const theirs = published[result.series]!;
        expect({ detector, series: result.series, score: mine.score, tp: mine.tp, fp: mine.fp, fn: mine.fn })
          .toEqual({ detector, series: result.series, score: expect.closeTo(theirs.score, 2), tp: theirs.tp, fp: theirs.fp, fn: theirs.fn });
      }
    }
  }, 60_000);

  it('normalizes HTM\'s scores on these files to the figure NAB\'s method gives (73.4)', async () => {
    const windows = await readNabWindows(NAB_DIR);
    const htm = (await publishedSummaries(NAB_DIR, windows)).find((s) => s.detector === 'numenta');
    expect(htm?.score).toBeCloseTo(73.42, 1);
    expect(htm?.windows).toMatchObject({ tp: 25, fp: 104, fn: 5 });
  }, 60_000);
});
