// The speed layer's cold sink: every raw message, exactly as received, with its topic,
// partition, offset and timestamp, appended to JSON-lines files under
// live_data/stream_run_<UTC start>/date=YYYY-MM-DD/hour=HH/ (by Kafka timestamp).
// Files roll by size and age; `sync()` makes everything appended so far durable, which
// the consumer awaits before committing offsets. A lock file with a heartbeat marks the
// run as alive, so a later process can finish the files of a run whose owner died.

import { hostname } from 'node:os';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../infra/index.ts';
import { ARCHIVE_FILE_SUFFIX, archiveLine, archivePartition, runDirectoryName, type ArchiveEntry } from '../telemetry/index.ts';
import { ArchiveFile, findInProgressFiles, recoverInProgressFile } from './archive-files.ts';

export interface ColdArchiveOptions {
  /** `$PULSE_DATA_DIR/live_data`. */
  root: string;
  rollBytes: number;
  rollMs: number;
  logger?: Logger;
  /** A run whose lock has not been touched for this long is considered dead (default 30 s). */
  staleAfterMs?: number;
}

const LOCK = 'run.lock';
const HEARTBEAT_MS = 5_000;

function partitionDir(timestampMs: number): string {
  return join(...archivePartition(timestampMs));
}

export class ColdArchive {
  readonly runDir: string;
  private readonly options: ColdArchiveOptions;
  private readonly open = new Map<string, ArchiveFile>();
  private readonly finishing: ArchiveFile[] = [];
  private sequence = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(runDir: string, options: ColdArchiveOptions) {
    this.runDir = runDir;
    this.options = options;
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Recover runs whose owners died, then start a new run. */
  static async open(options: ColdArchiveOptions): Promise<ColdArchive> {
    await mkdir(options.root, { recursive: true });
    await recoverDeadRuns(options.root, options.staleAfterMs ?? 30_000, options.logger);
    const runDir = join(options.root, runDirectoryName(Date.now(), Math.random().toString(16).slice(2, 6)));
    await mkdir(runDir, { recursive: true });
    await writeFile(join(runDir, LOCK), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    return new ColdArchive(runDir, options);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async beat(): Promise<void> {
    const now = new Date();
    await utimes(join(this.runDir, LOCK), now, now).catch(() => undefined);
  }

  /** Append entries to the files of their hour; rolls files that are full or old. */
  append(entries: readonly ArchiveEntry[]): Promise<void> {
    return this.serial(async () => {
      const byDir = new Map<string, string[]>();
      for (const entry of entries) {
        const dir = partitionDir(Number(entry.timestamp));
        const lines = byDir.get(dir) ?? [];
        lines.push(archiveLine(entry));
        byDir.set(dir, lines);
      }
      for (const [dir, lines] of byDir) {
        const file = await this.fileFor(dir);
        await file.append(lines.join(''));
      }
      // The lines are written; a file that cannot be renamed yet is retried by rollIdle.
      await this.rollDue().catch((error: unknown) => this.options.logger?.warn({ err: error }, 'archive roll failed; retrying'));
    });
  }

  /** fsync every file written since the last sync. */
  sync(): Promise<void> {
    return this.serial(async () => {
      await Promise.all([...this.open.values(), ...this.finishing].map((f) => f.sync()));
    });
  }

  private async fileFor(dir: string): Promise<ArchiveFile> {
    const existing = this.open.get(dir);
    if (existing) return existing;
    await mkdir(join(this.runDir, dir), { recursive: true });
    this.sequence += 1;
    const file = await ArchiveFile.create(join(this.runDir, dir, `part-${String(this.sequence).padStart(5, '0')}${ARCHIVE_FILE_SUFFIX}`), Date.now());
    this.open.set(dir, file);
    return file;
  }

  /** Complete files over the size limit or older than the age limit. */
  private async rollDue(now = Date.now()): Promise<void> {
    for (const [dir, file] of this.open) {
      if (file.bytes >= this.options.rollBytes || now - file.openedAt >= this.options.rollMs) {
        this.open.delete(dir);
        this.finishing.push(file);
      }
    }
    await this.finishRolled();
  }

  /** Rename rolled files into place; one that fails (read-only disk) is tried again on the next roll. */
  private async finishRolled(): Promise<void> {
    while (this.finishing.length > 0) {
      await (this.finishing[0] as ArchiveFile).complete();
      this.finishing.shift();
    }
  }

  /** Roll by age even when no new messages arrive (called periodically). */
  rollIdle(): Promise<void> {
    return this.serial(() => this.rollDue());
  }

  /** Complete every open file and release the run. */
  close(): Promise<void> {
    clearInterval(this.heartbeat);
    return this.serial(async () => {
      this.finishing.push(...this.open.values());
      this.open.clear();
      await this.finishRolled();
      await rm(join(this.runDir, LOCK), { force: true });
    });
  }
}

async function isDeadRun(runDir: string, staleAfterMs: number): Promise<boolean> {
  try {
    const lock = await stat(join(runDir, LOCK));
    if (Date.now() - lock.mtimeMs > staleAfterMs) return true;
    const owner = JSON.parse(await readFile(join(runDir, LOCK), 'utf8')) as { pid: number; host: string };
    if (owner.host !== hostname()) return false;
    try {
      process.kill(owner.pid, 0);
      return false;
    } catch {
      return true;
    }
  } catch {
    return true; // no lock: closed cleanly, or died before writing it
  }
}

async function recoverDeadRuns(root: string, staleAfterMs: number, logger?: Logger): Promise<void> {
  const runs = (await readdir(root)).filter((name) => name.startsWith('stream_run_'));
  for (const run of runs) {
    const runDir = join(root, run);
    const pending = await findInProgressFiles(runDir);
    const locked = await stat(join(runDir, LOCK)).then(() => true, () => false);
    if ((pending.length === 0 && !locked) || !(await isDeadRun(runDir, staleAfterMs))) continue;
    for (const file of pending) {
      const outcome = await recoverInProgressFile(file);
      logger?.warn({ file, outcome }, 'finished an archive file left by a stopped speed process');
    }
    await rm(join(runDir, LOCK), { force: true });
  }
}
