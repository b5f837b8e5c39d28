// One UTC day of silver streamed through the speed layer's own rules (telemetry's
// stepHostAlerts and stepAnomaly), host by host in time order, from every host's state at
// the end of the day before: the alert episodes the day holds (a segment per episode and
// day), the readings that scored as anomalous, and the states the next day starts from.
// Pure: the caller reads the rows and publishes what comes out.

import {
  advanceAnomaly, ALERT_SILENCE_MS, PulseError, ANOMALY_RULE, cloneAnomalyState, entityKey, initialAnomalyState, NO_HOST_ALERTS, silenceAlert, silenceHostAlerts, stepHostAlerts, THRESHOLD_RULES,
  type AlertChange, type AnomalyScorer, type HostAlerts, type HostAnomalyState, type Metric,
} from '../telemetry/index.ts';

/** Where one host stands at the end of a day: what the next day's stepping starts from. */
export interface HostCarry {
  alerts: HostAlerts;
  /** When each threshold rule's episode opened, while it fires (the episode's identity). */
  opened: (number | null)[];
  anomaly: HostAnomalyState | null;
  /** The open anomaly episode: its opening and what it was about. */
  anomalyOpened: { at: number; metric: string; detail: Record<string, unknown> } | null;
}
export type Carry = Map<string, HostCarry>;

export interface AlertSegment {
  day: string; region: string; host_id: string; rule: string; kind: 'threshold' | 'anomaly'; severity: string; metric: string;
  opened_at: number; fire_above: number; clear_below: number;
  /** The episode's peak so far (the episode's peak is the highest of its segments). */
  segment_peak: number; last_value: number | null; resolved_at: number | null; closed_by: 'clear' | 'silence' | null; detail: Record<string, unknown>;
}
/** An anomalous reading; `event_id` is filled in from its `position` among the day's rows. */
export interface AnomalyPointRow { day: string; position: number; event_id: string; ts: number; region: string; host_id: string; score: number; metric: string | null; value: number | null; z: number | null; reason: string }

/**
 * A day's readings as columns (NaN where a reading lacks the metric), sorted by region, host
 * and time; `hosts` gives the runs of rows of each host, in that order.
 */
export interface DayColumns {
  ts_ms: Float64Array; hosts: { region: string; host: string; rows: number }[]; metrics: Partial<Record<Metric, Float64Array>>;
  /** The event ids of the readings at these positions. */
  eventIds(positions: readonly number[]): Promise<string[]>;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
const RULE_METRICS: readonly Metric[] = [...new Set(THRESHOLD_RULES.map((rule) => rule.metric))];

const freshHost = (): HostCarry => ({ alerts: NO_HOST_ALERTS, opened: THRESHOLD_RULES.map(() => null), anomaly: null, anomalyOpened: null });

interface DayContext { day: string; forReadings: number; scorer: AnomalyScorer | null; segments: AlertSegment[]; points: AnomalyPointRow[] }

/** An open segment of threshold rule `i` of THRESHOLD_RULES. */
function thresholdSegment(ctx: DayContext, region: string, host: string, i: number, openedAt: number, peak: number): AlertSegment {
  const rule = THRESHOLD_RULES[i]!;
  return { day: ctx.day, region, host_id: host, rule: rule.id, kind: 'threshold', severity: rule.severity, metric: rule.metric, opened_at: openedAt,
    fire_above: rule.fireAbove, clear_below: rule.clearBelow, segment_peak: peak, last_value: null, resolved_at: null, closed_by: null, detail: {} };
}

/** Open segments of one host, keyed by rule id, seeded with the episodes still firing at the day's start. */
function openSegments(ctx: DayContext, region: string, host: string, carry: HostCarry): Map<string, AlertSegment> {
  const open = new Map<string, AlertSegment>();
  THRESHOLD_RULES.forEach((rule, i) => {
    const state = carry.alerts.rules[i];
    const at = carry.opened[i];
    if (state?.phase === 'firing' && at != null) open.set(rule.id, thresholdSegment(ctx, region, host, i, at, state.peak));
  });
  if (carry.anomaly?.alert.phase === 'firing' && carry.anomalyOpened) open.set(ANOMALY_RULE.id, anomalySegment(ctx, region, host, carry.anomalyOpened, carry.anomaly.alert.peak));
  return open;
}

function anomalySegment(ctx: DayContext, region: string, host: string, opened: NonNullable<HostCarry['anomalyOpened']>, peak: number): AlertSegment {
  return { day: ctx.day, region, host_id: host, rule: ANOMALY_RULE.id, kind: 'anomaly', severity: 'warning', metric: opened.metric, opened_at: opened.at,
    fire_above: ANOMALY_RULE.fireAbove, clear_below: ANOMALY_RULE.clearBelow, segment_peak: peak, last_value: null, resolved_at: null, closed_by: null, detail: opened.detail };
}

/** Applies one change to the host's open segments; a resolved segment is final. */
function applyChange(ctx: DayContext, open: Map<string, AlertSegment>, ruleId: string, change: AlertChange, opening: () => AlertSegment): void {
  if (change.type === 'fired') {
    open.set(ruleId, { ...opening(), opened_at: change.at, segment_peak: change.peak, last_value: change.value });
    return;
  }
  const segment = open.get(ruleId);
  if (!segment) return;
  segment.segment_peak = Math.max(segment.segment_peak, change.peak);
  if (change.value !== null) segment.last_value = change.value;
  if (change.type === 'resolved') {
    segment.resolved_at = change.at;
    segment.closed_by = change.silent ? 'silence' : 'clear';
    ctx.segments.push(segment);
    open.delete(ruleId);
  }
}

/** Steps one host's readings [from, to) of the day from `carry` and its `open` segments (advanced in place); returns where it then stands, before the day's end applies silence. */
function stepHost(ctx: DayContext, rows: DayColumns, span: { region: string; host: string; from: number; to: number }, carry: HostCarry, open: Map<string, AlertSegment>): HostProgress {
  const { region, host, from, to } = span;
  let { alerts, anomaly, anomalyOpened } = carry;
  const opened = [...carry.opened];
  const features = (ctx.scorer?.model.features ?? []) as Metric[];
  // This host's own copy, advanced in place reading by reading (the carry it came from stays as it was).
  if (ctx.scorer) anomaly = cloneAnomalyState(anomaly ?? initialAnomalyState(features.length), features.length);
  const applyRuleChanges = (changes: ReturnType<typeof stepHostAlerts>['changes']) => {
    for (const { rule, change } of changes) {
      const i = THRESHOLD_RULES.indexOf(rule);
      if (change.type === 'fired') opened[i] = change.at;
      if (change.type === 'resolved') opened[i] = null;
      applyChange(ctx, open, rule.id, change, () => thresholdSegment(ctx, region, host, i, change.at, change.peak));
    }
  };
  // Only the metrics a threshold rule reads: filling the others cost more than the rules.
  const metricColumns = RULE_METRICS.flatMap((m) => (rows.metrics[m] ? [[m, rows.metrics[m]] as const] : []));
  // One reading object and one feature array, refilled for each row: the rules read them and keep nothing of them.
  const reading: { ts: number } & Partial<Record<Metric, number | null>> = { ts: 0 };
  for (const [metric] of metricColumns) reading[metric] = null;
  const featureValues: (number | null)[] = features.map(() => null);
  const featureColumns = features.map((f) => rows.metrics[f]);
  const anomalyReading = { region, host, ts: 0, values: featureValues };
  for (let r = from; r < to; r += 1) {
    const ts = rows.ts_ms[r] as number;
    reading.ts = ts;
    for (const [metric, values] of metricColumns) {
      const value = values[r] as number;
      reading[metric] = value === value ? value : null; // NaN: the reading lacks the metric
    }
    const stepped = stepHostAlerts(alerts, reading, ctx.forReadings);
    alerts = stepped.host;
    applyRuleChanges(stepped.changes);
    if (!ctx.scorer || !anomaly) continue;
    for (let f = 0; f < features.length; f += 1) {
      const value = featureColumns[f]?.[r] ?? Number.NaN;
      featureValues[f] = value === value ? value : null;
    }
    anomalyReading.ts = ts;
    const scored = advanceAnomaly(ctx.scorer, anomaly, anomalyReading, ctx.forReadings);
    const { score } = scored;
    if (score.score >= 1) {
      const column = score.metric ? rows.metrics[score.metric as Metric] : undefined;
      const value = column && column[r] === column[r] ? (column[r] as number) : null;
      ctx.points.push({ day: ctx.day, position: r, event_id: '', ts, region, host_id: host, score: score.score, metric: score.metric, value, z: score.z, reason: score.reason });
    }
    if (scored.silenced === null && scored.change === null) continue; // most readings: no array of changes to walk
    for (const change of [scored.silenced, scored.change]) {
      if (!change) continue;
      if (change.type === 'fired') {
        anomalyOpened = { at: change.at, metric: score.metric ?? features[0] ?? 'cpu_pct', detail: { score: round(score.score), metric: score.metric, z: score.z === null ? null : round(score.z), reason: score.reason } };
      }
      const opening = anomalyOpened;
      if (opening) applyChange(ctx, open, ANOMALY_RULE.id, change, () => anomalySegment(ctx, region, host, opening, change.peak));
      if (change.type === 'resolved') anomalyOpened = null;
    }
  }
  return { carry: { alerts, opened, anomaly, anomalyOpened }, open };
}

/** Silence at the end of the covered part of the day closes what a silent host left open; the other open segments are written as still firing. */
function endOfDay(ctx: DayContext, open: Map<string, AlertSegment>, carry: HostCarry, dayEnd: number): HostCarry {
  const silenced = silenceHostAlerts(carry.alerts, dayEnd);
  const opened = [...carry.opened];
  for (const { rule, change } of silenced.changes) {
    opened[THRESHOLD_RULES.indexOf(rule)] = null;
    applyChange(ctx, open, rule.id, change, () => { throw new PulseError('BATCH_INVARIANT', 'a silenced episode is always open'); });
  }
  let { anomaly, anomalyOpened } = carry;
  if (anomaly) {
    const quiet = silenceAlert(anomaly.alert, anomaly.lastSeen, dayEnd);
    if (quiet.change) {
      applyChange(ctx, open, ANOMALY_RULE.id, quiet.change, () => { throw new PulseError('BATCH_INVARIANT', 'a silenced episode is always open'); });
      anomalyOpened = null;
    }
    anomaly = { ...anomaly, alert: quiet.state };
  }
  ctx.segments.push(...open.values());
  return { alerts: silenced.host, opened, anomaly, anomalyOpened };
}

/** Where one host stands after the readings stepped so far, before the day's end applies silence: what stepping more of the day's readings continues from. */
export interface HostProgress { carry: HostCarry; open: Map<string, AlertSegment> }

/**
 * A day stepped up to some readings, before its end: every host's progress, and the segments
 * already closed. Stepping later readings from it (each after every reading of its host that
 * was stepped) gives what stepping all of them would, so the last day, which every run extends,
 * is stepped from where the run before stopped instead of from midnight.
 */
export interface DayProgress { hosts: Map<string, HostProgress>; closed: AlertSegment[] }

const copyProgress = (p: HostProgress): HostProgress => ({ carry: p.carry, open: new Map([...p.open].map(([rule, s]) => [rule, { ...s }])) });

/**
 * Steps a day's rows (sorted by region, host, time) from `start`, or from `resume` (the same
 * day stepped up to readings before these); hosts without readings are carried over, their
 * silence applied at `dayEnd` (the day's end, or the watermark on its day). Returns the day's
 * segments and points, the carry at its end, and its progress before that end.
 */
export function stepDay(options: { day: string; rows: DayColumns; start: Carry; resume?: DayProgress | null; scorer: AnomalyScorer | null; forReadings: number; dayEnd: number }) {
  const ctx: DayContext = { day: options.day, forReadings: options.forReadings, scorer: options.scorer, segments: [], points: [] };
  const { rows, resume } = options;
  const begin = (key: string): HostProgress => {
    const known = resume?.hosts.get(key);
    if (known) return copyProgress(known);
    const slash = key.indexOf('/');
    const carry = options.start.get(key) ?? freshHost();
    return { carry, open: openSegments(ctx, key.slice(0, slash), key.slice(slash + 1), carry) };
  };
  const hosts = new Map<string, HostProgress>();
  let from = 0;
  for (const { region, host, rows: n } of rows.hosts) {
    const key = entityKey(region, host); // region/host: PostgreSQL's JSON text may not hold NUL
    const { carry, open } = begin(key);
    hosts.set(key, stepHost(ctx, rows, { region, host, from, to: from + n }, carry, open));
    from += n;
  }
  for (const key of resume ? resume.hosts.keys() : options.start.keys()) if (!hosts.has(key)) hosts.set(key, begin(key));
  const progress: DayProgress = { hosts: new Map([...hosts].map(([key, p]) => [key, copyProgress(p)])), closed: [...(resume?.closed ?? []), ...ctx.segments] };
  ctx.segments = [...progress.closed];
  const carry: Carry = new Map();
  for (const [key, p] of hosts) carry.set(key, endOfDay(ctx, p.open, p.carry, options.dayEnd));
  return { segments: ctx.segments, points: ctx.points, carry, progress };
}

/**
 * Whether ending a day's stepping at `at` instead of where its carry was ended would change
 * it: some host has a rule or its anomaly alert pending or firing, and was last heard from
 * more than ALERT_SILENCE_MS before `at` (silence then forgets or resolves it).
 */
export function wouldSilence(carry: Carry, at: number): boolean {
  const silent = (lastSeen: number | null) => lastSeen !== null && at - lastSeen > ALERT_SILENCE_MS;
  for (const host of carry.values()) {
    if (silent(host.alerts.lastSeen) && host.alerts.rules.some((r) => r.phase !== 'inactive')) return true;
    if (host.anomaly && silent(host.anomaly.lastSeen) && host.anomaly.alert.phase !== 'inactive') return true;
  }
  return false;
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A carry as canonical JSON, and back: keys sorted at every level (PostgreSQL's jsonb
 * reorders them, and the text is hashed to tell whether a day ended in another state),
 * infinite peaks kept as text.
 */
export function serializeCarry(carry: Carry): string {
  return canonicalJson(Object.fromEntries(carry));
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(byKey));
    return v;
  });
}

const parseJson = (text: string): unknown => JSON.parse(text, (_key, value: unknown) => (value === 'Infinity' || value === '-Infinity' ? Number(value) : value));

export function parseCarry(text: string): Carry {
  return new Map(Object.entries(parseJson(text) as Record<string, HostCarry>));
}

/** A day's progress as JSON (open segments as lists), and back. */
export function serializeProgress(progress: DayProgress): string {
  const hosts = Object.fromEntries([...progress.hosts].map(([key, p]) => [key, { carry: p.carry, open: [...p.open.values()] }]));
  return canonicalJson({ hosts, closed: progress.closed });
}

export function parseProgress(text: string): DayProgress {
  const parsed = parseJson(text) as { hosts: Record<string, { carry: HostCarry; open: AlertSegment[] }>; closed: AlertSegment[] };
  const hosts = new Map(Object.entries(parsed.hosts).map(([key, p]) => [key, { carry: p.carry, open: new Map(p.open.map((s) => [s.rule, s])) }]));
  return { hosts, closed: parsed.closed };
}
