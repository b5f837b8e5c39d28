import { describe, expect, it } from 'vitest';
import { nightlyBackupModel } from '../test/support/index.ts';
import { AnomalyScorer, emptyMetrics, type TelemetryRecord } from '../telemetry/index.ts';
import { AnomalyTracker } from './anomaly-tracker.ts';

const HOUR = 3_600_000;
const model = nightlyBackupModel();

/** Readings of lab/h1 from noon, a minute apart, with these temperatures (its normal is 50 °C) and a CPU load that varies as a live one does. */
function readings(temps: number[], fromMinute = 0): TelemetryRecord[] {
  return temps.map((temp_c, i) => ({
    ...emptyMetrics(), event_id: `e${fromMinute + i}`, ts: 12 * HOUR + (fromMinute + i) * 60_000, region: 'lab', host_id: 'h1', source: 'live',
    cpu_pct: 20 + ((fromMinute + i) % 3) * 0.5, temp_c: temp_c + ((fromMinute + i) % 2) * 0.3,
  }) as TelemetryRecord);
}

const changesOf = (plan: ReturnType<AnomalyTracker['plan']>) => plan.ops.map((op) => `${op.change.type}@${new Date(op.change.at).toISOString().slice(11, 16)}`);

describe('the speed layer\'s anomaly tracker', () => {
  const z = model.zThresholds['lab/h1'] ?? model.zThreshold;
  const anomalous = 50 + 1.3 * z; // past the threshold, short of firing at once

  it('changes nothing until a plan is committed: a batch planned again (its transaction failed) gives the same alerts', () => {
    const tracker = new AnomalyTracker(3);
    tracker.use(new AnomalyScorer(model, 1));
    const batch = readings([50, anomalous, anomalous, anomalous]);
    const first = changesOf(tracker.plan(batch));
    expect(first).toEqual(['fired@12:03']);
    expect(changesOf(tracker.plan(batch))).toEqual(first);
  });

  it('carries a host\'s state across committed batches as if they were one', () => {
    const temps = [50, anomalous, anomalous, anomalous, anomalous, ...new Array<number>(40).fill(50)];
    const whole = new AnomalyTracker(3);
    whole.use(new AnomalyScorer(model, 1));
    const asOne = changesOf(whole.plan(readings(temps)));

    const split = new AnomalyTracker(3);
    split.use(new AnomalyScorer(model, 1));
    const asTwo: string[] = [];
    for (const [from, to] of [[0, 2], [2, 4], [4, 20], [20, temps.length]] as const) {
      const plan = split.plan(readings(temps.slice(from, to), from));
      asTwo.push(...changesOf(plan));
      split.commit(plan);
    }
    expect(asOne).toEqual(['fired@12:03', expect.stringMatching(/^resolved@/)]);
    expect(asTwo).toEqual(asOne);
  });

  it('keeps the readings that scored as anomalous, with their own scores', () => {
    const tracker = new AnomalyTracker(3);
    tracker.use(new AnomalyScorer(model, 1));
    const plan = tracker.plan(readings([50, anomalous, 50 + 1.5 * z]));
    expect(plan.points.map((p) => p.record.event_id)).toEqual(['e1', 'e2']);
    expect(plan.points[1]!.score.score).toBeGreaterThan(plan.points[0]!.score.score);
  });
});
