// Pulse's errors for infra/ and the layers that import it: the base error and its codes
// are telemetry/errors.ts's (the pure layer and the browser cannot import infra/), re-exported
// here, plus the one-line rendering of an error chain for logs and the CLI.

export { ERROR_CODES, isPulseError, PulseError, type ErrorCode, type PulseErrorOptions } from '../telemetry/index.ts';

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
