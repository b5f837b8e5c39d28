// History has alerts: the batch layer steps generated history through the speed layer's
// rules, so the labeled incidents of the generator's ground truth show up in /api/alerts
// over the history's days, on their hosts, opened within their windows.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch/index.ts';
import { writeHistory, type IncidentLabel } from '../generator/index.ts';
import { startServing, type Serving } from '../serving/index.ts';
import { isolatedSchema, testDatabaseUrl, type IsolatedSchema } from './support/isolation.ts';

const DAY = 86_400_000;

interface ServedAlert { region: string; host_id: string; rule: string; kind: string; opened_at: string; origin: string }

describe('alerts over generated history', () => {
  let db: IsolatedSchema;
  let dataDir: string;
  let serving: Serving;
  let labels: IncidentLabel[];
  let alerts: ServedAlert[];
  const end = Math.floor(Date.now() / DAY) * DAY;

  beforeAll(async () => {
    db = await isolatedSchema('histalerts');
    dataDir = await mkdtemp(join(tmpdir(), 'pulse-histalerts-'));
    await writeHistory(join(dataDir, 'historical'), { serversPerRegion: 4, days: 3, intervalSeconds: 60, seed: 11, regions: ['india', 'usa', 'germany'], end, incidentRate: 1 });
    labels = (await readFile(join(dataDir, 'historical', 'labels.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as IncidentLabel);
    await runBatch({ dataDir, databaseUrl: testDatabaseUrl(), schema: db.schema, memoryLimit: '1GB', alertForReadings: 3 });
    serving = await startServing({ databaseUrl: testDatabaseUrl(), schema: db.schema, kafkaBrokers: [], port: 0, host: '127.0.0.1' });
    const range = `from=${new Date(end - 3 * DAY).toISOString()}&to=${new Date(end).toISOString()}`;
    alerts = ((await (await fetch(`http://127.0.0.1:${serving.port}/api/alerts?status=all&limit=1000&${range}`)).json()) as { alerts: ServedAlert[] }).alerts;
  }, 240_000);

  afterAll(async () => {
    await serving?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const matched = (label: IncidentLabel, fits: (a: ServedAlert) => boolean) => alerts.some((a) => a.region === label.region && a.host_id === label.host && fits(a)
    && Date.parse(a.opened_at) >= Date.parse(label.start) && Date.parse(a.opened_at) < Date.parse(label.end));

  it('lists the alerts of history, from the batch views', () => {
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.origin === 'batch')).toBe(true);
  });

  it('matches every labeled overheat with an alert on its host opened within its window', () => {
    const overheats = labels.filter((l) => l.kind === 'overheat');
    expect(overheats.length).toBeGreaterThan(0);
    expect(overheats.filter((l) => !matched(l, (a) => a.rule === 'temp_critical'))).toEqual([]);
  });

  it('matches every labeled CPU saturation with a cpu_critical alert on its host', () => {
    const saturations = labels.filter((l) => l.kind === 'cpu_saturation');
    expect(saturations.length).toBeGreaterThan(0);
    expect(saturations.filter((l) => !matched(l, (a) => a.rule === 'cpu_critical'))).toEqual([]);
  });
});
