import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, type Duck } from './duck.ts';

describe('reading DOUBLE columns as typed arrays (duck.doubles)', () => {
  let duck: Duck;
  beforeAll(async () => {
    duck = await openDuck({ memoryLimit: '200MB', tempDirectory: join(tmpdir(), `pulse-duck-test-${process.pid}`) });
  });
  afterAll(() => duck.close());

  it('gives every row of a result spanning many chunks, NULL as NaN, in the result order', async () => {
    const rows = 10_007; // several 2,048-row chunks and a partial one
    const columns = await duck.doubles(`SELECT x::DOUBLE AS x, CASE WHEN x % 3 = 0 THEN NULL ELSE x * 0.5::DOUBLE END AS half FROM range(${rows}) t(x) ORDER BY x DESC`);
    expect(columns.x).toBeInstanceOf(Float64Array);
    expect(columns.x?.length).toBe(rows);
    expect(columns.x?.[0]).toBe(rows - 1);
    expect(columns.x?.[rows - 1]).toBe(0);
    for (let i = 0; i < rows; i += 1) {
      const x = rows - 1 - i;
      if (x % 3 === 0) expect(columns.half?.[i]).toBeNaN();
      else expect(columns.half?.[i]).toBe(x * 0.5);
    }
  });

  it('refuses a column that is not DOUBLE rather than guessing its values', async () => {
    await expect(duck.doubles('SELECT 1::BIGINT AS n')).rejects.toThrow(/DOUBLE/);
  });
});
