// NOTIFY channels the layers talk over. Payloads are JSON and name their schema, since a
// channel is database-wide.

/** Alerts opened or resolved by the speed layer. */
export const ALERTS_CHANNEL = 'pulse_alerts';
/** A batch run published new views and watermark. */
export const WATERMARK_CHANNEL = 'pulse_watermark';

/**
 * A speed instance that is running (a speed_status row): not marked stopped, and refreshed
 * within three of its 5 s status intervals (statusIntervalMs' default; older ones are taken
 * for dead). Health and the overview count these, and while one runs the batch layer holds
 * the watermark at the start of the current hour, whose archives it is still writing.
 */
export const RUNNING_SPEED_INSTANCE = `stopped_at IS NULL AND updated_at > now() - interval '15 seconds'`;
