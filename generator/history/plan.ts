// What a history run will contain, computed before anything is written: the time
// range, the fleet, each region's schema change, and every labeled incident. Then the
// rows, in file order, as a pure generator that writers and tests both consume.

import { PulseError, type HistoryRegion, type NativeSchema } from '../../telemetry/index.ts';
import { fleet, type HostProfile } from '../signals/fleet.ts';
import { HostModel } from '../signals/host-model.ts';
import { planIncidents, type Incident } from '../signals/incidents.ts';
import { schemaChangeTimes, schemaFor, toNativeRecord, visibleKinds, type NativeRecord } from '../signals/native-records.ts';
import { createRandom, mixSeed } from '../signals/random.ts';

export interface HistoryOptions {
  serversPerRegion: number;
  days: number;
  intervalSeconds: number;
  seed: number;
  regions: readonly HistoryRegion[];
  /** End of the history (exclusive), epoch ms: a UTC midnight, or the current minute for history up to now. */
  end: number;
  /** Start (inclusive); default `end` minus `days` days. A backfill starts where the last history or live event left off. */
  from?: number;
  /** 'newest': every region writes its newest schema throughout (a backfill continues where live left off); default: each region changes schema once. */
  schemas?: 'evolving' | 'newest';
  /** Expected incidents per host per day. */
  incidentRate: number;
}

export interface HistoryPlan {
  options: HistoryOptions;
  from: number;
  to: number;
  hosts: HostProfile[];
  changeAt: Record<HistoryRegion, number>;
  incidents: Incident[];
}

export const DAY_MS = 86_400_000;

export function versionAt(plan: Pick<HistoryPlan, 'changeAt'>, region: HistoryRegion, ts: number): NativeSchema {
  return schemaFor(region, ts >= plan.changeAt[region] ? 2 : 1);
}

export function planHistory(options: HistoryOptions): HistoryPlan {
  if (86_400 % options.intervalSeconds !== 0) throw new PulseError('INVALID_ARGUMENT', '--interval must divide a day (86400 s) evenly');
  const to = options.end;
  const from = options.from ?? to - options.days * DAY_MS;
  if (!(from < to)) throw new PulseError('INVALID_ARGUMENT', 'the history must start before it ends');
  const hosts = fleet(options.regions, options.serversPerRegion, options.seed, options.intervalSeconds);
  const changeAt = options.schemas === 'newest' ? { india: from, usa: from, germany: from } : schemaChangeTimes(from, to);
  const incidents = hosts.flatMap((host) => planIncidents({
    region: host.region, hostId: host.hostId, from, to, ratePerDay: options.incidentRate,
    kindsAt: (ts) => visibleKinds(versionAt({ changeAt }, host.region, ts)),
    random: createRandom(mixSeed(host.seed, 'incidents')),
  }));
  incidents.sort((a, b) => a.start - b.start || a.region.localeCompare(b.region) || a.hostId.localeCompare(b.hostId));
  return { options, from, to, hosts, changeAt, incidents };
}

export interface HistoryRow {
  region: HistoryRegion;
  schema: NativeSchema;
  /** UTC day of the row's tick, YYYY-MM-DD: its file. */
  day: string;
  record: NativeRecord;
}

/** Every row of the history, tick by tick, host by host (so each region's files are written in order). */
export function* historyRows(plan: HistoryPlan): Generator<HistoryRow> {
  const step = plan.options.intervalSeconds * 1000;
  const models = plan.hosts.map((host) => new HostModel(host, plan.from, plan.incidents.filter((i) => i.hostId === host.hostId && i.region === host.region)));
  for (let tick = plan.from; tick < plan.to; tick += step) {
    const day = new Date(tick).toISOString().slice(0, 10);
    for (const model of models) {
      const { region, hostId, phaseSeconds } = model.profile;
      const schema = versionAt(plan, region, tick);
      yield { region, schema, day, record: toNativeRecord(schema, hostId, model.read(tick + phaseSeconds * 1000)) };
    }
  }
}

export function totalRows(plan: HistoryPlan): number {
  return Math.ceil((plan.to - plan.from) / (plan.options.intervalSeconds * 1000)) * plan.hosts.length;
}
