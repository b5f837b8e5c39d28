// Event-window scoring, as NAB counts it: a detection inside a labeled window is one true
// positive for that window however many detections it holds, a detection outside every
// window of its host is a false positive, and a window without any detection is a false negative.
// Windows include their end, as NAB's do.

import type { AnomalyScore } from '../telemetry/index.ts';

export interface LabeledWindow { entity: string; kind: string; start: number; end: number }
export interface Detection { entity: string; at: number; metric: string | null; score: number; reason: AnomalyScore['reason']; z: number | null }

export interface Counts { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number }
export interface WindowScores { overall: Counts; byKind: Record<string, Counts> }

export function counts(tp: number, fp: number, fn: number): Counts {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/**
 * Score detections against windows. A false positive belongs to no window, so it is charged
 * to the kinds `falsePositiveKinds` names for it (e.g. the kinds that show in its metric);
 * the overall figures count it once.
 */
export function scoreDetections(
  windows: readonly LabeledWindow[], detections: readonly Detection[], falsePositiveKinds: (d: Detection) => readonly string[],
): WindowScores {
  const byEntity = new Map<string, LabeledWindow[]>();
  for (const w of windows) {
    const list = byEntity.get(w.entity) ?? [];
    list.push(w);
    byEntity.set(w.entity, list);
  }
  const detected = new Set<LabeledWindow>();
  const kinds = new Map<string, { tp: number; fp: number; fn: number }>();
  const tally = (kind: string) => kinds.get(kind) ?? kinds.set(kind, { tp: 0, fp: 0, fn: 0 }).get(kind)!;
  for (const w of windows) tally(w.kind);
  let falsePositives = 0;
  for (const d of detections) {
    const inside = (byEntity.get(d.entity) ?? []).filter((w) => d.at >= w.start && d.at <= w.end);
    for (const w of inside) detected.add(w);
    if (inside.length > 0) continue;
    falsePositives += 1;
    for (const kind of falsePositiveKinds(d)) tally(kind).fp += 1;
  }
  for (const w of windows) {
    if (detected.has(w)) tally(w.kind).tp += 1;
    else tally(w.kind).fn += 1;
  }
  const byKind = Object.fromEntries([...kinds].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, counts(c.tp, c.fp, c.fn)]));
  return { overall: counts(detected.size, falsePositives, windows.length - detected.size), byKind };
}
