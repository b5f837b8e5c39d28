// Labeled incidents: what can go wrong on a host, when, for how long, and how it bends
// the signals. Ground truth for evaluating anomaly detection.

import type { Metric } from '../../telemetry/index.ts';
import type { Random } from './random.ts';

export const INCIDENT_KINDS = ['overheat', 'cpu_saturation', 'power_surge', 'memory_leak', 'stuck_sensor'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** The metric an incident shows in: a host can only suffer kinds its schema reports. */
export const INCIDENT_METRIC: Record<IncidentKind, Metric> = {
  overheat: 'temp_c', cpu_saturation: 'cpu_pct', power_surge: 'power_w', memory_leak: 'mem_pct', stuck_sensor: 'temp_c',
};

export interface Incident {
  region: string;
  hostId: string;
  kind: IncidentKind;
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive: the signal is back to normal from here. */
  end: number;
  rampMs: number;
  releaseMs: number;
  /** Peak level: °C for overheat, % for saturation and leaks, a multiplier for surges. */
  level: number;
}

/** One line of labels.jsonl. */
export interface IncidentLabel { region: string; host: string; kind: IncidentKind; start: string; end: string }

export function toLabel(incident: Incident): IncidentLabel {
  return {
    region: incident.region, host: incident.hostId, kind: incident.kind,
    start: new Date(incident.start).toISOString(), end: new Date(incident.end).toISOString(),
  };
}

const MINUTE = 60_000;

/** A duration drawn in minutes, kept to whole seconds so labels read cleanly. */
const minutes = (r: Random, min: number, max: number) => Math.round(r.range(min, max) * 60) * 1000;

/** Draw the shape of an incident of `kind` starting at `start`. */
export function drawIncident(kind: IncidentKind, region: string, hostId: string, start: number, r: Random): Incident {
  const base = { region, hostId, kind, start };
  switch (kind) {
    case 'overheat': {
      const rampMs = minutes(r, 15, 30), holdMs = minutes(r, 15, 40), releaseMs = minutes(r, 15, 25);
      return { ...base, end: start + rampMs + holdMs + releaseMs, rampMs, releaseMs, level: r.range(93, 99) };
    }
    case 'cpu_saturation': {
      const rampMs = minutes(r, 2, 5), holdMs = minutes(r, 20, 60), releaseMs = minutes(r, 2, 5);
      return { ...base, end: start + rampMs + holdMs + releaseMs, rampMs, releaseMs, level: r.range(96, 99.5) };
    }
    case 'power_surge': {
      const rampMs = minutes(r, 1, 2), holdMs = minutes(r, 6, 15), releaseMs = minutes(r, 1, 3);
      return { ...base, end: start + rampMs + holdMs + releaseMs, rampMs, releaseMs, level: 1 + r.range(0.6, 1) };
    }
    case 'memory_leak':
      return { ...base, end: start + minutes(r, 180, 480), rampMs: 0, releaseMs: 0, level: r.range(95, 99) };
    case 'stuck_sensor':
      return { ...base, end: start + minutes(r, 60, 180), rampMs: 0, releaseMs: 0, level: 0 };
  }
}

/** 0 → 1 over the ramp, 1 while holding, 1 → 0 over the release, 0 outside. */
export function envelope(incident: Incident, ts: number): number {
  if (ts < incident.start || ts >= incident.end) return 0;
  if (incident.rampMs > 0 && ts < incident.start + incident.rampMs) return (ts - incident.start) / incident.rampMs;
  if (incident.releaseMs > 0 && ts >= incident.end - incident.releaseMs) return (incident.end - ts) / incident.releaseMs;
  return 1;
}

/** Typical length of each kind, so planning can keep incidents inside the time range. */
export const MAX_INCIDENT_MS: Record<IncidentKind, number> = {
  overheat: 95 * MINUTE, cpu_saturation: 70 * MINUTE, power_surge: 20 * MINUTE, memory_leak: 480 * MINUTE, stuck_sensor: 180 * MINUTE,
};

export interface PlanOptions {
  region: string;
  hostId: string;
  from: number;
  to: number;
  /** Expected incidents per host per day. */
  ratePerDay: number;
  /** Kinds the host can show at a given instant (depends on its schema version then). */
  kindsAt: (ts: number) => readonly IncidentKind[];
  random: Random;
}

/** Non-overlapping incidents for one host over [from, to), at most one starting per day. */
export function planIncidents(options: PlanOptions): Incident[] {
  const { from, to, random: r } = options;
  const day = 86_400_000;
  const planned: Incident[] = [];
  let freeFrom = from;
  for (let dayStart = from; dayStart < to; dayStart += day) {
    const starts = r.chance(Math.min(1, options.ratePerDay));
    const offset = r.float();
    const pick = r.float();
    if (!starts) continue;
    const start = Math.round((dayStart + offset * day) / MINUTE) * MINUTE;
    const kinds = options.kindsAt(start);
    const kind = kinds[Math.floor(pick * kinds.length)];
    if (kind === undefined || start < freeFrom || start + MAX_INCIDENT_MS[kind] > to) continue;
    const incident = drawIncident(kind, options.region, options.hostId, start, r);
    planned.push(incident);
    freeFrom = incident.end + 60 * MINUTE;
  }
  return planned;
}
