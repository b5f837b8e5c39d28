// Fetching from the serving API: one AbortController per request, so a newer request
// (or a destroyed component) cancels an older one. The answers' types are the API's own
// (telemetry/api-responses.ts, the declarations serving builds its answers to).

import { PulseError, type ErrorResponse } from '../../../telemetry/index.ts';

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** GET `path` as JSON of type `T`; an answer that is not a success throws an API_FAILED PulseError with the API's message. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal: signal ?? null, headers: { accept: 'application/json' } });
  return answer<T>(response);
}

/** POST `body` as JSON to `path`. */
export async function postJson<T>(path: string, body: unknown, options: { token?: string; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), signal: options.signal ?? null });
  return answer<T>(response);
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T | Partial<ErrorResponse> | null;
  if (!response.ok) {
    const error = (body as Partial<ErrorResponse> | null)?.error;
    throw new PulseError('API_FAILED', error?.message ?? `HTTP ${response.status}`, { retryable: response.status >= 500 || response.status === 429, context: { status: response.status, code: error?.code } });
  }
  return body as T;
}

/** Whether `error` is a fetch cancelled by its AbortController. */
export const isAbort = (error: unknown): boolean => (error as Error | null)?.name === 'AbortError';

/** Run `load` with a fresh AbortController, cancelling the previous run of the same key. */
export class Requests {
  private readonly controllers = new Map<string, AbortController>();

  async run<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.controllers.get(key)?.abort();
    const controller = new AbortController();
    this.controllers.set(key, controller);
    try {
      return await load(controller.signal);
    } catch (error) {
      if (isAbort(error)) return undefined;
      throw error;
    }
  }

  abortAll(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
  }
}
