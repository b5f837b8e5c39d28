// Incremental batch runs give the same answers as a full recompute. One data directory
// goes through a sequence of changes, each absorbed by an incremental run (or `pulse
// replay`); after every step its silver partitions and every gold table must equal what
// `--full` computes from a copy of the same inputs in a fresh directory. A SIGKILL in the
// middle of an incremental run is one of the steps.

import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, GOLD_TABLES, type BatchSummary } from '../batch/index.ts';
import { writeHistory, type HistoryOptions } from '../generator/index.ts';
import { quoteIdentifier } from '../infra/index.ts';
import { archiveLine } from '../speed/index.ts';
import { METRICS, SCHEMA_HEADER } from '../telemetry/index.ts';
import { isolatedSchema, testDatabaseUrl, type IsolatedSchema } from './support/isolation.ts';
import { startPulse } from './support/pulse-process.ts';

const DAY = 86_400_000;
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const day = (offset: number) => new Date(TODAY + offset * DAY).toISOString().slice(0, 10);
const HISTORY: Omit<HistoryOptions, 'end' | 'days'> = { serversPerRegion: 2, intervalSeconds: 900, seed: 5, regions: ['india', 'usa', 'germany'], incidentRate: 0.5 };

/** An archive file as the speed layer writes one: envelopes around pulse/v1 payloads. */
function archive(events: { id: string; ts: number; host?: string; cpu?: number }[]): string {
  return events.map((e, i) => archiveLine({
    topic: 't', partition: 0, offset: String(i), timestamp: String(e.ts), key: null, headers: { [SCHEMA_HEADER]: 'pulse/v1' },
    value: Buffer.from(JSON.stringify({ event_id: e.id, ts: new Date(e.ts).toISOString(), region: 'lab', host_id: e.host ?? 'lab-1', cpu_pct: e.cpu ?? 50, temp_c: 45 })),
  })).join('');
}

async function writeArchive(dir: string, name: string, events: Parameters<typeof archive>[0]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), archive(events));
}

const hourDir = (root: string, ts: number) => join(root, `date=${new Date(ts).toISOString().slice(0, 10)}`, `hour=${new Date(ts).toISOString().slice(11, 13)}`);

async function silverChecksum(dataDir: string): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  try {
    const rows = (await duck.runAndReadAll(`SELECT date::VARCHAR AS date, region, count(*)::INTEGER AS n,
        sum(hash(event_id, ts_ms, host_id, source, ${METRICS.join(', ')})::HUGEINT)::VARCHAR AS h
      FROM read_parquet('${join(dataDir, 'silver', '*', '*', '*.parquet')}', hive_partitioning = true) GROUP BY 1, 2 ORDER BY 1, 2`)).getRowObjectsJS();
    return JSON.stringify(rows);
  } finally {
    duck.closeSync();
    instance.closeSync();
  }
}

/** The alert and anomaly batch views, each in a total order (models by their JSON). */
const EPISODE_VIEWS: Record<string, string> = {
  batch_alert_segments: 'SELECT * FROM batch_alert_segments ORDER BY day, region, host_id, rule, opened_at',
  batch_anomaly_points: 'SELECT * FROM batch_anomaly_points ORDER BY day, event_id',
  batch_alert_carry: 'SELECT day, states_hash FROM batch_alert_carry ORDER BY day',
  batch_day_models: 'SELECT day, training_rows, md5(model::text) AS model FROM batch_day_models ORDER BY day',
};

async function goldChecksums(db: IsolatedSchema): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const queries = { ...Object.fromEntries(GOLD_TABLES.map((t) => [t, `SELECT * FROM ${quoteIdentifier(t)} ORDER BY 1, 2, 3, 4`])), ...EPISODE_VIEWS };
  for (const [table, sql] of Object.entries(queries)) {
    const rows = await db.pool.query(sql);
    out[table] = `${rows.rowCount} ${createHash('sha256').update(JSON.stringify(rows.rows)).digest('hex')}`;
  }
  return out;
}

describe('incremental batch runs equal a full recompute', () => {
  let incremental: IsolatedSchema;
  let reference: IsolatedSchema;
  let dataDir: string;
  const runs: BatchSummary[] = [];
  const run = (now?: number) => runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: incremental.schema, memoryLimit: '1GB', groupDays: 2, ...(now ? { now } : {}) }).then((s) => (runs.push(s), s));

  /** `--full` over a copy of the same inputs, in a fresh directory: silver and gold must be equal. */
  async function expectSameAsFull(): Promise<void> {
    const copy = await mkdtemp(join(tmpdir(), 'pulse-batchF-'));
    try {
      for (const folder of ['historical', 'live_data', 'replay-in']) await cp(join(dataDir, folder), join(copy, folder), { recursive: true, preserveTimestamps: true }).catch(() => undefined);
      // Replayed directories, registered as `pulse replay` registers them.
      await reference.pool.query('DELETE FROM batch_archive_dirs');
      const dirs = await incremental.pool.query<{ path: string }>('SELECT path FROM batch_archive_dirs');
      for (const { path } of dirs.rows) await reference.pool.query('INSERT INTO batch_archive_dirs (path) VALUES ($1)', [path.replace(dataDir, copy)]);
      // Every file a chunk of its own: the reference reads through the landing Parquet files
      // that large histories take, the incremental runs keep their rows in DuckDB.
      const phases: string[] = [];
      const full = await runBatch({ dataDir: copy, databaseUrl: testDatabaseUrl(), schema: reference.schema, memoryLimit: '1GB', full: true, chunkRows: 1, onPhase: (p) => phases.push(p) });
      expect(full.full).toBe(true);
      expect(phases).toContain('landing chunk 2');
      expect(await silverChecksum(dataDir)).toBe(await silverChecksum(copy));
      expect(await goldChecksums(incremental)).toEqual(await goldChecksums(reference));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    incremental = await isolatedSchema('batchinc');
    reference = await isolatedSchema('batchfull');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-batchI-'));
    await writeHistory(join(dataDir, 'historical'), { ...HISTORY, end: TODAY - 2 * DAY, days: 3 });
  });

  afterAll(async () => {
    await incremental?.drop();
    await reference?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts with a first run that reads everything', async () => {
    const first = await run();
    expect(first.full).toBe(true);
    expect(first.inputs.dirtyDays).toBe(3);
    await expectSameAsFull();
  });

  it('absorbs a new history day, reading only its files', async () => {
    const extra = await mkdtemp(join(tmpdir(), 'pulse-batchH-'));
    await writeHistory(extra, { ...HISTORY, seed: 6, end: TODAY - DAY, days: 1 });
    await cp(extra, join(dataDir, 'historical'), { recursive: true, force: false, errorOnExist: false });
    await rm(extra, { recursive: true, force: true });
    const summary = await run();
    expect(summary.full).toBe(false);
    expect(summary.inputs.read).toBeGreaterThanOrEqual(3);
    expect(summary.inputs).toMatchObject({ dirtyDays: 1, reread: 0 });
    await expectSameAsFull();
  });

  it('absorbs a new archive hour, with a re-delivered batch and an event_id that recurs on another day', async () => {
    const hour = TODAY - DAY + 12 * 3_600_000;
    const events = Array.from({ length: 40 }, (_, i) => ({ id: `live-${i}`, ts: hour + i * 60_000, host: `lab-${i % 4}`, cpu: i }));
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_a'), hour), 'part-00001.jsonl', events);
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_a'), hour), 'part-00002.jsonl', events.slice(0, 15)); // re-delivered
    // The same id on another day: conflicting data, kept as each day's own reading.
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_a'), hour - 2 * DAY), 'part-00003.jsonl', [{ id: 'live-0', ts: hour - 2 * DAY, cpu: 99 }]);
    const summary = await run();
    expect(summary.deduplicated).toBe(15);
    expect(summary.inputs.dirtyDays).toBe(2);
    await expectSameAsFull();
  });

  it('adds late readings between ones silver holds as a delta file, and steps them in time order', async () => {
    const hour = TODAY - DAY + 12 * 3_600_000;
    // lab-1 has a reading every 4 minutes at low CPU; these come 30 s after each of the first
    // eight at 99 %. In time order no three in a row are critical; appended after them, eight are.
    const late = Array.from({ length: 8 }, (_, k) => ({ id: `late-lab1-${k}`, ts: hour + (1 + 4 * k) * 60_000 + 30_000, host: 'lab-1', cpu: 99 }));
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_b'), hour), 'part-00001.jsonl', late);
    const summary = await run();
    expect(summary.inputs).toMatchObject({ read: 1, dirtyDays: 1 });
    expect(summary.episodes.resumed).toBe(0); // readings before stepped ones: the day is stepped from its start
    const lab = await readdir(join(dataDir, 'silver', `date=${day(-1)}`, 'region=lab'));
    expect(lab.filter((f) => f.startsWith('delta-'))).toHaveLength(1);
    const alerts = await incremental.pool.query(`SELECT 1 FROM batch_alert_segments WHERE host_id = 'lab-1' AND rule = 'cpu_critical'`);
    expect(alerts.rowCount).toBe(0);
    await expectSameAsFull();
  });

  it('rewrites a partition when a new file holds a copy that wins over the one in silver', async () => {
    const hour = TODAY - DAY + 12 * 3_600_000;
    // stream_run_0 sorts before stream_run_a, so its copy of live-7 is the first copy.
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_0'), hour), 'part-00001.jsonl', [{ id: 'live-7', ts: hour + 7 * 60_000, host: 'lab-3', cpu: 77 }]);
    const summary = await run();
    expect(summary.deduplicated).toBe(1);
    const lab = await readdir(join(dataDir, 'silver', `date=${day(-1)}`, 'region=lab'));
    expect(lab).toEqual([expect.stringMatching(/^base-\d+\.parquet$/)]);
    await expectSameAsFull();
  });

  it('steps the last day on from where the run before stopped, one episode across the two runs', async () => {
    const hour = TODAY - DAY + 12 * 3_600_000;
    const hot = (from: number, to: number, cpu: (minute: number) => number) =>
      Array.from({ length: to - from }, (_, k) => ({ id: `hot-lab9-${from + k}`, ts: hour + (from + k) * 60_000, host: 'lab-9', cpu: cpu(from + k) }));
    // lab-9 runs hot from 12:40: cpu_critical fires in the first run, whose end (the watermark,
    // hours later) closes it by silence; the second run's readings carry it on until it clears.
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_c'), hour), 'part-00001.jsonl', hot(40, 50, () => 99));
    const first = await run();
    expect(first.episodes.resumed).toBe(1);
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_c'), hour + 3_600_000), 'part-00001.jsonl', hot(50, 80, (m) => (m < 65 ? 99 : 20)));
    const second = await run();
    expect(second.episodes.resumed).toBe(1);
    const episodes = await incremental.pool.query<{ opened_at: Date; closed_by: string }>(
      `SELECT opened_at, closed_by FROM batch_alert_segments WHERE host_id = 'lab-9' AND rule = 'cpu_critical'`);
    expect(episodes.rows).toEqual([{ opened_at: new Date(hour + 42 * 60_000), closed_by: 'clear' }]);
    await expectSameAsFull();
  });

  it('steps an alert across midnight as one episode, on the days it spans', async () => {
    const midnight = TODAY - DAY;
    // lab-hot runs at 95 % CPU from 23:40 to 00:20, then cools down: one cpu_critical episode.
    const events = Array.from({ length: 46 }, (_, i) => ({ id: `hot-${i}`, ts: midnight - 20 * 60_000 + i * 60_000, host: 'lab-hot', cpu: i <= 40 ? 95 : 10 }));
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_c'), midnight - 3_600_000), 'part-00001.jsonl', events.filter((e) => e.ts < midnight));
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_c'), midnight), 'part-00001.jsonl', events.filter((e) => e.ts >= midnight));
    await run();
    const segments = await incremental.pool.query<{ day: string; opened_at: Date; resolved_at: Date | null; closed_by: string | null }>(
      `SELECT day::text AS day, opened_at, resolved_at, closed_by FROM batch_alert_segments WHERE host_id = 'lab-hot' AND rule = 'cpu_critical' ORDER BY day`);
    expect(segments.rows.map((r) => r.day)).toEqual([day(-2), day(-1)]);
    expect(new Set(segments.rows.map((r) => r.opened_at.getTime()))).toEqual(new Set([midnight - 18 * 60_000])); // the third reading in a row
    expect(segments.rows[1]).toMatchObject({ resolved_at: new Date(midnight + 21 * 60_000), closed_by: 'clear' });
    await expectSameAsFull();
  });

  it('absorbs a replayed directory of late archives through pulse replay', async () => {
    const late = TODAY - 3 * DAY + 5 * 3_600_000;
    await writeArchive(join(dataDir, 'replay-in', 'stream_run_old'), 'part-00001.jsonl', Array.from({ length: 10 }, (_, i) => ({ id: `late-${i}`, ts: late + i * 1000 })));
    const env = { DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: incremental.schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const replay = startPulse(['replay', join(dataDir, 'replay-in')], env);
    expect(await replay.exited).toBe(0);
    expect(replay.output()).toMatch(/dirty day/);
    await expectSameAsFull();
  });

  it('recomputes the days of a history file rewritten with changed values', async () => {
    const india = join(dataDir, 'historical', 'india');
    const name = (await readdir(india)).find((f) => f.startsWith(day(-3)));
    expect(name).toBeDefined();
    const [header, ...rows] = (await readFile(join(india, name!), 'utf8')).trimEnd().split('\n');
    // Every reading 0.5 °C warmer: same rows, other values.
    const warmer = rows.map((row) => row.split(',').map((field, i) => (i === 2 ? (Number(field) + 0.5).toFixed(2) : field)).join(','));
    await writeFile(join(india, name!), `${[header, ...warmer].join('\n')}\n`);
    const summary = await run();
    expect(summary.inputs).toMatchObject({ read: 1, dirtyDays: 1 });
    await expectSameAsFull();
  });

  it('drops the rows of a deleted file', async () => {
    await rm(join(dataDir, 'live_data', 'stream_run_a', `date=${day(-3)}`), { recursive: true, force: true });
    const summary = await run();
    expect(summary.inputs.gone).toBe(1);
    await expectSameAsFull();
  });

  it('does nothing for a file that was only touched', async () => {
    const before = await goldChecksums(incremental);
    const file = join(dataDir, 'live_data', 'stream_run_a', `date=${day(-1)}`, 'hour=12', 'part-00001.jsonl');
    await writeFile(file, await readFile(file));
    const summary = await run(Date.now() + 5 * 60_000); // a scheduled run minutes later: the watermark moves
    expect(summary.watermark.getTime()).toBeGreaterThan(runs.at(-2)!.watermark.getTime());
    expect(summary.inputs).toMatchObject({ read: 0, dirtyDays: 0 });
    expect(summary.model).toBeNull(); // nothing new to learn from: the published model stays
    // Only the watermark moved, over nothing that its silence would close: no day is stepped again.
    expect(summary.episodes.days).toBe(0);
    expect(await goldChecksums(incremental)).toEqual(before);
    await expectSameAsFull();
  });

  it('recovers from a run killed with SIGKILL while it rebuilds silver', async () => {
    const hour = TODAY - 2 * DAY + 7 * 3_600_000;
    await writeArchive(hourDir(join(dataDir, 'live_data', 'stream_run_b'), hour), 'part-00001.jsonl', Array.from({ length: 30 }, (_, i) => ({ id: `killed-${i}`, ts: hour + i * 1000 })));
    const env = { DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: incremental.schema, PULSE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const killed = startPulse(['batch'], env);
    await killed.waitForOutput('rebuilding silver', 60_000);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const next = await run();
    expect(next.inputs.read).toBeGreaterThan(0);
    await expectSameAsFull();
  });
});
