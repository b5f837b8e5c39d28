// Anomaly detection costs: training the model from silver (DuckDB baselines + forest, as each
// batch run does), the model's size, and how many readings per second one core scores with
// the speed layer's tracker (hot-path overhead). Usage: node bench/anomaly.ts [--quick]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuck, trainAnomalyModel } from '../batch/index.ts';
import { loadHistory } from '../eval/index.ts';
import { writeHistory } from '../generator/index.ts';
import { AnomalyTracker } from '../speed/index.ts';
import { ANOMALY_FEATURES, AnomalyScorer, type TelemetryRecord } from '../telemetry/index.ts';
import { formatSummary, isQuick, runCount, saveResult, summarize } from './lib/stats.ts';

const quick = isQuick();
const servers = quick ? 10 : 50;
const days = quick ? 2 : 7;
const runs = runCount(3);
const dir = await mkdtemp(join(tmpdir(), 'pulse-bench-anomaly-'));
const duck = await openDuck({ memoryLimit: '2GB', tempDirectory: join(dir, 'spill') });
try {
  const end = Date.UTC(2026, 0, 1 + days);
  await writeHistory(join(dir, 'historical'), { serversPerRegion: servers, days, intervalSeconds: 60, seed: 3, regions: ['india', 'usa', 'germany'], end, incidentRate: 0.25 });
  const data = await loadHistory(duck, join(dir, 'historical'), ANOMALY_FEATURES);

  const trainSeconds: number[] = [];
  let model = null;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    model = await trainAnomalyModel(duck, { before: end });
    trainSeconds.push((performance.now() - started) / 1000);
  }
  if (!model) throw new Error('no model trained');
  const modelBytes = Buffer.byteLength(JSON.stringify(model));

  const rows = await duck.rows<Record<string, unknown>>(`SELECT * FROM silver ORDER BY ts_ms LIMIT ${quick ? 200_000 : 500_000}`);
  const records = rows.map((r) => ({ ...r, ts: Number(r['ts_ms']) }) as unknown as TelemetryRecord);
  const scoringRates: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const tracker = new AnomalyTracker(3);
    tracker.use(new AnomalyScorer(model, 1));
    const started = performance.now();
    for (let at = 0; at < records.length; at += 2_000) tracker.commit(tracker.plan(records.slice(at, at + 2_000)));
    scoringRates.push(records.length / ((performance.now() - started) / 1000));
  }

  const result = {
    silverRows: data.rows, hosts: Object.keys(model.hosts).length, trainSeconds: summarize(trainSeconds), modelMB: modelBytes / 2 ** 20,
    scoredPerSecond: summarize(scoringRates), scoredRecords: records.length,
  };
  console.log(`anomaly model: trained on ${data.rows.toLocaleString('en-US')} silver rows of ${result.hosts} hosts in ${formatSummary(result.trainSeconds, 2)} s; model ${result.modelMB.toFixed(1)} MB`);
  console.log(`speed-layer scoring (one core, tracker + lifecycle): ${formatSummary(result.scoredPerSecond)} readings/s`);
  await saveResult('anomaly', result);
} finally {
  duck.close();
  await rm(dir, { recursive: true, force: true });
}
