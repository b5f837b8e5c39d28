// What the fault and bad-input suites measure and record: the size they run at
// (PULSE_RELIABILITY_SCALE=full for the documented full size), what landed compared with
// what was sent by event_id, and one JSON result per scenario under
// test-results/reliability/run-<id>/, rendered into docs/RELIABILITY.md by reliability-report.ts.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot, type Pool } from '../../infra/index.ts';

/** `full`: the sizes the issue names (200,000 events); anything else: the smaller CI size. */
export const RELIABILITY_SCALE = process.env['PULSE_RELIABILITY_SCALE'] === 'full' ? 'full' : 'ci';

/** `ci` events in CI, `full` events under PULSE_RELIABILITY_SCALE=full. */
export function scaled(ci: number, full: number): number {
  return RELIABILITY_SCALE === 'full' ? full : ci;
}

export const RESULTS_DIR = join(packageRoot, 'test-results', 'reliability');

export interface ScenarioResult {
  scenario: string;
  suite: 'fault' | 'bad input';
  sent: number;
  stored: number;
  lost: number;
  duplicated: number;
  /** Seconds from the end of the fault until events were stored again (worst case when repeated); null when nothing failed over. */
  recoverySeconds: number | null;
  /** Seconds from the end of the fault until everything sent had landed. */
  catchUpSeconds?: number | null;
  rejectsByReason: Record<string, number>;
  /** One sentence on what was done and what was checked. */
  detail: string;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

/** A test run's own results directory: runs started beside it (other sessions, other files) never mix in. */
export function runResultsDir(runId: string): string {
  return join(RESULTS_DIR, `run-${runId}`);
}

/** The newest run's results directory, for rendering after the fact. */
export async function latestRunDir(): Promise<string | null> {
  const runs = (await readdir(RESULTS_DIR).catch(() => [] as string[])).filter((n) => n.startsWith('run-')).sort();
  return runs.length > 0 ? join(RESULTS_DIR, runs.at(-1) as string) : null;
}

/** Keep one scenario's measurements for this run's report. */
export async function recordScenario(result: ScenarioResult): Promise<void> {
  const { inject } = await import('vitest');
  const dir = runResultsDir(inject('reliabilityRun'));
  await mkdir(dir, { recursive: true });
  const record = { ...result, scale: RELIABILITY_SCALE, recordedAt: new Date().toISOString() };
  await writeFile(join(dir, `${slug(result.scenario)}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readScenarioResults(dir: string): Promise<(ScenarioResult & { scale: string; recordedAt: string })[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8'))));
}

export interface Landed { stored: number; lost: number; duplicated: number; unexpected: number }

/** Compare the event ids that landed (one entry per stored row or counted reading) with those sent. */
export function compareById(sent: Iterable<string>, landed: readonly string[]): Landed {
  const expected = new Set(sent);
  const distinct = new Set(landed);
  let lost = 0;
  for (const id of expected) if (!distinct.has(id)) lost += 1;
  let unexpected = 0;
  for (const id of distinct) if (!expected.has(id)) unexpected += 1;
  return { stored: distinct.size, lost, duplicated: landed.length - distinct.size, unexpected };
}

/**
 * What the speed layer kept of `sentIds`: hot rows by event_id, plus readings the realtime
 * views counted beyond the rows (a batch applied twice would show there, not in the rows).
 */
export async function speedOutcome(pool: Pool, sentIds: Iterable<string>): Promise<Landed> {
  const rows = await pool.query<{ event_id: string }>('SELECT event_id FROM readings_hot');
  const landed = compareById(sentIds, rows.rows.map((r) => r.event_id));
  const views = await pool.query('SELECT (SELECT coalesce(sum(n), 0)::int FROM rt_host_minute) AS hosts, (SELECT coalesce(sum(n), 0)::int FROM rt_region_minute) AS regions');
  const overCounted = Math.max(0, views.rows[0].hosts - rows.rowCount!, views.rows[0].regions - rows.rowCount!);
  return { ...landed, duplicated: landed.duplicated + overCounted };
}

/** Rejects per reason as the speed layer counted them in rt_rejects_minute. */
export async function speedRejects(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query('SELECT reason, sum(n)::int AS n FROM rt_rejects_minute GROUP BY reason ORDER BY reason');
  return Object.fromEntries(rows.map((r) => [r.reason as string, r.n as number]));
}

/** Milliseconds until `probe` first returns more than `baseline`. */
export async function timeUntilProgress(probe: () => Promise<number>, baseline: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if ((await probe().catch(() => baseline)) > baseline) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no progress beyond ${baseline} within ${timeoutMs} ms`);
}
