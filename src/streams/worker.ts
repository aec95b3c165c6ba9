// What every background worker shares: its lifecycle, and how it waits out a dependency that
// does not answer (the store, the search index) without dropping what it holds.
import { type StoreFailure, storeFailure } from '../store/errors.js';

/** A background worker the process starts, checks for readiness and stops on shutdown. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How a paused worker reports what stopped it: a store failure (store/errors.ts) is expected
 * weather, logged as a warning with its kind; anything else is a bug or an untranslated driver
 * error, logged as an error. Either way the work is kept and tried again.
 */
export function pauseReport(error: unknown): { level: 'warn' | 'error'; failure: StoreFailure | 'unexpected'; hint: string } {
  const failure = storeFailure(error);
  switch (failure) {
    case 'unavailable':
      return { level: 'warn', failure, hint: 'waiting for it to answer' };
    case 'backpressure':
      return { level: 'warn', failure, hint: 'it pushes back: waiting' };
    case 'conflict':
      return { level: 'warn', failure, hint: 'a concurrent writer came first: retrying' };
    case 'mapping-outdated':
      return { level: 'error', failure, hint: 'run `metalake reindex` for the tenant; nothing is dropped meanwhile' };
    case null:
      return { level: 'error', failure: 'unexpected', hint: 'not a known store failure: retrying, nothing is dropped' };
  }
}

export interface PauseOptions {
  /** First wait after a failure, doubled after each further one up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  /** Whether to keep trying (false: the worker is stopping, or its work was taken away). */
  keepTrying: () => boolean;
  /** Called once when the first failure pauses the work (log it, raise the metric). */
  onPause: (error: unknown) => void;
  /** Called once when it succeeds again after a pause. */
  onResume: (pausedMs: number) => void;
  /** Between attempts (a Kafka consumer heartbeats here). */
  betweenAttempts?: () => Promise<void>;
}

/**
 * Runs `attempt` until it succeeds, pausing with exponential backoff while it fails: a failure
 * that is not the work's own fault never drops the work. Null when `keepTrying` said stop.
 */
export async function untilAvailable<T>(attempt: () => Promise<T>, options: PauseOptions): Promise<T | null> {
  let wait = options.initialMs;
  let pausedSince: number | null = null;
  for (;;) {
    try {
      const result = await attempt();
      if (pausedSince !== null) options.onResume(Date.now() - pausedSince);
      return result;
    } catch (error) {
      if (pausedSince === null) {
        pausedSince = Date.now();
        options.onPause(error);
      }
      if (!options.keepTrying()) return null;
      await sleep(wait);
      wait = Math.min(wait * 2, options.maxMs);
      await options.betweenAttempts?.();
    }
  }
}
