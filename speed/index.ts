// Public surface of speed/: the Kafka → PostgreSQL + cold archive speed layer.
export { startSpeedLayer, type SpeedLayer, type SpeedLayerOptions } from './speed-layer.ts';
export { ALERTS_CHANNEL, closeSilentAlerts } from './alert-tracker.ts';
export { WATERMARK_CHANNEL, expireBefore } from './expiry.ts';
export { REJECT_HEADERS } from './dead-letters.ts';
export { archiveLine, runDirectoryName, type ArchiveEntry } from '../telemetry/index.ts';
export { AnomalyTracker } from './anomaly-tracker.ts';
export type { MetricsSnapshot } from './metrics.ts';
