// The repository's files, walked the way its structural checks need: folders that hold no
// source of ours (dependencies, builds, data, caches) are never entered.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const NOT_SOURCE = ['node_modules', 'dist', 'data', '.git', '.cache', '.scratch'];

/** Files under `dir` whose name `wanted` accepts, skipping hidden folders, those above and `skip`. */
export async function filesUnder(dir: string, wanted: (name: string) => boolean, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (NOT_SOURCE.includes(entry.name) || skip.includes(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, wanted, skip)));
    else if (wanted(entry.name)) out.push(path);
  }
  return out;
}
