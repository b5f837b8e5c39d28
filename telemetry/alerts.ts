// Alert rules and CPU levels of the original systems, plus the hysteresis thresholds
// that keep an alert from flapping when a value hovers around its limit.

import type { Metric, TelemetryRecord } from './record.ts';

/** A reading is critical above these limits (strictly greater than). */
export const CRITICAL_TEMP_C = 90;
export const CRITICAL_CPU_PCT = 90;

export const CPU_LEVELS = ['HIGH', 'MEDIUM', 'NORMAL'] as const;
export type CpuLevel = (typeof CPU_LEVELS)[number];

/** HIGH above 80 %, MEDIUM above 50 %, else NORMAL; null when CPU is not reported. */
export function cpuLevel(cpuPct: number | null): CpuLevel | null {
  if (cpuPct === null) return null;
  if (cpuPct > 80) return 'HIGH';
  if (cpuPct > 50) return 'MEDIUM';
  return 'NORMAL';
}

/** Whether a reading breaks either critical limit (the original overheating banner rule). */
export function isCritical(record: Pick<TelemetryRecord, 'temp_c' | 'cpu_pct'>): boolean {
  return (record.temp_c !== null && record.temp_c > CRITICAL_TEMP_C)
    || (record.cpu_pct !== null && record.cpu_pct > CRITICAL_CPU_PCT);
}

export interface ThresholdRule {
  readonly id: string;
  readonly metric: Metric;
  readonly severity: 'critical' | 'warning';
  /** The condition holds while the value is strictly above this. */
  readonly fireAbove: number;
  /** A firing alert resolves only once the value is strictly below this (hysteresis). */
  readonly clearBelow: number;
}

export const THRESHOLD_RULES: readonly ThresholdRule[] = [
  { id: 'temp_critical', metric: 'temp_c', severity: 'critical', fireAbove: CRITICAL_TEMP_C, clearBelow: 85 },
  { id: 'cpu_critical', metric: 'cpu_pct', severity: 'critical', fireAbove: CRITICAL_CPU_PCT, clearBelow: 80 },
];

/** Readings in a row that must break a rule before its alert fires (default). */
export const DEFAULT_FOR_READINGS = 3;

export type AlertPhase = 'inactive' | 'pending' | 'firing';

/** Where one host stands on one rule. */
export interface AlertState {
  phase: AlertPhase;
  /** Consecutive breaching readings so far (pending). */
  breaches: number;
  /** Time of the first reading of the current breach. */
  since: number | null;
  /** Highest value seen since the breach began. */
  peak: number;
}

export const INACTIVE: AlertState = Object.freeze({ phase: 'inactive', breaches: 0, since: null, peak: Number.NEGATIVE_INFINITY });

export type AlertChange =
  | { type: 'fired'; at: number; since: number; value: number; peak: number }
  | { type: 'peaked'; at: number; value: number; peak: number }
  | { type: 'resolved'; at: number; value: number; peak: number };

/**
 * One reading's effect on a rule, Prometheus style: the condition must hold for
 * `forReadings` readings in a row before the alert fires (pending → firing), and a
 * firing alert resolves only once the value drops below the rule's lower clear threshold,
 * so a value hovering at the limit does not flap. Null readings change nothing.
 */
export function stepAlert(
  state: AlertState, rule: Pick<ThresholdRule, 'fireAbove' | 'clearBelow'>, value: number | null, ts: number, forReadings = DEFAULT_FOR_READINGS,
): { state: AlertState; change: AlertChange | null } {
  if (value === null) return { state, change: null };
  const breaching = value > rule.fireAbove;
  if (state.phase === 'firing') {
    if (value < rule.clearBelow) return { state: INACTIVE, change: { type: 'resolved', at: ts, value, peak: state.peak } };
    if (value > state.peak) {
      const next = { ...state, peak: value };
      return { state: next, change: { type: 'peaked', at: ts, value, peak: value } };
    }
    return { state, change: null };
  }
  if (!breaching) return { state: state.phase === 'inactive' ? state : INACTIVE, change: null };
  const since = state.since ?? ts;
  const breaches = state.breaches + 1;
  const peak = Math.max(state.peak, value);
  if (breaches >= forReadings) {
    return { state: { phase: 'firing', breaches, since, peak }, change: { type: 'fired', at: ts, since, value, peak } };
  }
  return { state: { phase: 'pending', breaches, since, peak }, change: null };
}
