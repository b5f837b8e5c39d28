// Alerts and anomalies as batch views, incremental like the rest: which days to step
// through the rules again, and with what. A day is recomputed when its silver or gold is
// (dirty, or the watermark moved over it), when its walk-forward model changed (a dirty
// day among the 7 before it), or when the day before it now ends in another state. Each day
// starts from the state the day before ended in, and is scored by the model trained on the
// 7 days before it (batch_day_models keeps them, so an unchanged window is not retrained).

import { createHash } from 'node:crypto';
import { PulseError, type Pool } from '../infra/index.ts';
import {
  AnomalyScorer, DAY_PROFILE_FORMAT, METRICS, profileDay, THRESHOLD_RULES, ANOMALY_FEATURES, type AnomalyModel, type DayProfile, type Metric,
} from '../telemetry/index.ts';
import { trainAnomalyModel } from './anomaly-training.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';
import { EpisodeSpool } from './episode-spool.ts';
import { parseCarry, serializeCarry, serializeProgress, stepDay, wouldSilence, type Carry, type DayColumns } from './episodes.ts';
import { progressFiles, readingsAfterProgress, storedProgress, type StoredProgress } from './step-progress.ts';
import { dayRows } from './day-rows.ts';
import { silverFiles, silverRelation } from './silver.ts';

const DAY = 86_400_000;
const MODEL_WINDOW_DAYS = 7;
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface EpisodeViews {
  /** Days whose rows of the four tables are replaced (`all`: a full run). */
  days: readonly string[] | 'all';
  /**
   * On disk until publishing: the stepped days' segments and anomalous readings, each stepped
   * day's end state with its profile (what its readings say about normal, for the models of
   * the days after it), and the models trained again.
   */
  spool: EpisodeSpool;
  /** The profiles of the last days stepped (a model needs 7), parsed. */
  profiles: Map<string, DayProfile>;
  /** Days stepped without a profile (published as none): a model that needs one profiles the day's silver. */
  unprofiled: Set<string>;
  /** Days whose walk-forward model is replaced: trained again (in the spool, unless there was nothing to learn from) or gone; the others keep theirs. */
  modelDays: string[];
  /** The last model trained, as an object (the speed layer's, when its day is the watermark's). */
  lastModel: { day: string; model: AnomalyModel } | null;
  /** Where stepping the last day stopped, when it was stepped (else the stored progress stands). */
  progress: StoredProgress | null;
  /** Days stepped on from their stored progress: their earlier anomalous readings stand, the spool holds the new ones. */
  resumed: string[];
}

export interface EpisodeInput {
  duck: Duck; pool: Pool; dataDir: string; watermark: number; previousWatermark: number | null; forReadings: number; full: boolean;
  /** Every day silver holds after this run's rebuild, sorted. */
  silverDays: readonly string[];
  dirtyDays: readonly string[];
  goldDays: readonly string[];
  /** Where the spool is written (the run's work folder). */
  spoolDir: string;
  phase: (name: string) => void;
}

/** Days to step at first: the gold days, and the days whose model window holds a dirty day; for a day that is gone, the day after it. */
function initialDays(input: EpisodeInput, covered: readonly string[]): Set<string> {
  if (input.full) return new Set(covered);
  const wanted = new Set(input.goldDays.filter((d) => covered.includes(d)));
  for (const dirty of input.dirtyDays) {
    const start = dayStart(dirty);
    for (const day of covered) {
      const after = (dayStart(day) - start) / DAY;
      if (after >= 1 && after <= MODEL_WINDOW_DAYS) wanted.add(day);
    }
    if (!covered.includes(dirty)) {
      const next = covered.find((d) => d > dirty);
      if (next) wanted.add(next);
    }
  }
  return wanted;
}

/** Whether `other` is one of the 7 days before `day` (its model's training window). */
const inModelWindow = (other: string, day: string) => dayStart(other) < dayStart(day) && dayStart(other) >= dayStart(day) - MODEL_WINDOW_DAYS * DAY;

/** Where a day's profile comes from: this run's stepping, the published views, or (for days stepped before profiles existed) its silver. */
export type ProfileSource = (day: number) => Promise<DayProfile | null>;

export function profileSource(input: Pick<EpisodeInput, 'duck' | 'pool' | 'dataDir' | 'watermark'>, fresh: ReadonlyMap<string, DayProfile>,
  unprofiled: ReadonlySet<string> = new Set()): ProfileSource {
  return async (dayMs) => {
    const day = isoDay(dayMs);
    const known = fresh.get(day);
    if (known) return known;
    const published = unprofiled.has(day) ? null : await publishedProfile(input.pool, day);
    if (published) return published;
    const rows = await dayRows(input, day);
    return rows.ts_ms.length === 0 ? null : profileOfRows(dayMs, rows);
  };
}

/** The profile of a day's rows (the model features of the readings stepped). */
function profileOfRows(day: number, rows: DayColumns): DayProfile {
  let at = 0;
  const hosts = rows.hosts.map((h) => {
    const from = at;
    at += h.rows;
    return { region: h.region, host: h.host, from, to: at };
  });
  const empty = new Float64Array(rows.ts_ms.length).fill(Number.NaN);
  return profileDay({ day, features: ANOMALY_FEATURES, ts: rows.ts_ms, values: ANOMALY_FEATURES.map((f) => rows.metrics[f] ?? empty), hosts });
}

/** The walk-forward model of `day`, trained on the silver of the 7 days before it (null: nothing to learn from). */
export async function trainDayModel(duck: Duck, dataDir: string, silverDays: readonly string[], day: string, profileOf: ProfileSource): Promise<AnomalyModel | null> {
  const window = silverDays.filter((d) => inModelWindow(d, day));
  const silver = window.length > 0 ? await silverRelation(dataDir, window) : null;
  return silver ? trainAnomalyModel(duck, { table: silver, before: dayStart(day), profileOf }) : null;
}

/** Whether `day`'s published walk-forward model still holds: there is one, and no day of its training window changed. */
const keepsModel = (input: EpisodeInput, day: string, published: ReadonlySet<string>) =>
  !input.full && published.has(day) && !input.dirtyDays.some((d) => inModelWindow(d, day));

/** The walk-forward model of `day`: the published one when its window did not change, else trained again. */
async function modelOf(input: EpisodeInput, day: string, published: ReadonlySet<string>, profileOf: ProfileSource): Promise<{ model: AnomalyModel | null; trained: boolean }> {
  if (keepsModel(input, day, published)) {
    const stored = await input.pool.query<{ model: AnomalyModel }>('SELECT model FROM batch_day_models WHERE day = $1', [day]);
    if (stored.rows[0]) return { model: stored.rows[0].model, trained: false };
  }
  return { model: await trainDayModel(input.duck, input.dataDir, input.silverDays, day, profileOf), trained: true };
}

/**
 * The published profile of a day stepped again although its readings are the ones it was
 * profiled from (not dirty, and wholly before the previous watermark): e.g. the day that was
 * last, once a newer one exists.
 */
async function unchangedProfile(input: EpisodeInput, day: string): Promise<DayProfile | null> {
  if (input.full || input.dirtyDays.includes(day) || input.previousWatermark === null || input.previousWatermark < dayStart(day) + DAY) return null;
  return publishedProfile(input.pool, day);
}

/** The profile published with a day's alert views (null: none, or of an older format). */
async function publishedProfile(pool: Pool, day: string): Promise<DayProfile | null> {
  const stored = await pool.query<{ profile: DayProfile | null }>('SELECT profile FROM batch_alert_carry WHERE day = $1', [day]);
  const profile = stored.rows[0]?.profile;
  return profile?.format === DAY_PROFILE_FORMAT ? profile : null;
}

/** The published carry a day starts from: the newest one before it (every day's carry holds every host seen so far). */
async function publishedCarryBefore(pool: Pool, day: string): Promise<Carry> {
  const row = await pool.query<{ states: string }>('SELECT states::text AS states FROM batch_alert_carry WHERE day < $1 ORDER BY day DESC LIMIT 1', [day]);
  return row.rows[0] ? parseCarry(row.rows[0].states) : new Map();
}

/**
 * Whether the last day, wanted only because the watermark moved, would come out of stepping
 * as it was published: none of its inputs or its model changed, no reading of it lay between
 * the two watermarks, and its published end state holds nothing the new watermark silences.
 * A scheduled run with no new data then steps nothing (it stepped the whole day, ~2 s for
 * 500,000 readings, on every run). If the day before it changes after all, the stepping loop
 * wants the day again.
 */
async function lastDayUnchanged(input: EpisodeInput, day: string, modelDays: ReadonlySet<string>): Promise<boolean> {
  if (input.previousWatermark === null || input.dirtyDays.includes(day) || !keepsModel(input, day, modelDays)) return false;
  const files = await silverFiles(input.dataDir, [day]);
  if (files.length > 0) {
    const [between] = await input.duck.rows<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlList(files)})
      WHERE ts_ms >= ${input.previousWatermark} AND ts_ms < ${input.watermark}`);
    if (Number(between?.n ?? 0) > 0) return false;
  }
  const stored = await input.pool.query<{ states: string }>('SELECT states::text AS states FROM batch_alert_carry WHERE day = $1', [day]);
  return stored.rows[0] !== undefined && !wouldSilence(parseCarry(stored.rows[0].states), input.watermark);
}

/** Which of the covered days to step at first, what was published of them, and the days whose models stand. */
async function daysToStep(input: EpisodeInput, covered: readonly string[]) {
  const wanted = initialDays(input, covered);
  const published = (await input.pool.query<{ day: string; states_hash: string }>('SELECT day::text AS day, states_hash FROM batch_alert_carry ORDER BY day')).rows;
  const hashes = new Map(published.map((r) => [r.day, r.states_hash]));
  // The last day with data ends at the watermark, not at midnight: a host silent since then
  // has its episodes closed. So it is stepped again on every run, and so is the day that was
  // last before, once a newer one exists.
  const last = covered.at(-1);
  const lastBefore = published.at(-1)?.day;
  if (input.previousWatermark !== input.watermark || last !== lastBefore) {
    for (const day of [last, lastBefore]) if (day !== undefined && covered.includes(day)) wanted.add(day);
  }
  const modelDays = new Set((await input.pool.query<{ day: string }>('SELECT day::text AS day FROM batch_day_models')).rows.map((r) => r.day));
  if (last !== undefined && last === lastBefore && wanted.has(last) && (await lastDayUnchanged(input, last, modelDays))) wanted.delete(last);
  return { wanted, hashes, last, modelDays };
}

interface DayToStep { day: string; last: boolean; start: Carry; model: AnomalyModel | null; trained: boolean; stored: StoredProgress | null }

/** Steps one day into the spool (the last day on from its stored progress when that holds); returns its end state and that state's hash. */
async function stepIntoSpool(input: EpisodeInput, views: EpisodeViews, d: DayToStep): Promise<{ carry: Carry; hash: string }> {
  const { day, last, start, model } = d;
  // Only the last day keeps its progress: what it started from and the files it read are asked of it alone.
  const startHash = last ? sha256(serializeCarry(start)) : '';
  const files = last ? await progressFiles(input.dataDir, day) : [];
  const after = last && !d.trained ? await readingsAfterProgress(input, d.stored, { day, files, startHash }) : null;
  if (after) views.resumed.push(day);
  const rows = after?.rows ?? (await dayRows(input, day));
  // Only the days after a day learn from its profile, so the last day is profiled when one
  // comes after it (it is stepped again then), not on every run that adds readings to it.
  const profile = last ? null : (await unchangedProfile(input, day)) ?? profileOfRows(dayStart(day), rows);
  if (profile) views.profiles.set(day, profile);
  else views.unprofiled.add(day);
  for (const known of views.profiles.keys()) if (dayStart(known) < dayStart(day) - MODEL_WINDOW_DAYS * DAY) views.profiles.delete(known);
  const stepped = stepDay({ day, rows, start, resume: after?.progress ?? null, scorer: model ? new AnomalyScorer(model) : null, forReadings: input.forReadings,
    dayEnd: last ? input.watermark : Math.min(dayStart(day) + DAY, input.watermark) });
  if (last) views.progress = { day, watermark: input.watermark, files, startHash, progress: serializeProgress(stepped.progress) };
  const ids = await rows.eventIds(stepped.points.map((p) => p.position));
  stepped.points.forEach((p, k) => { p.event_id = ids[k] as string; });
  await views.spool.add('segments', stepped.segments);
  await views.spool.add('points', stepped.points);
  const states = serializeCarry(stepped.carry);
  const hash = sha256(states);
  await views.spool.add('carries', [{ day, states, hash, profile: JSON.stringify(profile) }]);
  return { carry: stepped.carry, hash };
}

export async function computeEpisodeViews(input: EpisodeInput): Promise<EpisodeViews> {
  const covered = input.silverDays.filter((d) => dayStart(d) < input.watermark);
  const { wanted, hashes, last, modelDays } = await daysToStep(input, covered);
  // What is kept of every day until publishing is text (models, profiles): a full run holds one object model and 8 parsed profiles at a time.
  const views: EpisodeViews = {
    days: input.full ? 'all' : [], spool: new EpisodeSpool(input.spoolDir), modelDays: [], lastModel: null, profiles: new Map(), unprofiled: new Set(), progress: null, resumed: [],
  };
  const stored = input.full ? null : await storedProgress(input.pool);
  const profileOf = profileSource(input, views.profiles, views.unprofiled);
  let carry: Carry = new Map();
  let previous: string | null = null;
  for (const [i, day] of covered.entries()) {
    if (!wanted.has(day)) continue;
    input.phase(`alerts and anomalies of ${day}`);
    // Contiguous with the day stepped before: its new end state; else the published one (still valid, or that day would be here).
    const start = input.full || (previous !== null && previous === covered[i - 1]) ? carry : await publishedCarryBefore(input.pool, day);
    const { model, trained } = await modelOf(input, day, modelDays, profileOf);
    if (trained) {
      views.modelDays.push(day);
      if (model) await views.spool.add('models', [{ day, trainingRows: model.trainingRows, json: JSON.stringify(model) }]);
      views.lastModel = model ? { day, model } : null;
    }
    const stepped = await stepIntoSpool(input, views, { day, last: day === last, start, model, trained, stored });
    const next = covered[i + 1];
    if (!input.full && stepped.hash !== hashes.get(day) && next) wanted.add(next);
    carry = stepped.carry;
    previous = day;
  }
  if (!input.full) {
    const gone = input.dirtyDays.filter((d) => !covered.includes(d));
    views.days = [...new Set([...wanted, ...gone])].sort();
    views.modelDays.push(...gone);
  }
  return views;
}
