// A day's covered silver readings as columns in (region, host, time) order, the order the
// alert and anomaly views step them in. Every partition file is sorted by host and time, so
// the day is read in one scan in file order. A partition with delta files holds a host's
// readings in several files: where each file's readings of a host all come after the ones
// before (new data appended in time), the host's runs are concatenated; where they overlap
// (late data), DuckDB sorts that host's readings.

import { ANOMALY_FEATURES, METRICS, PulseError, THRESHOLD_RULES, type Metric } from '../telemetry/index.ts';
import { sqlList, sqlString, type Duck } from './duck.ts';
import type { DayColumns } from './episodes.ts';
import { silverFileRegion, silverFiles } from './silver.ts';

const METRICS_READ: Metric[] = [...new Set<Metric>([...THRESHOLD_RULES.map((r) => r.metric), ...ANOMALY_FEATURES])].filter((m) => METRICS.includes(m));

interface FileSpan { file: string; region: string; start: number; end: number }
interface Block { file: number; start: number; rows: number; first: number; last: number }
interface HostRun { region: string; host: string; blocks: Block[] }

/** Each file's covered rows by host: where they sit in the scan (files in order, each by host), with their first and last time. */
async function hostRuns(duck: Duck, files: readonly string[], covered: string): Promise<{ spans: FileSpan[]; runs: HostRun[] }> {
  const index = new Map(files.map((f, i) => [f, i]));
  const counts = await duck.rows<{ file: string; host_id: string; n: bigint; first: bigint; last: bigint }>(`SELECT filename AS file, host_id, count(*) AS n,
    min(ts_ms) AS first, max(ts_ms) AS last FROM read_parquet(${sqlList(files)}, filename = true) WHERE ${covered} GROUP BY ALL ORDER BY host_id`);
  const perFile = files.map(() => 0);
  const blocks = counts.map((c) => {
    const file = index.get(c.file) as number;
    const block = { file, host: c.host_id, start: perFile[file] as number, rows: Number(c.n), first: Number(c.first), last: Number(c.last) };
    perFile[file] = (perFile[file] as number) + block.rows;
    return block;
  });
  let at = 0;
  const spans = files.map((file, i) => {
    const span = { file, region: silverFileRegion(file), start: at, end: at + (perFile[i] as number) };
    at = span.end;
    return span;
  });
  const byHost = new Map<string, HostRun>();
  for (const b of blocks) {
    const region = (spans[b.file] as FileSpan).region;
    const key = `${region}\u0000${b.host}`;
    const run = byHost.get(key) ?? { region, host: b.host, blocks: [] };
    run.blocks.push({ ...b, start: b.start + (spans[b.file] as FileSpan).start });
    byHost.set(key, run);
  }
  // Regions in the order of their folders (the scan's), each host's runs in host order (a stable sort keeps DuckDB's).
  const runs = [...byHost.values()].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  for (const run of runs) run.blocks.sort((a, b) => a.file - b.file);
  return { spans, runs };
}

/** Whether a host's runs follow one another in time (each starts after the one before ends). */
const inTimeOrder = (blocks: readonly Block[]) => blocks.every((b, i) => i === 0 || b.first > (blocks[i - 1] as Block).last);

/** The scan positions of a host's readings in time order, from DuckDB, for hosts whose runs overlap. */
async function sortedPositions(duck: Duck, spans: readonly FileSpan[], rowNumbers: Float64Array, run: HostRun, covered: string): Promise<number[]> {
  const files = [...new Set(run.blocks.map((b) => (spans[b.file] as FileSpan).file))];
  const found = await duck.columns(`SELECT filename AS file, file_row_number AS r FROM read_parquet(${sqlList(files)}, filename = true, file_row_number = true)
    WHERE host_id = ${sqlString(run.host)} AND ${covered} ORDER BY ts_ms, event_id`);
  const positionOf = new Map<string, Map<number, number>>();
  for (const b of run.blocks) {
    const byRow = positionOf.get((spans[b.file] as FileSpan).file) ?? new Map<number, number>();
    for (let p = b.start; p < b.start + b.rows; p += 1) byRow.set(rowNumbers[p] as number, p);
    positionOf.set((spans[b.file] as FileSpan).file, byRow);
  }
  return (found.file ?? []).map((file, k) => positionOf.get(file as string)?.get(Number(found.r?.[k])) as number);
}

const EMPTY: DayColumns = { ts_ms: new Float64Array(0), hosts: [], metrics: {}, eventIds: async () => [] };

/** The day's readings before the watermark, from all its silver files or from `only` these of them. */
export async function dayRows(input: { duck: Duck; dataDir: string; watermark: number }, day: string, only?: readonly string[]): Promise<DayColumns> {
  const { duck } = input;
  const files = only ?? (await silverFiles(input.dataDir, [day]));
  if (files.length === 0) return EMPTY;
  const covered = `ts_ms < ${input.watermark}`;
  const { spans, runs } = await hostRuns(duck, files, covered);
  const total = spans.at(-1)?.end ?? 0;
  // One scan of the day's files, in file order (DuckDB keeps insertion order), into arrays of the counted length.
  const scan = await duck.doublesOf(`SELECT file_row_number::DOUBLE AS row_number, ts_ms::DOUBLE AS ts_ms,
    ${METRICS_READ.map((m) => `${m}::DOUBLE AS ${m}`).join(', ')} FROM read_parquet(${sqlList(files)}, file_row_number = true) WHERE ${covered}`, total);
  const rowNumbers = scan.row_number ?? new Float64Array(0);
  // Stepping relies on that order (each file sorted by host and time): a result out of it would be stepped wrongly, so it stops the run.
  for (const span of spans) {
    for (let i = span.start + 1; i < span.end; i += 1) {
      if ((rowNumbers[i] as number) <= (rowNumbers[i - 1] as number)) throw new PulseError('BATCH_INVARIANT', `silver of ${day} was not read in file order (${span.file}, row ${i - span.start})`);
    }
  }
  const order = new Int32Array(total);
  let at = 0;
  for (const run of runs) {
    if (inTimeOrder(run.blocks)) {
      for (const b of run.blocks) for (let p = b.start; p < b.start + b.rows; p += 1) order[at++] = p;
    } else {
      for (const p of await sortedPositions(duck, spans, rowNumbers, run, covered)) order[at++] = p;
    }
  }
  if (at !== total) throw new PulseError('BATCH_INVARIANT', `silver of ${day}: ${at} readings ordered, ${total} read`);
  const identity = order.every((p, i) => p === i);
  const ordered = (column: Float64Array) => {
    if (identity) return column;
    const out = new Float64Array(total);
    for (let i = 0; i < total; i += 1) out[i] = column[order[i] as number] as number;
    return out;
  };
  const fileAt = (p: number) => spans.find((s) => p >= s.start && p < s.end) as FileSpan;
  return {
    ts_ms: ordered(scan.ts_ms ?? new Float64Array(0)),
    hosts: runs.map((r) => ({ region: r.region, host: r.host, rows: r.blocks.reduce((sum, b) => sum + b.rows, 0) })),
    metrics: Object.fromEntries(METRICS_READ.map((m) => [m, ordered(scan[m] ?? new Float64Array(0))])),
    eventIds: async (positions) => {
      const ids = new Map<number, string>();
      const wanted = new Map<FileSpan, Map<number, number>>();
      for (const position of positions) {
        const p = order[position] as number;
        const span = fileAt(p);
        const byRow = wanted.get(span) ?? new Map<number, number>();
        byRow.set(rowNumbers[p] as number, position);
        wanted.set(span, byRow);
      }
      for (const [span, byRow] of wanted) {
        const found = await duck.columns(`SELECT file_row_number AS r, event_id FROM read_parquet(${sqlString(span.file)}, file_row_number = true)
          WHERE file_row_number IN (SELECT unnest([${[...byRow.keys()].join(', ')}]::BIGINT[]))`);
        (found.r ?? []).forEach((r, k) => ids.set(byRow.get(Number(r)) as number, found.event_id?.[k] as string));
      }
      return positions.map((p) => ids.get(p) as string);
    },
  };
}
