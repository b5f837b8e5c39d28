// What stepping the days produces, kept on disk until publishing: each day's alert segments,
// anomalous readings, end state with profile, and walk-forward model, appended as JSON lines
// to one file per kind in the run's work folder. Held in memory, a day's model and profile
// texts alone were ~4 MB, so a full run at 50 M rows (100 days) peaked at 1.4 GB; spooled,
// memory stays that of one day whatever the history's length. Publishing reads them back
// in chunks.

import { createReadStream } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AlertSegment, AnomalyPointRow } from './episodes.ts';

export interface SpooledCarry { day: string; states: string; hash: string; profile: string }
export interface SpooledModel { day: string; trainingRows: number; json: string }
interface Rows { segments: AlertSegment; points: AnomalyPointRow; carries: SpooledCarry; models: SpooledModel }
export type SpoolKind = keyof Rows;

export class EpisodeSpool {
  readonly counts: Record<SpoolKind, number> = { segments: 0, points: 0, carries: 0, models: 0 };
  private ready: Promise<unknown> | null = null;

  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private file(kind: SpoolKind): string {
    return join(this.dir, `${kind}.jsonl`);
  }

  /** Appends rows of one kind (one write per call). */
  async add<K extends SpoolKind>(kind: K, rows: readonly Rows[K][]): Promise<void> {
    if (rows.length === 0) return;
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    await appendFile(this.file(kind), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.counts[kind] += rows.length;
  }

  /** The rows of one kind in the order added, `size` at a time. */
  async *chunks<K extends SpoolKind>(kind: K, size: number): AsyncGenerator<Rows[K][]> {
    if (this.counts[kind] === 0) return;
    const lines = createInterface({ input: createReadStream(this.file(kind), 'utf8'), crlfDelay: Infinity });
    let chunk: Rows[K][] = [];
    for await (const line of lines) {
      chunk.push(JSON.parse(line) as Rows[K]);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }
}
