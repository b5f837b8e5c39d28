// bench/RESULTS.md from the JSON each benchmark saved in bench/results/: the machine and
// versions, Pulse's own figures, and Pulse against the Spark peer with ratios. The notes
// (definitions, Spark settings, analysis) are hand-written in bench/results-notes.md.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../infra/index.ts';
import type { Summary } from './stats.ts';

type Json = Record<string, any>; // result files are written by our own benchmarks

const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
/** "median (min–max)" */
const cell = (s: Summary | undefined, digits = 0) => (s ? `${n(s.median, digits)} (${n(s.min, digits)}–${n(s.max, digits)})` : '–');
const times = (x: number) => (Number.isFinite(x) ? `${n(x, x < 10 ? 1 : 0)}×` : '–');
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

async function load(file: string): Promise<Json | null> {
  const text = await readFile(join(packageRoot, 'bench', 'results', `${file}.json`), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as Json);
}

function peerSection(peer: Json): string {
  const r = peer['result'] as Json;
  const sat = r['saturation'] as Json;
  const rows: string[][] = [
    ['Streaming: sustained events/s (drain a pre-loaded topic)', cell(sat['pulse'].eventsPerSecond), cell(sat['spark'].eventsPerSecond), times(sat['pulse'].eventsPerSecond.median / sat['spark'].eventsPerSecond.median), '≥ 5×'],
  ];
  for (const key of Object.keys(r).filter((k) => k.startsWith('freshness_'))) {
    const f = r[key] as Json;
    const rate = key.slice('freshness_'.length);
    const at = (side: Json, p: string) => (side['notSustainable'] ? `not sustainable (saturates at ${n(side['sustainedEventsPerSecond'])}/s)` : cell(side[p]));
    for (const p of ['p50', 'p95', 'p99']) {
      const advantage = f['pulse'][p] && f['spark'][p] ? times(f['spark'][p].median / f['pulse'][p].median) : '–';
      rows.push([`Freshness ${p} at ${n(Number(rate))} events/s, ms`, at(f['pulse'], p), at(f['spark'], p), advantage, p === 'p99' ? 'lower' : '']);
    }
  }
  for (const key of Object.keys(r).filter((k) => k.startsWith('batch_'))) {
    const b = r[key] as Json;
    const label = `${key.slice('batch_'.length)} rows (${n(b['rows'])})`;
    rows.push([`Batch ${label}: seconds`, cell(b['pulse'].seconds, 1), cell(b['spark'].seconds, 1), times(b['spark'].seconds.median / b['pulse'].seconds.median), '≥ 10×']);
    rows.push([`Batch ${label}: seconds incl. process start`, cell(b['pulse'].wallSeconds, 1), cell(b['spark'].wallSeconds, 1), times(b['spark'].wallSeconds.median / b['pulse'].wallSeconds.median), '']);
    rows.push([`Batch ${label}: rows/s`, cell(b['pulse'].rowsPerSecond), cell(b['spark'].rowsPerSecond), '', '']);
    for (const format of Object.keys(b['pulse'].formatRowsPerSecond)) {
      rows.push([`Batch ${label}: ${format} rows/s (per-format phase)`, cell(b['pulse'].formatRowsPerSecond[format]), cell(b['spark'].formatRowsPerSecond[format]), '', '']);
    }
  }
  const memory: string[][] = [['Streaming, saturation', cell(sat['pulse'].peakRssMb), cell(sat['spark'].peakRssMb)]];
  for (const key of Object.keys(r).filter((k) => k.startsWith('freshness_'))) memory.push([`Streaming at ${n(Number(key.slice(10)))} events/s`, cell(r[key]['pulse'].peakRssMb), cell(r[key]['spark'].peakRssMb)]);
  for (const key of Object.keys(r).filter((k) => k.startsWith('batch_'))) memory.push([`Batch ${key.slice(6)}`, cell(r[key]['pulse'].peakRssMb), cell(r[key]['spark'].peakRssMb)]);
  return [
    `## Pulse vs Apache Spark (PySpark ${r['pyspark']}), same broker, database, stream and files`,
    '',
    provenance(peer),
    '',
    `Runs alternate Pulse / Spark; ${r['runs']} runs of each figure; ${n(r['saturationEvents'])} pre-loaded events for throughput; freshness measured for ${r['freshnessSeconds']} s after a warm-up of at least ${r['warmupSeconds']} s${r['batch_10M'] ? '; the 10 M batch once per system (`--add-10m`: Spark needs minutes per run)' : ''}. Median (min–max). "Pulse advantage" is Spark/Pulse for times and Pulse/Spark for throughput.`,
    '',
    table(['figure', 'Pulse', 'Spark', 'Pulse advantage', 'aim'], rows),
    '',
    'Peak memory, MB (Pulse: the speed or batch process; Spark: the driver process tree — Python driver, JVM, any Python workers — summed RSS):',
    '',
    table(['workload', 'Pulse', 'Spark'], memory),
  ].join('\n');
}

/** When and how a result file was measured, for results gathered from several invocations. */
const provenance = (file: Json) => `_(\`bench/${file['name']}.ts\`${file['quick'] ? ' --quick' : ''}, ${String(file['at']).slice(0, 16).replace('T', ' ')} UTC)_`;

function pulseSection(generator: Json | null, speed: Json | null, batch: Json | null, serving: Json | null, anomaly: Json | null): string {
  const out: string[] = ['## Pulse on its own', ''];
  for (const file of [generator, speed, batch, serving, anomaly]) if (file) out.push(`- ${file['name']}: ${provenance(file)}`);
  out.push('');
  if (generator) {
    const g = generator['result'] as Json;
    out.push(table(['generator', 'rows/s or events/s'], [
      ['history, CSV (India)', cell(g['history_india_rows_per_s'])], ['history, JSON lines (USA)', cell(g['history_usa_rows_per_s'])],
      ['history, Parquet (Germany)', cell(g['history_germany_rows_per_s'])], ['live producer to Kafka (acks=all)', cell(g['live_max_events_per_s'])],
    ]), '');
  }
  if (speed) {
    const s = speed['result'] as Json;
    const rows = [['saturation, events/s (pulse/v1 payloads)', cell(s['saturation_events_per_s']), '', '', cell(s['saturation_peak_rss_mb'])]];
    for (const rate of [1000, 10000]) {
      const f = s[`freshness_${rate}`] as Json | undefined;
      if (f) rows.push([`freshness at ${n(rate)} events/s, ms`, cell(f['p50']), cell(f['p95']), cell(f['p99']), cell(f['peakRssMb'])]);
    }
    out.push(table(['speed layer', 'p50 / rate', 'p95', 'p99', 'peak RSS MB'], rows), '');
  }
  if (batch) {
    const rows: string[][] = [];
    for (const [label, b] of Object.entries(batch['result'] as Json)) {
      rows.push([`${label} (${n(b.rows)} rows)`, cell(b.full.seconds, 1), cell(b.full.peakRssMb), cell(b.floor.seconds, 1), cell(b.ratioToFloor, 2),
        `${cell(b.incremental.seconds, 1)} (${n(b.incremental.archiveEvents)} events)`, cell(b.incremental.peakRssMb)]);
    }
    out.push(table(['batch history', 'full s', 'full peak RSS MB', 'DuckDB floor s', 'Pulse / floor', 'incremental s', 'incremental peak RSS MB'], rows), '');
  }
  if (serving) {
    const s = serving['result'] as Json;
    const rows = Object.entries(s).filter(([, v]) => typeof v === 'object' && v && 'p50' in v).map(([name, v]) => [name, cell(v.p50), cell(v.p99), String(v.errors)]);
    out.push(`Serving at ${s['rate']} requests/s for ${s['seconds']} s per run (autocannon), with the speed layer ingesting 1,000 events/s:`, '', table(['endpoint', 'p50 ms', 'p99 ms', 'errors'], rows), '');
  }
  if (anomaly) {
    const a = anomaly['result'] as Json;
    out.push(table(['anomaly model', 'figure'], [
      [`training from ${n(a['silverRows'])} silver rows, ${n(a['hosts'])} hosts, s`, cell(a['trainSeconds'], 2)],
      ['model size, MB', n(a['modelMB'], 1)],
      ['speed-layer scoring on one core, readings/s', cell(a['scoredPerSecond'])],
    ]), '');
  }
  return out.join('\n');
}

/** The whole RESULTS.md text. */
export async function renderResults(header: { versions: Record<string, string>; machine: Record<string, string | number>; wallSeconds: number; measuredAt: string; quick: boolean }): Promise<string> {
  const [generator = null, speed = null, batch = null, serving = null, peer = null, anomaly = null] = await Promise.all(
    ['generator', 'speed', 'batch', 'serving', 'peer', 'anomaly'].map((name) => load(header.quick ? `${name}-quick` : name)));
  const notes = await readFile(join(packageRoot, 'bench', 'results-notes.md'), 'utf8').catch(() => '');
  const m = header.machine;
  return [
    `# Benchmark results${header.quick ? ' (quick, reduced sizes)' : ''}`,
    '',
    `Measured ${header.measuredAt.slice(0, 16).replace('T', ' ')} UTC (finished) by \`npm run bench${header.quick ? ':quick' : ''}\` (its last invocation took ${n(header.wallSeconds / 60, 1)} min; each section names the run it comes from), on one machine: ${m['cores']} cores (${m['cpu']}), ${m['memoryGiB']} GiB memory. Everything — Kafka, PostgreSQL (fsync on), producers, Pulse and Spark — shares it.`,
    '',
    `Versions: ${Object.entries(header.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    peer ? peerSection(peer) : '_The Spark comparison did not run._',
    '',
    pulseSection(generator, speed, batch, serving, anomaly),
    notes,
  ].join('\n');
}
