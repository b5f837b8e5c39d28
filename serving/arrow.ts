// Large windows as Apache Arrow IPC streams, for clients that ask for
// application/vnd.apache.arrow.stream (the dashboard's playback): columnar, compact, no JSON parsing.

import { Float64, Int64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

export interface SeriesPoint { series: string; t: string; n: number; avg: number | null; min: number | null; max: number | null }

export function seriesToArrow(points: readonly SeriesPoint[]): Uint8Array {
  const table = new Table({
    series: vectorFromArray(points.map((p) => p.series), new Utf8()),
    t_ms: vectorFromArray(points.map((p) => BigInt(Date.parse(p.t))), new Int64()),
    n: vectorFromArray(points.map((p) => BigInt(p.n)), new Int64()),
    avg: vectorFromArray(points.map((p) => p.avg), new Float64()),
    min: vectorFromArray(points.map((p) => p.min), new Float64()),
    max: vectorFromArray(points.map((p) => p.max), new Float64()),
  });
  return tableToIPC(table, 'stream');
}
