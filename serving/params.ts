// Query-string validation: every endpoint declares its parameters with zod; anything
// unknown or malformed is a 400 naming the parameter, before any SQL is built.

import { z } from 'zod';
import { METRICS, type Metric } from '../telemetry/index.ts';
import { badRequest } from './errors.ts';

const REGION = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a region name');
const HOST = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/, 'expected a host id');
const INSTANT = z.string().max(40).transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});
const STEP = z.string().regex(/^\d{1,4}(s|m|h|d)$/, 'expected a step such as 30s, 5m, 1h or 1d').transform((text) => {
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(text.slice(0, -1)) * unit;
}).refine((ms) => ms >= 60_000, 'the step is at least 1m');

export const schemas = {
  overview: z.object({ region: REGION.optional(), from: INSTANT.optional(), to: INSTANT.optional() }).strict(),
  timeseries: z.object({
    metric: z.enum(METRICS as unknown as [Metric, ...Metric[]]).default('cpu_pct'), group: z.enum(['region', 'host']).default('region'),
    region: REGION.optional(), host: HOST.optional(), from: INSTANT.optional(), to: INSTANT.optional(), step: STEP.optional(),
  }).strict(),
  histogram: z.object({
    metric: z.literal('temp_c').default('temp_c'), region: REGION.optional(), from: INSTANT.optional(), to: INSTANT.optional(),
    bins: z.coerce.number().int().min(1).max(200).default(20),
  }).strict(),
  volume: z.object({ from: INSTANT.optional(), to: INSTANT.optional(), step: STEP.optional() }).strict(),
  hosts: z.object({ region: REGION.optional() }).strict(),
  alerts: z.object({ status: z.enum(['firing', 'resolved', 'all']).default('all'), kind: z.enum(['threshold', 'anomaly', 'all']).default('all'), region: REGION.optional(), from: INSTANT.optional(), to: INSTANT.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }).strict(),
  anomalies: z.object({
    region: REGION.optional(), host: HOST.optional(), from: INSTANT.optional(), to: INSTANT.optional(), limit: z.coerce.number().int().min(1).max(5000).default(500),
  }).strict(),
  healthScores: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional(), region: REGION.optional(), limit: z.coerce.number().int().min(1).max(1000).default(20) }).strict(),
  stream: z.object({
    region: REGION.optional(),
    interval: z.enum(['1s', '5s', '30s', '1m']).default('1s').transform((v) => ({ '1s': 1000, '5s': 5000, '30s': 30_000, '1m': 60_000 })[v]),
  }).strict(),
  none: z.object({}).strict(),
} as const;

/** Parse `query` with `schema`, or throw a 400 that names the first bad parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const flat = Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v : v]));
  const parsed = schema.safeParse(flat);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw badRequest('UNKNOWN_PARAMETER', `unknown parameter ${issue.keys.join(', ')}`);
  const name = issue?.path.join('.') || 'query';
  throw badRequest('INVALID_PARAMETER', `${name}: ${issue?.message ?? 'invalid'}`);
}

/** A time range, defaulting to the hour before now; `from` must precede `to`, at most 400 days. */
export function timeRange(from: number | undefined, to: number | undefined, defaultSpanMs = 3_600_000): { from: number; to: number } {
  const end = to ?? Date.now();
  const start = from ?? end - defaultSpanMs;
  if (start >= end) throw badRequest('INVALID_PARAMETER', 'from: must be before to');
  if (end - start > 400 * 86_400_000) throw badRequest('INVALID_PARAMETER', 'from: the range is at most 400 days');
  return { from: start, to: end };
}

const STEPS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

/** The smallest standard step giving at most `points` buckets over the range. */
export function adaptiveStep(range: { from: number; to: number }, points = 360): number {
  return STEPS.find((step) => (range.to - range.from) / step <= points) ?? 86_400_000;
}
