// Public surface of batch/: DuckDB batch views over the master dataset, published to PostgreSQL.
export { runBatch, computeWatermark, type BatchOptions, type BatchSummary } from './run.ts';
export { WATERMARK_CHANNEL } from './publish.ts';
export { GOLD_TABLES } from './views.ts';
// DuckDB and the model training, for pulse eval and the benchmarks (the same code the batch run uses).
export { openDuck, sqlIdentifier, sqlString, type Duck } from './duck.ts';
export { profileFromTable, trainAnomalyModel } from './anomaly-training.ts';
// How a batch run reads history files, for pulse eval (labeled history is read exactly as the batch layer reads it).
export { stageFiles } from './absorb.ts';
export { silverSql } from './silver.ts';
export { historyFiles } from './sources.ts';
