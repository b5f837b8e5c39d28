// DuckDB behind one small module: an instance with bounded memory and a spill directory,
// one connection, and helpers that read results as plain objects.

import { mkdir } from 'node:fs/promises';
import { DuckDBDoubleVector, DuckDBInstance, type DuckDBConnection, type DuckDBMaterializedResult, type DuckDBResult, type DuckDBVector } from '@duckdb/node-api';
import { PulseError } from '../infra/index.ts';

export interface DuckOptions {
  /** e.g. "2GB"; DuckDB spills to `tempDirectory` beyond it. */
  memoryLimit: string;
  tempDirectory: string;
  threads?: number;
  /** Called after each statement with its SQL and milliseconds (PULSE_BATCH_TRACE shows them). */
  trace?: (sql: string, ms: number) => void;
}

export interface Duck {
  run(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The result as one array per column: several times faster than row objects for large results. */
  columns(sql: string): Promise<Record<string, unknown[]>>;
  /**
   * A result of DOUBLE columns as typed arrays, NULL as NaN: for the millions of readings the
   * alert and anomaly views step through, the fastest way out of DuckDB by far.
   */
  doubles(sql: string): Promise<Record<string, Float64Array>>;
  /**
   * `doubles` of a result whose row count is known: streamed chunk by chunk into arrays of
   * that length, so DuckDB never holds the whole result beside them (a day of a million
   * readings held both, and a copy for each region file, at the run's peak memory).
   */
  doublesOf(sql: string, rows: number): Promise<Record<string, Float64Array>>;
  close(): void;
}

export async function openDuck(options: DuckOptions): Promise<Duck> {
  await mkdir(options.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit,
    temp_directory: options.tempDirectory,
    ...(options.threads ? { threads: String(options.threads) } : {}),
  });
  const connection: DuckDBConnection = await instance.connect();
  const timed = traced(options.trace);
  let closed = false;
  return {
    run: timed(async (sql) => {
      await connection.run(sql);
    }),
    rows: timed(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS()) as Duck['rows'],
    columns: timed(async (sql) => (await connection.runAndReadAll(sql)).getColumnsObjectJS() as Record<string, unknown[]>),
    doubles: timed(async (sql) => doubleColumns(await connection.run(sql))),
    doublesOf: timed(async (sql: string, rows: number) => streamDoubles(await connection.stream(sql), rows)),
    close: () => {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Copies a DOUBLE vector into `out` at `at`: its buffer at once, then NaN where the validity mask says NULL. */
function copyDoubles(vector: DuckDBVector, out: Float64Array, at: number, rows: number): void {
  if (!(vector instanceof DuckDBDoubleVector)) throw new TypeError(`doubles() reads DOUBLE columns only, got ${vector.type.toString()}`);
  // The vector's buffer and mask are not in the typed API: use them where they are as expected, else go item by item.
  const raw = vector as unknown as { items?: unknown; validity?: { data?: unknown; offset?: unknown } };
  const mask = raw.validity?.data;
  if (!(raw.items instanceof Float64Array) || raw.items.length !== rows || raw.validity?.offset !== 0 || !(mask === null || mask instanceof BigUint64Array)) {
    for (let i = 0; i < rows; i += 1) out[at + i] = vector.getItem(i) ?? Number.NaN;
    return;
  }
  out.set(raw.items, at);
  if (mask === null) return; // no NULLs in this chunk
  // The mask's 64-bit words read as pairs of 32-bit ones (little-endian): bit i clear is NULL.
  const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length * 2);
  for (let w = 0; w < words.length; w += 1) {
    const word = words[w] as number;
    if (word === 0xffff_ffff) continue;
    const base = at + w * 32;
    for (let b = 0; b < 32 && w * 32 + b < rows; b += 1) if ((word & (1 << b)) === 0) out[base + b] = Number.NaN;
  }
}

function doubleColumns(result: DuckDBMaterializedResult): Record<string, Float64Array> {
  const names = result.columnNames();
  const columns = names.map(() => new Float64Array(result.rowCount));
  let at = 0;
  for (let c = 0; c < result.chunkCount; c += 1) {
    const chunk = result.getChunk(c);
    const rows = chunk.rowCount;
    names.forEach((_, i) => copyDoubles(chunk.getColumnVector(i), columns[i] as Float64Array, at, rows));
    at += rows;
  }
  return Object.fromEntries(names.map((name, i) => [name, columns[i] as Float64Array]));
}

async function streamDoubles(result: DuckDBResult, rows: number): Promise<Record<string, Float64Array>> {
  const names = result.columnNames();
  const columns = names.map(() => new Float64Array(rows));
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const size = chunk.rowCount;
    if (at + size > rows) throw new PulseError('BATCH_INVARIANT', `doublesOf: the result has more than the ${rows} rows expected`);
    names.forEach((_, i) => copyDoubles(chunk.getColumnVector(i), columns[i] as Float64Array, at, size));
    at += size;
  }
  if (at !== rows) throw new PulseError('BATCH_INVARIANT', `doublesOf: the result has ${at} rows, ${rows} expected`);
  return Object.fromEntries(names.map((name, i) => [name, columns[i] as Float64Array]));
}

function traced(trace: DuckOptions['trace']) {
  return <A extends unknown[], R>(call: (sql: string, ...rest: A) => Promise<R>) => (trace === undefined ? call : async (sql: string, ...rest: A) => {
    const started = performance.now();
    try {
      return await call(sql, ...rest);
    } finally {
      trace(sql, performance.now() - started);
    }
  });
}

/** A string as a DuckDB literal (file paths are ours, but quoting stays correct for any). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A column or table name as a DuckDB identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlList(texts: readonly string[]): string {
  return `[${texts.map(sqlString).join(', ')}]`;
}
