// File-level mechanics of the cold archive: one JSON-lines file written under a hidden
// temporary name, fsynced on demand, and renamed into place when complete; and the
// recovery of files a crashed process left behind.

import { open, readdir, rename, stat, truncate, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { IN_PROGRESS_SUFFIX } from '../telemetry/index.ts';

export { IN_PROGRESS_SUFFIX };

/** Hidden in-progress name of a final file: `.part-00001.jsonl.inprogress`. */
export function inProgressName(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}${IN_PROGRESS_SUFFIX}`);
}

export function finalName(inProgressPath: string): string {
  return join(dirname(inProgressPath), basename(inProgressPath).slice(1, -IN_PROGRESS_SUFFIX.length));
}

/** Make a rename durable: fsync the directory that holds the entry. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class ArchiveFile {
  readonly finalPath: string;
  readonly openedAt: number;
  bytes = 0;
  private dirty = false;
  private closed = false;
  /** Set when cutting a failed append back did not work either; done before the next append. */
  private tornAt: number | undefined;
  private readonly handle: FileHandle;

  private constructor(finalPath: string, handle: FileHandle, openedAt: number) {
    this.finalPath = finalPath;
    this.handle = handle;
    this.openedAt = openedAt;
  }

  static async create(finalPath: string, now: number): Promise<ArchiveFile> {
    return new ArchiveFile(finalPath, await open(inProgressName(finalPath), 'a'), now);
  }

  /**
   * Append whole lines, or nothing: a short write (disk full) or a failed one leaves the file
   * cut back to where it was, so the retried batch does not glue onto half a line.
   */
  async append(text: string): Promise<void> {
    if (this.tornAt !== undefined) {
      await this.handle.truncate(this.tornAt);
      this.tornAt = undefined;
    }
    const buffer = Buffer.from(text);
    try {
      for (let written = 0; written < buffer.byteLength;) {
        written += (await this.handle.write(buffer, written, buffer.byteLength - written)).bytesWritten;
      }
    } catch (error) {
      this.dirty = true;
      await this.handle.truncate(this.bytes).catch(() => (this.tornAt = this.bytes));
      throw error;
    }
    this.bytes += buffer.byteLength;
    this.dirty = true;
  }

  async sync(): Promise<void> {
    if (!this.dirty) return;
    await this.handle.sync();
    this.dirty = false; // only once it worked: a failed fsync is tried again before any commit
  }

  /** fsync, close, rename into place, fsync the directory; safe to call again after a failure. */
  async complete(): Promise<void> {
    if (!this.closed) {
      await this.handle.sync();
      this.dirty = false;
      await this.handle.close();
      this.closed = true;
    }
    await rename(inProgressName(this.finalPath), this.finalPath);
    await syncDirectory(dirname(this.finalPath));
  }
}

/**
 * Finish an in-progress file left by a process that died: keep every complete line
 * (fsynced before offsets were committed), drop a torn last line, rename into place.
 */
export async function recoverInProgressFile(path: string): Promise<'recovered' | 'empty' | 'gone'> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch {
    return 'gone'; // another process recovered it first
  }
  try {
    const { size } = await handle.stat();
    const keep = await lastNewlineEnd(handle, size);
    if (keep < size) await truncate(path, keep);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if ((await stat(path)).size === 0) {
    await rename(path, `${path}.empty`).catch(() => undefined);
    return 'empty';
  }
  await rename(path, finalName(path)).catch(() => undefined);
  await syncDirectory(dirname(path));
  return 'recovered';
}

async function lastNewlineEnd(handle: FileHandle, size: number): Promise<number> {
  const chunk = 64 * 1024;
  for (let end = size; end > 0; end -= chunk) {
    const start = Math.max(0, end - chunk);
    const buffer = Buffer.alloc(end - start);
    await handle.read(buffer, 0, buffer.length, start);
    const index = buffer.lastIndexOf(0x0a);
    if (index >= 0) return start + index + 1;
  }
  return 0;
}

/** Every in-progress file below `dir`. */
export async function findInProgressFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith(IN_PROGRESS_SUFFIX)).map((e) => join(e.parentPath, e.name));
}
