// The one error type Pulse throws across layers: a stable code to branch on, the
// context that explains it, the cause it wraps, and whether retrying may help.

export const ERROR_CODES = [
  'CONFIG_INVALID',
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
  'INVALID_ARGUMENT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PulseErrorOptions {
  cause?: unknown;
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

export function isPulseError(error: unknown, code?: ErrorCode): error is PulseError {
  return error instanceof PulseError && (code === undefined || error.code === code);
}

/** The innermost useful message of an error chain, on one line. */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause !== undefined && !seen.has(current)) {
    seen.add(current);
    current = current.cause;
  }
  const text = current instanceof Error
    ? current.message || (current as NodeJS.ErrnoException).code || current.name
    : String(current);
  return text.replace(/\s+/g, ' ').trim();
}
