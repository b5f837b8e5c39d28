// Each layer's index.ts is its surface: nothing outside a layer imports a file inside it
// other than that index.ts (tools, benchmarks and tests included), so a layer can rearrange
// its files without breaking another. Test support is test/'s own; code elsewhere reaches it
// through test/support/index.ts.

import { readFile } from 'node:fs/promises';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './index.ts';
import { filesUnder } from './source-tree.ts';

const SOURCE = /\.(ts|mjs|svelte)$/;
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The imports of `file` (repository-relative) that reach into another layer past its index.ts. */
export function intrusions(file: string, text: string): string[] {
  const layer = file.split('/')[0];
  const found: string[] = [];
  for (const match of text.matchAll(RELATIVE_IMPORT)) {
    const target = normalize(join(dirname(file), match[1] as string));
    const [targetLayer, ...rest] = target.split('/');
    if (targetLayer === layer || rest.length === 0) continue;
    const inside = rest.join('/');
    if (inside === 'index.ts' || (targetLayer === 'test' && inside === 'support/index.ts')) continue;
    found.push(target);
  }
  return found;
}

describe('layer surfaces', () => {
  it('finds an import that reaches into another layer, and lets one through the index', () => {
    expect(intrusions('eval/datasets.ts', "import { stageFiles } from '../batch/absorb.ts';")).toEqual(['batch/absorb.ts']);
    expect(intrusions('eval/datasets.ts', "import type { Duck } from '../batch/index.ts';\nimport { x } from './own.ts';")).toEqual([]);
    expect(intrusions('dashboard/src/App.svelte', "  import { cpuLevel } from '../../telemetry/alerts.ts';")).toEqual(['telemetry/alerts.ts']);
    expect(intrusions('bench/dashboard.ts', "const { launchBrowser } = await import('../test/support/browser.ts');")).toEqual(['test/support/browser.ts']);
  });

  it('holds for every source file of the repository', async () => {
    const root = packageRoot.replace(/\/$/, '');
    const offending: string[] = [];
    for (const path of await filesUnder(root, (name) => SOURCE.test(name))) {
      const file = relative(root, path);
      if (file === 'infra/layer-surfaces.test.ts') continue; // its examples above are strings, not imports
      for (const target of intrusions(file, await readFile(path, 'utf8'))) offending.push(`${file} → ${target}`);
    }
    expect(offending).toEqual([]);
  });
});
