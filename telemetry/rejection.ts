// Why a payload or reading was refused. Rejections are data, not exceptions: every
// layer quarantines them with their reason and counts them per reason.

export const REJECTION_REASONS = [
  'not_json', // payload is not parseable JSON
  'not_object', // payload parsed but is not a JSON object
  'too_large', // payload exceeds the size limit
  'unknown_schema', // no known native shape or schema tag matches
  'missing_field', // a required field (host, time) is absent or empty
  'bad_id', // event_id or host id is not a usable identifier
  'bad_number', // a metric is present but not a finite number
  'bad_time', // the event time cannot be parsed
  'out_of_range', // a metric is outside its physical range
  'future_time', // the event time is too far ahead of the clock
  'stale_time', // the event time is before the earliest accepted instant
  'decode_failed', // the decoder itself failed on this input (a bug, reported rather than thrown)
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  /** The native or canonical field at fault, when there is one. */
  field?: string;
  message: string;
}

export function reject(reason: RejectionReason, message: string, field?: string): Rejection {
  return field === undefined ? { reason, message } : { reason, field, message };
}
