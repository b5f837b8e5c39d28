// NOTIFY channels the layers talk over. Payloads are JSON and name their schema, since a
// channel is database-wide.

/** Alerts opened or resolved by the speed layer. */
export const ALERTS_CHANNEL = 'pulse_alerts';
/** A batch run published new views and watermark. */
export const WATERMARK_CHANNEL = 'pulse_watermark';
