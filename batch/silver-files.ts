// The files of one silver partition (silver/date=D/region=R/). A rewrite of the whole
// partition is a base file, base-N.parquet; rows merged in by later runs are delta files,
// delta-N.parquet, so an incremental run writes only its new rows instead of the whole day
// again. N grows by one with every file written to the partition. A file is renamed into
// place only once it is complete, and never overwritten, so every file a reader lists is
// whole. The rule that makes a rewrite atomic: the base with the highest N replaces every
// file numbered below it. A run killed between renaming a new base into place and
// unlinking what it replaced leaves files that Pulse's listing ignores and the next write
// to the partition removes.

import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const PARTITION_FILE = /^(base|delta)-(\d{6,})\.parquet$/;
/** Silver of Pulse ≤ 0.3: one file per partition, read as the base numbered 0. */
const LEGACY_FILE = 'readings.parquet';

export interface PartitionFiles {
  /** The files that hold the partition's rows now, oldest first. */
  live: string[];
  /** Deltas among them (written after the newest base). */
  deltas: number;
  /** Files a newer base replaced, left by a run that was killed. */
  replaced: string[];
  /** The number the next file written to the partition gets. */
  next: number;
}

const fileName = (kind: 'base' | 'delta', n: number) => `${kind}-${String(n).padStart(6, '0')}.parquet`;

export async function partitionFiles(dir: string): Promise<PartitionFiles> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files = entries.flatMap((name) => {
    if (name === LEGACY_FILE) return [{ name, kind: 'base', n: 0 }];
    const match = PARTITION_FILE.exec(name);
    return match ? [{ name, kind: match[1] as string, n: Number(match[2]) }] : [];
  }).sort((a, b) => a.n - b.n);
  const newestBase = files.filter((f) => f.kind === 'base').at(-1)?.n ?? -1;
  const live = files.filter((f) => f.n >= newestBase);
  return {
    live: live.map((f) => join(dir, f.name)),
    deltas: live.filter((f) => f.kind === 'delta').length,
    replaced: files.filter((f) => f.n < newestBase).map((f) => join(dir, f.name)),
    next: (files.at(-1)?.n ?? 0) + 1,
  };
}

/**
 * Moves a complete file into the partition as its next file: a delta (its rows are added)
 * or a base (it holds all of the partition's rows, and the files before it are removed).
 * Files a killed run left behind, replaced by a newer base, go too.
 */
export async function addPartitionFile(dir: string, written: string, kind: 'base' | 'delta'): Promise<void> {
  await mkdir(dir, { recursive: true });
  const before = await partitionFiles(dir);
  await rename(written, join(dir, fileName(kind, before.next)));
  for (const old of kind === 'base' ? [...before.live, ...before.replaced] : before.replaced) await rm(old, { force: true });
}
