// The one error type Pulse raises on purpose, in every layer: a stable code to branch on
// (never the message), the context that explains it, the cause it wraps, and whether
// retrying may help. It lives here, in the pure shared rules, because telemetry/ and the
// browser dashboard must not import infra/; infra/errors.ts re-exports it for the rest.
// Boundaries turn it into data: serving derives the HTTP status from the code, the CLI
// prints the message, decoders turn a field's refusal into a quarantine reason.

export const ERROR_CODES = [
  // configuration and the local stack (infra/)
  'CONFIG_INVALID',
  'CONFIG_DOCS_STALE',
  'KAFKA_UNREACHABLE',
  'KAFKA_AUTH_FAILED',
  'POSTGRES_UNREACHABLE',
  'POSTGRES_AUTH_FAILED',
  'TLS_UNTRUSTED',
  'JAVA_MISSING',
  'KAFKA_JARS_UNAVAILABLE',
  'POSTGRES_BINARIES_MISSING',
  'PORT_IN_USE',
  'SERVICE_START_FAILED',
  'SERVICE_STOP_FAILED',
  'MIGRATION_FAILED',
  'MIGRATION_CHANGED',
  'DEADLINE_EXCEEDED',
  'PROCESS_FAILED',
  'INVALID_ARGUMENT',
  // domain rules (telemetry/)
  'FIELD_REJECTED',
  'MODEL_INVALID',
  // speed layer
  'BATCH_ABANDONED',
  // batch layer: a file DuckDB could not read (quarantined whole), and a broken invariant of a run (a bug: the run stops)
  'INPUT_UNREADABLE',
  'BATCH_INVARIANT',
  // serving layer: each answered with the HTTP status serving/errors.ts gives it
  'NOT_FOUND',
  'UNKNOWN_PARAMETER',
  'INVALID_PARAMETER',
  'QUERY_TOO_LONG',
  'BODY_TOO_LARGE',
  'INVALID_BODY',
  'RATE_LIMITED',
  'UNAUTHORIZED',
  'CONTROL_DISABLED',
  'TOO_MANY_STREAMS',
  'STREAM_CAPACITY',
  // the dashboard's view of an API answer that was not a success
  'API_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PulseErrorOptions {
  cause?: unknown;
  /** Whether the same request may succeed later (default false). */
  retryable?: boolean;
  context?: Readonly<Record<string, unknown>>;
}

export class PulseError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: PulseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PulseError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** Whether `error` is a PulseError, and of `code` when one is given. */
export function isPulseError(error: unknown, code?: ErrorCode): error is PulseError {
  return error instanceof PulseError && (code === undefined || error.code === code);
}
