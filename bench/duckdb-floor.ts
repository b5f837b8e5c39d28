// The floor for the batch benchmark: a plain DuckDB pipeline over the same history files
// — read the three native formats, convert units, union by name, deduplicate, write zstd
// Parquet and two hourly aggregates — with none of Pulse's validation, event ids,
// quarantine, manifest or publishing. Prints its seconds.
//   node bench/duckdb-floor.ts HISTORY_DIR OUT_DIR

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [historyDir, outDir] = process.argv.slice(2);
if (!historyDir || !outDir) throw new Error('usage: node bench/duckdb-floor.ts HISTORY_DIR OUT_DIR');
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const started = performance.now();
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '700MB', temp_directory: join(outDir, 'spill') });
const db = await instance.connect();
const q = (p: string) => `'${p.replace(/'/g, "''")}'`;
await db.run(`CREATE TABLE readings AS
  SELECT 'india' AS region, server_code AS host_id, epoch_ms(CAST(timestamp_ist AS TIMESTAMP) - INTERVAL 330 MINUTE) AS ts_ms,
    temp_celsius AS temp_c, cpu_usage_percent AS cpu_pct, mem_usage_percent AS mem_pct, NULL::DOUBLE AS power_w, NULL::DOUBLE AS disk_pct
  FROM read_csv(${q(join(historyDir, 'india', '*.csv'))}, union_by_name = true)
  UNION ALL BY NAME
  SELECT 'usa' AS region, instance_id AS host_id, epoch_ms(CAST(time_utc AS TIMESTAMP)) AS ts_ms,
    round((temp_fahrenheit - 32) * 5 / 9, 2) AS temp_c, load_fraction * 100 AS cpu_pct, power_watts AS power_w
  FROM read_json(${q(join(historyDir, 'usa', '*.jsonl'))}, union_by_name = true, format = 'newline_delimited')
  UNION ALL BY NAME
  SELECT 'germany' AS region, node_name AS host_id, coalesce(epoch_ms, epoch_time * 1000) AS ts_ms,
    round(temp_kelvin - 273.15, 2) AS temp_c, cpu_percent AS cpu_pct, power_watts AS power_w, disk_used_pct AS disk_pct
  FROM read_parquet(${q(join(historyDir, 'germany', '*.parquet'))}, union_by_name = true)`);
await db.run(`CREATE TABLE silver AS SELECT * FROM readings QUALIFY row_number() OVER (PARTITION BY region, host_id, ts_ms) = 1`);
await db.run(`COPY silver TO ${q(join(outDir, 'silver.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
await db.run(`COPY (SELECT region, date_trunc('hour', epoch_ms(ts_ms)) AS hour, count(*), avg(cpu_pct), avg(temp_c) FROM silver GROUP BY 1, 2) TO ${q(join(outDir, 'region_hour.parquet'))} (FORMAT parquet)`);
await db.run(`COPY (SELECT region, host_id, date_trunc('hour', epoch_ms(ts_ms)) AS hour, count(*), avg(cpu_pct), max(temp_c) FROM silver GROUP BY 1, 2, 3) TO ${q(join(outDir, 'host_hour.parquet'))} (FORMAT parquet)`);
db.closeSync();
instance.closeSync();
console.log(`duckdb floor: ${((performance.now() - started) / 1000).toFixed(2)} s`);
await rm(outDir, { recursive: true, force: true });
