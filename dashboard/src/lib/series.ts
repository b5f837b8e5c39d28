// Turning API rows into chart series: grouped by series in one pass (rows arrive ordered
// by time), with a null point wherever readings are missing for longer than the data's own
// step, so Chart.js draws a gap instead of a straight line across it.

export interface XY { x: number; y: number | null }
export interface Series { label: string; points: XY[] }

/** The typical spacing of `xs` (their median step), or `fallback` with fewer than two points. */
export function typicalStep(xs: readonly number[], fallback: number): number {
  if (xs.length < 2) return fallback;
  const steps: number[] = [];
  for (let i = 1; i < xs.length; i++) {
    const step = (xs[i] as number) - (xs[i - 1] as number);
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return fallback;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] as number;
}

/** `points` (sorted by x) with a null after any point followed by a silence over 2.5 steps. */
export function withGaps(points: readonly XY[], step: number): XY[] {
  const out: XY[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as XY;
    const previous = points[i - 1];
    if (previous && point.x - previous.x > 2.5 * step) out.push({ x: previous.x + step, y: null });
    out.push(point);
  }
  return out;
}

/** Rows of (series, t, value) grouped into one series each, gaps marked. Linear in the rows. */
export function groupSeries<R>(rows: readonly R[], key: (row: R) => string, x: (row: R) => number, y: (row: R) => number | null, fallbackStep = 60_000): Series[] {
  const by = new Map<string, XY[]>();
  for (const row of rows) {
    const label = key(row);
    let points = by.get(label);
    if (!points) by.set(label, (points = []));
    points.push({ x: x(row), y: y(row) });
  }
  return [...by].map(([label, points]) => {
    points.sort((a, b) => a.x - b.x);
    return { label, points: withGaps(points, typicalStep(points.map((p) => p.x), fallbackStep)) };
  });
}
