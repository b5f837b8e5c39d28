// Fault: the cold archive's disk fills up, then turns read-only. The archive lives on a
// real tmpfs mounted for this test (read-only: a read-only tmpfs mounted over it) (we run as root; the test is skipped where mounting is
// not allowed). The speed layer stops committing, reports the failure in its log and in
// speed_status, and catches up on its own when space returns.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../../infra/index.ts';
import { isolatedSchema, testBrokers, testDatabaseUrl, testKafka, uniqueName } from '../support/isolation.ts';
import { startPulse, type PulseProcess } from '../support/pulse-process.ts';
import { recordScenario, scaled, speedOutcome, speedRejects, timeUntilProgress } from '../support/reliability.ts';
import { nativeReadings, produce, waitFor } from '../support/telemetry-fixtures.ts';
import { committedOffsets } from '../support/topic-index.ts';

const EVENTS = scaled(30_000, 200_000);
const FAULT_MS = 6_000;

function mountTmpfs(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}
const remount = (dir: string, options: string) => execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'pipe' });

async function canMount(): Promise<boolean> {
  const probe = await mkdtemp(join(tmpdir(), 'pulse-mount-probe-'));
  try {
    mountTmpfs(probe, 'size=1m');
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { recursive: true, force: true });
  }
}

/** `partition:offset` of every whole line in the archive, finished files and in-progress ones alike. */
async function archivedOffsets(dir: string): Promise<Set<string>> {
  const offsets = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.jsonl(\.inprogress)?$/.test(entry.name)) continue;
    for (const line of (await readFile(join(entry.parentPath, entry.name), 'utf8')).split('\n')) {
      if (!line.endsWith('}')) continue;
      const { partition, offset } = JSON.parse(line) as { partition: number; offset: number };
      offsets.add(`${partition}:${offset}`);
    }
  }
  return offsets;
}

describe.skipIf(!(await canMount()))('fault: the cold archive disk full, then read-only', async () => {
  const db = await isolatedSchema('diskfault');
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-diskfault-'));
  const archive = join(dataDir, 'live_data');
  await mkdir(archive);
  mountTmpfs(archive, 'size=3m');
  const topic = uniqueName('diskfault');
  const group = uniqueName('diskfault-group');
  const env = {
    KAFKA_BROKERS: testBrokers().join(','), DATABASE_URL: testDatabaseUrl(), PULSE_DB_SCHEMA: db.schema, PULSE_TOPIC: topic,
    PULSE_DATA_DIR: dataDir, PULSE_SPEED_GROUP: group, LOG_LEVEL: 'info', PULSE_ARCHIVE_ROLL_AGE: '2s',
  };
  let speed: PulseProcess | undefined;
  const kafka = testKafka();
  const count = () => db.pool.query('SELECT count(*)::int AS n FROM readings_hot').then((r) => r.rows[0].n as number);

  afterAll(async () => {
    await speed?.stop('SIGKILL');
    for (let layer = 0; layer < 2; layer++) {
      try {
        execFileSync('umount', ['-l', archive], { stdio: 'pipe' });
      } catch {
        // not mounted
      }
    }
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** While the fault lasts, committed offsets stand still. */
  const expectCommitsHeld = async () => {
    await new Promise((r) => setTimeout(r, 2_000)); // batches already durable may still commit
    const held = await committedOffsets(kafka, group, topic);
    await new Promise((r) => setTimeout(r, FAULT_MS - 2_000));
    expect(await committedOffsets(kafka, group, topic)).toEqual(held);
    return held;
  };
  /** Every event below the offsets committed during a fault is in the archive. */
  const expectArchived = async (held: Map<number, number>) => {
    const archived = await archivedOffsets(archive);
    const missing: string[] = [];
    for (const [partition, offset] of held) for (let o = 0; o < offset; o++) if (!archived.has(`${partition}:${o}`)) missing.push(`${partition}:${o}`);
    expect(missing).toEqual([]);
  };

  it('holds offsets while the archive cannot be written, reports why, and catches up afterwards', async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 6 }]);
    const fixtures = nativeReadings(EVENTS, { days: Math.ceil(EVENTS / 50_000) });
    speed = startPulse(['speed'], env);
    await speed.waitForOutput('speed layer running', 60_000);
    const half = Math.floor(EVENTS / 2);
    const stream = (from: number, to: number) => produce(kafka, topic, fixtures.slice(from, to).map((f) => f.message), Math.ceil(EVENTS / 60), 400);
    const firstHalf = stream(0, half); // ~12 s each half

    // 1. Disk full: the 3 MB tmpfs fills up after a few thousand events.
    await speed.waitForOutput('ENOSPC', 120_000);
    await expectArchived(await expectCommitsHeld());
    const status = await db.pool.query(`SELECT sink_errors FROM speed_status`);
    expect(JSON.stringify(status.rows)).toContain('cold archive');
    expect(speed.output()).toContain('sink write failed; retrying, offsets held');
    let stored = await count();
    remount(archive, 'size=1g');
    const fullRecovery = await timeUntilProgress(count, stored, 60_000);

    // 2. Read-only, while the second half streams in; the first half's last file has rolled.
    await firstHalf;
    await waitFor(count, (n) => n >= half, 120_000);
    await new Promise((r) => setTimeout(r, 3_000));
    // `remount,ro` is refused while a file is open for writing (EBUSY), so a read-only tmpfs
    // goes over live_data/: creating a file or directory, or renaming one, fails (EROFS, or
    // ENOENT where the run's directory is missing from the read-only layer).
    mountTmpfs(archive, 'ro,size=1m');
    const mark = speed.output().length;
    const secondHalf = stream(half, EVENTS);
    await waitFor(async () => speed!.output().slice(mark), (text) => text.includes('sink write failed; retrying, offsets held'), 60_000);
    const held = await expectCommitsHeld().catch((e: unknown) => { execFileSync('umount', [archive]); throw e; });
    stored = await count();
    execFileSync('umount', [archive]);
    await expectArchived(held);
    const writableAt = Date.now();
    const readOnlyRecovery = await timeUntilProgress(count, stored, 60_000);
    await secondHalf;
    await waitFor(count, (n) => n >= EVENTS, 120_000);
    const catchUpMs = Date.now() - writableAt;
    expect(await speed.stop('SIGTERM')).toBe(0);

    const outcome = await speedOutcome(db.pool, fixtures.map((f) => f.expected.event_id));
    const archived = await archivedOffsets(archive);
    const rejects = await speedRejects(db.pool);
    await recordScenario({
      scenario: 'cold archive disk full, then read-only', suite: 'fault', sent: EVENTS, ...outcome, lost: outcome.lost + (EVENTS - archived.size),
      recoverySeconds: Math.max(fullRecovery, readOnlyRecovery) / 1000, catchUpSeconds: catchUpMs / 1000, rejectsByReason: rejects,
      detail: `\`live_data/\` on a real 3 MB tmpfs: it filled up (ENOSPC) and was grown after ${FAULT_MS / 1000} s, then, for the second half of the stream, covered by a read-only tmpfs (new files, directories and renames fail) for ${FAULT_MS / 1000} s; committed offsets stood still during each fault and never passed an unarchived event; the failure showed in the log and speed_status.sink_errors; lost counts events missing from the hot rows or the archive.`,
    });
    expect(outcome).toMatchObject({ stored: EVENTS, lost: 0, duplicated: 0, unexpected: 0 });
    expect(archived.size).toBe(EVENTS);
  });
});
