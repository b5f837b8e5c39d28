// A compact Isolation Forest (Liu, Ting & Zhou, 2008): random axis-aligned splits isolate
// anomalies in fewer steps than normal points. Pure and seeded, so the batch layer can
// train it and the speed layer can score with the very same code; models are plain JSON.

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export type IsolationNode =
  | { leaf: true; size: number }
  | { leaf: false; feature: number; split: number; left: IsolationNode; right: IsolationNode };

export interface IsolationForest { trees: IsolationNode[]; sampleSize: number; features: number }

export interface ForestOptions { trees?: number; sampleSize?: number; seed?: number }

const EULER = 0.5772156649;

/** Average path length of an unsuccessful search in a binary search tree of n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

function buildTree(rows: readonly ArrayLike<number>[], depth: number, limit: number, random: () => number, features: number): IsolationNode {
  if (rows.length <= 1 || depth >= limit) return { leaf: true, size: rows.length };
  // Try features in a random order (Fisher–Yates) until one still varies among these rows.
  const order = Array.from({ length: features }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (const feature of order) {
    let min = Infinity;
    let max = -Infinity;
    for (const row of rows) {
      const v = row[feature] as number;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max <= min) continue;
    const split = min + random() * (max - min);
    const left = rows.filter((row) => (row[feature] as number) < split);
    const right = rows.filter((row) => (row[feature] as number) >= split);
    return { leaf: false, feature, split, left: buildTree(left, depth + 1, limit, random, features), right: buildTree(right, depth + 1, limit, random, features) };
  }
  return { leaf: true, size: rows.length };
}

/** Fit a forest on rows of equal length (already standardized; no nulls). */
export function fitIsolationForest(rows: readonly ArrayLike<number>[], options: ForestOptions = {}): IsolationForest {
  const features = rows[0]?.length ?? 0;
  const sampleSize = Math.min(options.sampleSize ?? 256, rows.length);
  const rng = xoroshiro128plus(options.seed ?? 42);
  const random = () => uniformFloat64(rng);
  const limit = Math.ceil(Math.log2(Math.max(2, sampleSize)));
  const trees: IsolationNode[] = [];
  for (let t = 0; t < (options.trees ?? 100); t += 1) {
    const sample = Array.from({ length: sampleSize }, () => rows[Math.floor(random() * rows.length)] as ArrayLike<number>);
    trees.push(buildTree(sample, 0, limit, random, features));
  }
  return { trees, sampleSize, features };
}

function pathLength(node: IsolationNode, row: readonly number[], depth: number): number {
  if (node.leaf) return depth + averagePathLength(node.size);
  return pathLength((row[node.feature] as number) < node.split ? node.left : node.right, row, depth + 1);
}

/** Anomaly score in (0, 1]: near 1 for anomalies, around 0.5 or below for normal points. */
export function isolationScore(forest: IsolationForest, row: readonly number[]): number {
  if (forest.trees.length === 0) return 0.5;
  const mean = forest.trees.reduce((sum, tree) => sum + pathLength(tree, row, 0), 0) / forest.trees.length;
  return 2 ** (-mean / averagePathLength(forest.sampleSize));
}

/**
 * A forest laid out in typed arrays for scoring on the hot path: walking nested objects
 * costs a pointer chase per node; flat arrays keep a tree in a few cache lines.
 */
export interface CompiledForest {
  readonly roots: Int32Array;
  readonly feature: Int16Array;
  readonly split: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Path length credited on reaching a leaf: depth so far is added while walking. */
  readonly leafLength: Float64Array;
  readonly norm: number;
}

export function compileForest(forest: IsolationForest): CompiledForest {
  const feature: number[] = [];
  const split: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const leafLength: number[] = [];
  const add = (node: IsolationNode): number => {
    const index = feature.length;
    feature.push(-1); split.push(0); left.push(-1); right.push(-1); leafLength.push(0);
    if (node.leaf) {
      leafLength[index] = averagePathLength(node.size);
      return index;
    }
    feature[index] = node.feature;
    split[index] = node.split;
    left[index] = add(node.left);
    right[index] = add(node.right);
    return index;
  };
  const roots = forest.trees.map(add);
  return {
    roots: Int32Array.from(roots), feature: Int16Array.from(feature), split: Float64Array.from(split),
    left: Int32Array.from(left), right: Int32Array.from(right), leafLength: Float64Array.from(leafLength),
    norm: averagePathLength(forest.sampleSize),
  };
}

/** The same score as isolationScore, from a compiled forest. */
export function compiledScore(forest: CompiledForest, row: ArrayLike<number>): number {
  const { roots, feature, split, left, right, leafLength } = forest;
  if (roots.length === 0) return 0.5;
  let total = 0;
  for (let t = 0; t < roots.length; t += 1) {
    let node = roots[t] as number;
    let depth = 0;
    let f = feature[node] as number;
    while (f >= 0) {
      node = (row[f] as number) < (split[node] as number) ? (left[node] as number) : (right[node] as number);
      depth += 1;
      f = feature[node] as number;
    }
    total += depth + (leafLength[node] as number);
  }
  return 2 ** (-(total / roots.length) / forest.norm);
}
