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
  /** `value` is the reading that cleared it, or null when the host fell silent (`silent`). */
  | { type: 'resolved'; at: number; value: number | null; peak: number; silent?: true };

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

/**
 * A host silent for longer than this ends its open episodes, in both layers and by the same
 * rule: a firing alert is resolved at the host's last reading + this span (`silent`), and a
 * pending breach is forgotten (readings "in a row" need the host to keep reporting). 15
 * minutes outlasts three missed readings of a 5-minute series.
 */
export const ALERT_SILENCE_MS = 15 * 60_000;

/** Silence's effect at `now` on one rule's state, for a host last heard from at `lastSeen`. */
export function silenceAlert(state: AlertState, lastSeen: number | null, now: number): { state: AlertState; change: AlertChange | null } {
  if (state.phase === 'inactive' || lastSeen === null || now - lastSeen <= ALERT_SILENCE_MS) return { state, change: null };
  if (state.phase === 'pending') return { state: INACTIVE, change: null };
  return { state: INACTIVE, change: { type: 'resolved', at: lastSeen + ALERT_SILENCE_MS, value: null, peak: state.peak, silent: true } };
}

/** One host's threshold alerts: a state per rule of THRESHOLD_RULES (same order), and when it was last heard from. */
export interface HostAlerts { lastSeen: number | null; rules: readonly AlertState[] }
export const NO_HOST_ALERTS: HostAlerts = Object.freeze({ lastSeen: null, rules: Object.freeze(THRESHOLD_RULES.map(() => INACTIVE)) });
export interface RuleChange { rule: ThresholdRule; change: AlertChange }

/** Silence at `now` on every rule of a host (a sweep, or the end of the data a batch covers). */
export function silenceHostAlerts(host: HostAlerts, now: number): { host: HostAlerts; changes: RuleChange[] } {
  // The common case on every reading: the host has not been silent, nothing to look at.
  if (host.lastSeen === null || now - host.lastSeen <= ALERT_SILENCE_MS) return { host, changes: [] };
  const changes: RuleChange[] = [];
  const rules = host.rules.map((state, i) => {
    const silenced = silenceAlert(state, host.lastSeen, now);
    if (silenced.change) changes.push({ rule: THRESHOLD_RULES[i] as ThresholdRule, change: silenced.change });
    return silenced.state;
  });
  return { host: { lastSeen: host.lastSeen, rules }, changes };
}

/**
 * One reading of a host through every threshold rule — the one implementation both layers
 * run: silence since the host's previous reading first, then each rule's stepAlert.
 */
export function stepHostAlerts(host: HostAlerts, reading: { ts: number } & Partial<Record<Metric, number | null>>, forReadings = DEFAULT_FOR_READINGS): { host: HostAlerts; changes: RuleChange[] } {
  const silenced = silenceHostAlerts(host, reading.ts);
  const changes = silenced.changes.length === 0 ? [] : [...silenced.changes];
  // Most readings change no rule's state: the rules array is shared until one does.
  let rules = silenced.host.rules;
  for (let i = 0; i < rules.length; i += 1) {
    const rule = THRESHOLD_RULES[i] as ThresholdRule;
    const state = rules[i] as AlertState;
    const stepped = stepAlert(state, rule, reading[rule.metric] ?? null, reading.ts, forReadings);
    if (stepped.change) changes.push({ rule, change: stepped.change });
    if (stepped.state !== state) {
      if (rules === silenced.host.rules) rules = [...rules];
      (rules as AlertState[])[i] = stepped.state;
    }
  }
  return { host: { lastSeen: Math.max(host.lastSeen ?? Number.NEGATIVE_INFINITY, reading.ts), rules }, changes };
}
