import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveFile, finalName, IN_PROGRESS_SUFFIX, inProgressName } from './archive-files.ts';

describe('cold-archive file names', () => {
  it('hides a file being written behind a dot and the in-progress suffix, and maps it back', () => {
    const final = '/data/live_data/stream_x/date=2026-12-01/hour=11/part-00001.jsonl';
    const hidden = inProgressName(final);
    expect(hidden).toBe(`/data/live_data/stream_x/date=2026-12-01/hour=11/.part-00001.jsonl${IN_PROGRESS_SUFFIX}`);
    expect(finalName(hidden)).toBe(final);
  });
});

describe('an archive file', () => {
  let dir = '';
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is written under its hidden name and appears under its final name, whole, once completed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-archive-file-'));
    const final = join(dir, 'part-00001.jsonl');
    const file = await ArchiveFile.create(final, Date.now());
    await file.append('{"a":1}\n');
    await file.append('{"a":2}\n');
    await file.sync();
    expect(await readdir(dir)).toEqual([`.part-00001.jsonl${IN_PROGRESS_SUFFIX}`]);
    expect(file.bytes).toBe(16);
    await file.complete();
    expect(await readdir(dir)).toEqual(['part-00001.jsonl']);
    expect(await readFile(final, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});
