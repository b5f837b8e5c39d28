// Physical and temporal plausibility of a canonical record. Each failure names its
// reason code and field, so quarantines can be counted per reason.

import { METRICS, type Metric, type TelemetryRecord } from './record.ts';
import { reject, type Rejection } from './rejection.ts';
import { roundTo } from './units.ts';

/** Inclusive physical range and kept decimals of each canonical metric. */
export const METRIC_RULES: Readonly<Record<Metric, { min: number; max: number; digits: number }>> = {
  temp_c: { min: -50, max: 150, digits: 1 },
  cpu_pct: { min: 0, max: 100, digits: 2 },
  mem_pct: { min: 0, max: 100, digits: 2 },
  disk_pct: { min: 0, max: 100, digits: 2 },
  net_in_kbps: { min: 0, max: 100_000_000, digits: 2 },
  net_out_kbps: { min: 0, max: 100_000_000, digits: 2 },
  voltage_v: { min: 0, max: 1000, digits: 2 },
  power_w: { min: 0, max: 100_000, digits: 1 },
};

export interface TimeLimits {
  /** Earliest accepted event time, epoch ms (default 2000-01-01T00:00:00Z). */
  earliestMs: number;
  /** How far ahead of `now` an event time may be, in ms (default 15 minutes). */
  maxFutureMs: number;
}

export const DEFAULT_TIME_LIMITS: TimeLimits = Object.freeze({
  earliestMs: Date.UTC(2000, 0, 1),
  maxFutureMs: 15 * 60_000,
});

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const REGION = /^[a-z][a-z0-9_-]{0,31}$/;

export function isValidIdentifier(text: string): boolean {
  return IDENTIFIER.test(text);
}

export function isValidRegion(text: string): boolean {
  return REGION.test(text);
}

/** Round a metric to its kept precision (DuckDB `round` semantics). */
export function roundMetric(metric: Metric, value: number): number {
  return roundTo(value, METRIC_RULES[metric].digits);
}

/** The first rule the record breaks, or null when it is plausible. */
export function validateRecord(
  record: TelemetryRecord,
  now: number,
  limits: TimeLimits = DEFAULT_TIME_LIMITS,
): Rejection | null {
  if (!Number.isSafeInteger(record.ts)) return reject('bad_time', 'event time is not a whole millisecond', 'ts');
  if (!isValidIdentifier(record.host_id)) return reject('bad_id', `host id ${JSON.stringify(record.host_id.slice(0, 40))} is not an identifier`, 'host_id');
  if (!isValidRegion(record.region)) return reject('bad_id', `region ${JSON.stringify(record.region.slice(0, 40))} is not a region name`, 'region');
  if (!isValidIdentifier(record.event_id)) return reject('bad_id', 'event_id is not an identifier', 'event_id');
  if (record.ts < limits.earliestMs) return reject('stale_time', `event time ${isoOrRaw(record.ts)} is before ${isoOrRaw(limits.earliestMs)}`, 'ts');
  if (record.ts > now + limits.maxFutureMs) return reject('future_time', `event time ${isoOrRaw(record.ts)} is in the future`, 'ts');
  for (const metric of METRICS) {
    const value = record[metric];
    if (value === null) continue;
    const { min, max } = METRIC_RULES[metric];
    if (value < min || value > max) return reject('out_of_range', `${metric} ${value} is outside ${min}…${max}`, metric);
  }
  return null;
}

function isoOrRaw(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
