// Errors at the HTTP boundary. Handlers throw PulseErrors; the status of the answer is derived
// from the error's code here, and the body is {error: {code, message}} with the code in lower
// case (INVALID_PARAMETER answers as "invalid_parameter"). A PulseError whose code has no
// status here, and any other error, is ours: a 500 that says only to see the server log.

import { isPulseError, PulseError, type ErrorCode } from '../infra/index.ts';
import type { ErrorResponse } from '../telemetry/index.ts';

const HTTP_STATUS: { readonly [C in ErrorCode]?: number } = Object.freeze({
  UNKNOWN_PARAMETER: 400,
  INVALID_PARAMETER: 400,
  INVALID_BODY: 400,
  UNAUTHORIZED: 401,
  CONTROL_DISABLED: 403,
  NOT_FOUND: 404,
  BODY_TOO_LARGE: 413,
  QUERY_TOO_LONG: 414,
  RATE_LIMITED: 429,
  TOO_MANY_STREAMS: 429,
  STREAM_CAPACITY: 503,
});

/** The HTTP status a PulseError answers with, or undefined when it is not the client's to see. */
export function httpStatus(error: unknown): number | undefined {
  return isPulseError(error) ? HTTP_STATUS[error.code] : undefined;
}

export function errorBody(error: PulseError): ErrorResponse {
  return { error: { code: error.code.toLowerCase(), message: error.message } };
}

export const badRequest = (code: 'UNKNOWN_PARAMETER' | 'INVALID_PARAMETER', message: string) => new PulseError(code, message);

/**
 * body-parser's own refusals (a body over the limit, malformed JSON) are the client's fault,
 * not ours: as PulseErrors, with the 4xx status body-parser gave them.
 */
export function bodyRefusal(error: unknown): { status: number; error: PulseError } | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return {
    status,
    error: status === 413
      ? new PulseError('BODY_TOO_LARGE', 'the request body is limited to 16 kB', { cause: error })
      : new PulseError('INVALID_BODY', 'the request body is not valid JSON', { cause: error }),
  };
}
