// Every relative link in the README and docs/ leads somewhere: a file or folder that exists,
// and, when the link names a #section of a Markdown page, a heading of that page.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from './paths.ts';

const PAGES = ['README.md', ...readdirSync(join(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'bench/RESULTS.md'];

/** The page's lines outside fenced code blocks (a `# comment` in a shell block is no heading). */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else return !fenced;
    return false;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const plain = (heading[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = plain.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n += 1) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Relative link targets of a page (inline code and code blocks excluded). */
function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const line of prose(text)) {
    for (const match of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

describe('relativeLinks and headingAnchors', () => {
  it('find links outside code, and anchors as GitHub makes them', () => {
    const page = '# The `pulse` command\n## Pulse vs Apache Spark (PySpark 3.5.7)\n## Tests\n## Tests\n'
      + 'See [a](docs/a.md#x), ![b](b.png), `[c](not-a-link.md)`, [d](https://example.com).\n```sh\n# not a heading [e](e.md)\n```\n';
    expect(relativeLinks(page)).toEqual(['docs/a.md#x', 'b.png']);
    expect([...headingAnchors(page)]).toEqual(['the-pulse-command', 'pulse-vs-apache-spark-pyspark-357', 'tests', 'tests-1']);
  });
});

/** What is wrong with a link from `page`, or null when it leads somewhere. */
function brokenLink(page: string, link: string): string | null {
  const [path = '', anchor] = link.split('#');
  const target = path === '' ? join(packageRoot, page) : join(packageRoot, dirname(page), decodeURIComponent(path));
  if (!existsSync(target)) return `${link}: ${relative(packageRoot, target)} does not exist`;
  if (anchor === undefined || !target.endsWith('.md')) return null;
  return headingAnchors(readFileSync(target, 'utf8')).has(anchor) ? null : `${link}: no heading #${anchor} in ${relative(packageRoot, target)}`;
}

describe('relative links', () => {
  it.each(PAGES)('every one in %s leads to an existing file, folder or heading', (page) => {
    const links = relativeLinks(readFileSync(join(packageRoot, page), 'utf8'));
    expect(links.map((link) => brokenLink(page, link)).filter((problem) => problem !== null)).toEqual([]);
  });
});
