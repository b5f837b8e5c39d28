// A small anomaly model with a known shape, for tests of what scores and steps with it.
import { ANOMALY_FEATURES, assembleModel, utcHour, type AnomalyModel } from '../../telemetry/index.ts';

/** One host whose CPU is 20 % ± 2 except 60 % ± 2 at 02:00 UTC (a nightly backup); temperature 50 ± 1 °C. */
export function nightlyBackupModel(): AnomalyModel {
  const cpuHours = Array.from({ length: 24 }, (_, h) => ({ median: h === 2 ? 60 : 20, scale: 2 }));
  const flat = (median: number, scale: number) => ({ median, scale, hours: Array.from({ length: 24 }, () => ({ median, scale })), longRun: 2, min: 40, max: 60 });
  const hosts = { 'lab/h1': [{ median: 20, scale: 2, hours: cpuHours, longRun: 2, min: 0, max: 100 }, null, flat(50, 1), null] };
  let seed = 3;
  const noise = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647 - 0.5) * 4;
  const sample = Array.from({ length: 5_000 }, (_, i) => {
    const ts = i * 60_000;
    return { region: 'lab', host: 'h1', ts, values: [(utcHour(ts) === 2 ? 60 : 20) + noise(), null, 50 + noise() / 2, null] };
  });
  return assembleModel({ features: [...ANOMALY_FEATURES], trainedThrough: 5_000 * 60_000, trainingRows: 5_000, hosts, regions: {} }, sample);
}

