// The 80/20 rule between the two ingest lanes of one process: tables first, columns eventually.
// Both lanes write to the same store, and a bulk load's column chunks (larger transactions) took
// the writer from the core lane: at 300k assets loaded with columns on the bulk lane, tables
// waited two minutes on average. While the core lane has a chunk in flight, or had one within
// `quietMs`, the bulk lane holds its next chunk, for at most `maxWaitMs` at a time, so that
// columns still move under a steady stream of tables.
import { sleep } from '../worker.js';

export interface LaneGate {
  /** The core lane, around each chunk it applies. */
  priority<T>(work: () => Promise<T>): Promise<T>;
  /** The bulk lane, before each chunk: resolves once the core lane is quiet, or after maxWaitMs; returns the ms waited. */
  yieldToPriority(heartbeat: () => Promise<void>): Promise<number>;
}

export function createLaneGate(options: { quietMs?: number; maxWaitMs?: number } = {}): LaneGate {
  const quietMs = options.quietMs ?? 250;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  let inFlight = 0;
  let lastDone = 0;
  const busy = () => inFlight > 0 || Date.now() - lastDone < quietMs;
  return {
    async priority(work) {
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
        lastDone = Date.now();
      }
    },
    async yieldToPriority(heartbeat) {
      const started = Date.now();
      let beat = started;
      while (busy() && Date.now() - started < maxWaitMs) {
        await sleep(25);
        if (Date.now() - beat >= 1000) {
          beat = Date.now();
          await heartbeat();
        }
      }
      return Date.now() - started;
    },
  };
}
