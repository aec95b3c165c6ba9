// What every background worker shares: its lifecycle, and how it waits out a dependency that
// does not answer (the store, the search index) without dropping what it holds.

/** A background worker the process starts, checks for readiness and stops on shutdown. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
