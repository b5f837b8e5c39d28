// Fetching from the serving API: one AbortController per request, so a newer request
// (or a destroyed component) cancels an older one.

import { PulseError } from '../../../telemetry/index.ts';

export type Json = Record<string, any>;

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function getJson(path: string, signal?: AbortSignal): Promise<Json> {
  const response = await fetch(path, { signal, headers: { accept: 'application/json' } });
  const body = (await response.json()) as Json;
  if (!response.ok) {
    throw new PulseError('API_FAILED', body?.error?.message ?? `HTTP ${response.status}`, { retryable: response.status >= 500 || response.status === 429, context: { status: response.status, code: body?.error?.code } });
  }
  return body;
}

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
      if ((error as Error).name === 'AbortError') return undefined;
      throw error;
    }
  }

  abortAll(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
  }
}
