// Functions that read in one screen: no function in production code (every layer's .ts
// outside tests, test support, benchmarks and the dashboard's .svelte files) is over 60
// lines. A longer one is split by responsibility, not exempted.

import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './index.ts';
import { filesUnder } from './source-tree.ts';

const MAX_LINES = 60;

const isProduction = (name: string) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');

/** `name (lines)` of every function in `text` longer than `limit` lines. */
export function longFunctions(file: string, text: string, limit = MAX_LINES): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
      const parent = node.parent;
      const name = node.name?.getText() ?? (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) ? parent.name.getText() : '(anonymous)');
      if (lines > limit) found.push(`${name} (${lines} lines, line ${lineOf(node.getStart()) + 1})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('function length', () => {
  it('finds a function over the limit, and not one at it', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(longFunctions('a.ts', `export function long() {\n${body(60)}\n}`)).toEqual(['long (62 lines, line 1)']);
    expect(longFunctions('a.ts', `const short = () => {\n${body(58)}\n};`)).toEqual([]);
  });

  it(`keeps every production function within ${MAX_LINES} lines`, async () => {
    const offenders: string[] = [];
    for (const file of await filesUnder(packageRoot, isProduction, ['test', 'bench'])) {
      for (const found of longFunctions(file, await readFile(file, 'utf8'))) offenders.push(`${relative(packageRoot, file)}: ${found}`);
    }
    expect(offenders).toEqual([]);
  });
});
