import { describe, expect, it } from 'vitest';
import { emptyMetrics, type TelemetryRecord } from '../telemetry/index.ts';
import { AlertTracker, type AlertPlan } from './alert-tracker.ts';

const NOON = Date.parse('2026-12-01T12:00:00Z');
/** Readings of lab/h1 a minute apart from noon with these temperatures (critical above 90 °C, clear below 85). */
const readings = (temps: number[], fromMinute = 0): TelemetryRecord[] => temps.map((temp_c, i) => ({
  ...emptyMetrics(), event_id: `e${fromMinute + i}`, ts: NOON + (fromMinute + i) * 60_000, region: 'lab', host_id: 'h1', source: 'live', cpu_pct: 30, temp_c,
}) as TelemetryRecord);
const changes = (plan: AlertPlan) => plan.ops.map((op) => `${op.rule.id} ${op.change.type}@${new Date(op.change.at).toISOString().slice(11, 16)}`);

describe('the speed layer\'s threshold alert tracker', () => {
  it('fires after three breaching readings in a row, and resolves below the clear level', () => {
    const tracker = new AlertTracker(3);
    expect(changes(tracker.plan(readings([95, 96, 97, 88, 84])))).toEqual(['temp_critical fired@12:02', 'temp_critical resolved@12:04']);
  });

  it('changes nothing until a plan is committed, so a batch planned again gives the same alerts', () => {
    const tracker = new AlertTracker(3);
    const batch = readings([95, 96, 97]);
    expect(changes(tracker.plan(batch))).toEqual(['temp_critical fired@12:02']);
    expect(changes(tracker.plan(batch))).toEqual(['temp_critical fired@12:02']);
  });

  it('carries a pending breach across committed batches', () => {
    const tracker = new AlertTracker(3);
    tracker.commit(tracker.plan(readings([95, 96])));
    expect(changes(tracker.plan(readings([97], 2)))).toEqual(['temp_critical fired@12:02']);
  });

  it('fires again on a new breach once a committed alert has resolved', () => {
    const tracker = new AlertTracker(3);
    tracker.commit(tracker.plan(readings([95, 96, 97, 80])));
    expect(changes(tracker.plan(readings([95, 96, 97], 4)))).toEqual(['temp_critical fired@12:06']);
  });

  it('resolves a firing alert at its host\'s last reading plus the silence span when the host went quiet', () => {
    const tracker = new AlertTracker(3);
    tracker.commit(tracker.plan(readings([95, 96, 97])));
    const after = tracker.plan(readings([96], 60)); // an hour later
    expect(after.ops[0]).toMatchObject({ change: { type: 'resolved', silent: true, at: NOON + 2 * 60_000 + 15 * 60_000 } });
  });
});
