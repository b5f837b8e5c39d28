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
