// Public surface of batch/: DuckDB batch views over the master dataset, published to PostgreSQL.
export { runBatch, computeWatermark, type BatchOptions, type BatchSummary } from './run.ts';
export { WATERMARK_CHANNEL } from './publish.ts';
export { GOLD_TABLES } from './views.ts';
