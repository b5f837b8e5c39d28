// Parsers for command-line option values: each rejects bad input with a message that
// names the option, through commander's InvalidArgumentError.

import { InvalidArgumentError } from 'commander';
import { HISTORY_REGIONS, type HistoryRegion } from '../telemetry/index.ts';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function regionList(value: string): HistoryRegion[] {
  const regions = value.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = regions.filter((r) => !(HISTORY_REGIONS as readonly string[]).includes(r));
  if (regions.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated subset of ${HISTORY_REGIONS.join(',')}`);
  }
  return [...new Set(regions)] as HistoryRegion[];
}

/** A UTC calendar day, YYYY-MM-DD, as epoch ms at its midnight. */
export function utcDay(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return ms;
}

/** An instant: `now` (the current minute), a UTC day YYYY-MM-DD (its midnight), or ISO-8601 with a zone. */
export function instant(value: string): number {
  if (value === 'now') return Math.floor(Date.now() / 60_000) * 60_000;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return utcDay(value);
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected now, a date YYYY-MM-DD or an ISO-8601 time with a zone (2026-12-01T09:30Z)');
  return ms;
}

export function todayUtc(now = Date.now()): number {
  return Math.floor(now / 86_400_000) * 86_400_000;
}

/** A duration such as 500ms, 30s, 15m, 2h. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 30s, 15m or 2h');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
