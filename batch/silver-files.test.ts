import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPartitionFile, partitionFiles } from './silver-files.ts';

describe('the files of a silver partition', () => {
  let root: string;
  let dir: string;
  const written = async (name: string) => {
    const file = join(root, name);
    await writeFile(file, name);
    return file;
  };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pulse-partition-'));
    dir = join(root, 'date=2026-11-01', 'region=lab');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('numbers each file after the ones before, and lists a base with the deltas written after it', async () => {
    await addPartitionFile(dir, await written('a'), 'base');
    await addPartitionFile(dir, await written('b'), 'delta');
    await addPartitionFile(dir, await written('c'), 'delta');
    expect(await readdir(dir)).toEqual(['base-000001.parquet', 'delta-000002.parquet', 'delta-000003.parquet']);
    expect(await partitionFiles(dir)).toMatchObject({ deltas: 2, replaced: [], next: 4 });
  });

  it('lets a new base replace every file numbered below it', async () => {
    await addPartitionFile(dir, await written('a'), 'base');
    await addPartitionFile(dir, await written('b'), 'delta');
    await addPartitionFile(dir, await written('c'), 'base');
    expect(await readdir(dir)).toEqual(['base-000003.parquet']);
  });

  it('ignores, then removes, what a run killed after renaming a new base left of the files it replaced', async () => {
    await mkdir(dir, { recursive: true });
    for (const name of ['base-000001.parquet', 'delta-000002.parquet', 'base-000003.parquet']) await writeFile(join(dir, name), name);
    const files = await partitionFiles(dir);
    expect(files.live).toEqual([join(dir, 'base-000003.parquet')]);
    expect(files.replaced).toHaveLength(2);
    await addPartitionFile(dir, await written('d'), 'delta');
    expect(await readdir(dir)).toEqual(['base-000003.parquet', 'delta-000004.parquet']);
  });

  it('reads the one file of an older silver as the base numbered 0, and ignores files that are not its own', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'readings.parquet'), 'old');
    await writeFile(join(dir, 'notes.txt'), 'not silver');
    await addPartitionFile(dir, await written('e'), 'delta');
    expect((await partitionFiles(dir)).live).toEqual([join(dir, 'readings.parquet'), join(dir, 'delta-000001.parquet')]);
  });
});
