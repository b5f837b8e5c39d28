// Anomaly alerts, one reading at a time: a host's state (its alert, how long each feature
// has repeated, its shift sums) advanced by a reading's score from AnomalyScorer. The speed
// layer, the batch layer's views and `pulse eval` all step hosts with these functions.

import { INACTIVE, silenceAlert, stepAlert, type AlertChange, type AlertState } from './alerts.ts';
import { stepDrift } from './anomaly-drift.ts';
import { ANOMALY_CLEAR_BELOW, ANOMALY_SEVERE, MIN_FLATLINE_RUN, type AnomalyScore, type AnomalyScorer } from './anomaly.ts';

/** Anomaly alerts share the threshold alerts' lifecycle, on the score's scale. */
export const ANOMALY_RULE = { id: 'anomaly', fireAbove: 1, clearBelow: ANOMALY_CLEAR_BELOW } as const;

/**
 * Where one host stands: its anomaly alert, how long each feature has repeated, and each
 * feature's shift sums (`drift[2i]` up, `drift[2i + 1]` down, in σ; absent in states saved
 * before they existed, read as 0).
 */
export interface HostAnomalyState { alert: AlertState; last: (number | null)[]; runs: number[]; lastSeen: number | null; drift?: number[] }

export function initialAnomalyState(features: number): HostAnomalyState {
  return {
    alert: INACTIVE, last: new Array<number | null>(features).fill(null), runs: new Array<number>(features).fill(0), lastSeen: null,
    drift: new Array<number>(2 * features).fill(0),
  };
}

/** A copy of `state` that stepping may change in place (the alert state is immutable and shared). */
export function cloneAnomalyState(state: HostAnomalyState, features: number): HostAnomalyState {
  return {
    alert: state.alert, last: state.last.slice(), runs: state.runs.slice(), lastSeen: state.lastSeen,
    drift: state.drift?.length === 2 * features ? state.drift.slice() : new Array<number>(2 * features).fill(0),
  };
}

export interface AnomalyStep { score: AnomalyScore; change: AlertChange | null; silenced: AlertChange | null }

/**
 * One reading's effect: its score (a stuck feature outranks the forest), and the anomaly
 * alert stepped with the same pending/firing/resolved lifecycle as threshold alerts.
 * `silenced` is the resolution of an alert the host's silence before this reading ended.
 * Pure: `state` is left as it was (see advanceAnomaly for the in-place form).
 */
export function stepAnomaly(
  scorer: AnomalyScorer, state: HostAnomalyState, reading: { region: string; host: string; ts: number; values: readonly (number | null)[] }, forReadings: number,
): AnomalyStep & { state: HostAnomalyState } {
  const next = cloneAnomalyState(state, reading.values.length);
  return { ...advanceAnomaly(scorer, next, reading, forReadings), state: next };
}

/**
 * stepAnomaly, changing `state` in place: for a caller that owns the state (a copy it made
 * with cloneAnomalyState), so that a host's readings do not copy its arrays each time.
 * `state.drift` must hold two sums per feature.
 */
export function advanceAnomaly(
  scorer: AnomalyScorer, state: HostAnomalyState, reading: { region: string; host: string; ts: number; values: readonly (number | null)[] }, forReadings: number,
): AnomalyStep {
  // A host that fell silent ends its anomaly alert as it ends threshold alerts (alerts.ts).
  const silenced = silenceAlert(state.alert, state.lastSeen, reading.ts);
  const { last, runs } = state;
  const drift = state.drift as number[];
  let score = scorer.score(reading.region, reading.host, reading.ts, reading.values);
  for (let i = 0; i < reading.values.length; i += 1) {
    const value = reading.values[i] ?? null;
    runs[i] = value === null ? 0 : value === last[i] ? (runs[i] as number) + 1 : 1;
    last[i] = value;
    const shifted = stepDrift(drift, i, value === null ? null : scorer.lastShiftZ(i));
    if (shifted >= 1 && shifted > score.score) score = { ...score, score: shifted, metric: scorer.model.features[i] as string, z: scorer.lastZ(i), reason: 'shift' };
    if (value === null || (runs[i] as number) < MIN_FLATLINE_RUN) continue; // too short a run to be stuck, whatever the host
    const stuck = (runs[i] as number) / scorer.runLength(reading.region, reading.host, i, value);
    if (stuck >= 1 && stuck > score.score) score = { ...score, score: stuck, metric: scorer.model.features[i] as string, z: 0, reason: 'flatline' };
  }
  const stepped = stepAlert(silenced.state, ANOMALY_RULE, score.score, reading.ts, score.score >= ANOMALY_SEVERE ? 1 : forReadings);
  state.alert = stepped.state;
  state.lastSeen = Math.max(state.lastSeen ?? Number.NEGATIVE_INFINITY, reading.ts);
  return { score, change: stepped.change, silenced: silenced.change };
}

