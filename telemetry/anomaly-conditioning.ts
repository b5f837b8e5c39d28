// A metric that follows another is judged against what the other predicts: a server's power
// draw follows its CPU load, so +60 % power at unchanged load is anomalous even where the
// same watts are ordinary at full load (and so within power's own hour-of-day spread), while
// the power that a CPU spike brings is not a power anomaly. Per host, a least-squares line
// from the training sample, and a robust scale of what it leaves over.

import { MAD_TO_SIGMA } from './anomaly.ts';

/** Which feature is predicted from which (both must be features of the model). */
export const CONDITIONED_ON: Readonly<Record<string, string>> = Object.freeze({ power_w: 'cpu_pct' });
/** Training pairs a host needs before its line is trusted. */
const MIN_PAIRS = 200;
/** Share of the feature's variance the line must explain: below it the hour-of-day baseline judges better. */
const MIN_EXPLAINED = 0.5;

/** feature ≈ intercept + slope × on, with `scale` the robust σ of the residual. */
export interface Conditioning { feature: number; on: number; intercept: number; slope: number; scale: number }

/** The pairs of feature indexes `features` allows. */
export function conditionedPairs(features: readonly string[]): { feature: number; on: number }[] {
  return features.flatMap((name, feature) => {
    const on = features.indexOf(CONDITIONED_ON[name] ?? '');
    return on >= 0 ? [{ feature, on }] : [];
  });
}

/** The line of one host's pair from its training rows, or null where it explains too little. */
export function fitConditioning(rows: readonly (readonly (number | null)[])[], feature: number, on: number): Conditioning | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const row of rows) {
    const x = row[on];
    const y = row[feature];
    if (x === null || x === undefined || y === null || y === undefined || x !== x || y !== y) continue;
    xs.push(x);
    ys.push(y);
  }
  const n = xs.length;
  if (n < MIN_PAIRS) return null;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0 || (sxy * sxy) / (sxx * syy) < MIN_EXPLAINED) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residuals = xs.map((x, i) => Math.abs((ys[i] as number) - intercept - slope * x)).sort((a, b) => a - b);
  const mad = residuals[Math.floor(n / 2)] as number;
  const scale = Math.max(MAD_TO_SIGMA * mad, 1e-3 * Math.max(1, Math.abs(my)));
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return { feature, on, intercept: round(intercept), slope: round(slope), scale: round(scale) };
}

/** The residual z of `values[c.feature]` given `values[c.on]`, or null where either is missing. */
export function conditionedZ(c: Conditioning, values: readonly (number | null)[]): number | null {
  const x = values[c.on];
  const y = values[c.feature];
  if (x === null || x === undefined || y === null || y === undefined) return null;
  return (y - c.intercept - c.slope * x) / c.scale;
}
