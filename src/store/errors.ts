// What can go wrong in a store that is not the caller's fault, in one taxonomy every adapter
// translates its driver's errors into at its one boundary (neo4j/session.ts, embedded/index.ts,
// elasticsearch/index.ts), and workers branch on:
//
//   unavailable       cannot be reached (connection refused or lost, timeouts, 5xx): wait, retry.
//   backpressure      reached, but pushing back (Elasticsearch 429, SQLite busy, Neo4j transient
//                     resource errors after the driver's own retries): wait longer, retry.
//   conflict          a concurrent writer took a unique key or a lock first: retry the whole
//                     transaction (users see CONFLICT, with "retry the request").
//   mapping-outdated  the search index was built by another mapping version: no retry helps;
//                     `metalake reindex` repairs it.
import { DomainError } from '../domain/errors.js';

export type StoreFailure = 'unavailable' | 'backpressure' | 'conflict' | 'mapping-outdated';

export class StoreError extends Error {
  constructor(
    readonly failure: Exclude<StoreFailure, 'conflict'>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** A conflict is also the user's answer (CONFLICT), so it is a DomainError. */
export class StoreConflict extends DomainError {
  readonly failure = 'conflict' as const;
  constructor(message = 'A concurrent change already wrote this (unique key taken); retry the request', options?: { cause?: unknown }) {
    super('CONFLICT', message);
    this.name = 'StoreConflict';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The store failure an error is, or null for anything else (the caller's fault, or a bug). */
export function storeFailure(error: unknown): StoreFailure | null {
  if (error instanceof StoreError || error instanceof StoreConflict) return error.failure;
  return null;
}

/** Whether waiting and trying the same work again can succeed. */
export const isTransient = (error: unknown): boolean => {
  const failure = storeFailure(error);
  return failure !== null && failure !== 'mapping-outdated';
};

/**
 * The adapter with every method's failure passed through `translate`: the one boundary where a
 * driver's errors become the taxonomy above. Synchronous methods stay synchronous; properties that
 * are not functions stay as they are.
 */
export function translated<T extends object>(target: T, translate: (error: unknown) => unknown): T {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      wrapped[key] = value;
      continue;
    }
    wrapped[key] = (...args: unknown[]): unknown => {
      let result: unknown;
      try {
        result = (value as (...a: unknown[]) => unknown).apply(target, args);
      } catch (error) {
        throw translate(error);
      }
      return result instanceof Promise
        ? result.catch((error: unknown) => {
            throw translate(error);
          })
        : result;
    };
  }
  return wrapped as T;
}
