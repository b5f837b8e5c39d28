// Ownership of what a layer opens while it starts: each resource is registered with its
// closer the moment it exists, and closing runs the closers in reverse order. A start-up
// that fails half-way closes exactly what it had opened, so nothing is left running.

import type { Logger } from './logger.ts';

type Closer = () => Promise<void> | void;

export class ResourceStack {
  readonly #closers: { name: string; close: Closer }[] = [];
  #closing: Promise<void> | undefined;
  readonly #logger: Logger | undefined;

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  /** Registers `resource`, to be closed by `close` when the stack closes; returns it. */
  own<T>(name: string, resource: T, close: (resource: T) => Promise<void> | void): T {
    this.#closers.push({ name, close: () => close(resource) });
    return resource;
  }

  /** Registers a step to run when the stack closes (after everything registered later). */
  defer(name: string, close: Closer): void {
    this.#closers.push({ name, close });
  }

  /** Names of what is open, oldest first (for tests and diagnostics). */
  get open(): readonly string[] {
    return this.#closers.map((c) => c.name);
  }

  /**
   * Closes everything in reverse order of registration. A closer that fails is logged and
   * the rest still run; idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#closers.length > 0) {
        const { name, close } = this.#closers.pop()!;
        try {
          await close();
        } catch (error) {
          this.#logger?.warn({ err: error, resource: name }, 'closing a resource failed; closing the rest');
        }
      }
    })();
    return this.#closing;
  }
}

/**
 * Runs `start` with a fresh stack. If it throws, whatever it had registered is closed (in
 * reverse order) before the error propagates; on success the caller owns the stack.
 */
export async function startOwning<T>(logger: Logger | undefined, start: (resources: ResourceStack) => Promise<T>): Promise<T> {
  const resources = new ResourceStack(logger);
  try {
    return await start(resources);
  } catch (error) {
    await resources.close();
    throw error;
  }
}
