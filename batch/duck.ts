// DuckDB behind one small module: an instance with bounded memory and a spill directory,
// one connection, and helpers that read results as plain objects.

import { mkdir } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** e.g. "2GB"; DuckDB spills to `tempDirectory` beyond it. */
  memoryLimit: string;
  tempDirectory: string;
  threads?: number;
}

export interface Duck {
  run(sql: string): Promise<void>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** The result as one array per column: several times faster than row objects for large results. */
  columns(sql: string): Promise<Record<string, unknown[]>>;
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
  return {
    run: async (sql) => {
      await connection.run(sql);
    },
    rows: async <T>(sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[],
    columns: async (sql) => (await connection.runAndReadAll(sql)).getColumnsObjectJS() as Record<string, unknown[]>,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
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
