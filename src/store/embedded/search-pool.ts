// Worker threads answering embedded searches, each with its own read-only SQLite connection
// (search-worker.ts), so that FTS5 scans and facet counts never hold the main event loop.
//
// - Workers start on the first search and a query goes to the one with the fewest in flight.
// - The pool is bounded: past `maxWaiting` searches in flight it answers `backpressure` at once
//   instead of queueing without end (GraphQL clients see INTERNAL_SERVER_ERROR: the public codes
//   have no "busy" one yet).
// - A worker that dies fails only its own queries (`unavailable`, retryable) and is replaced by
//   the next search; an idle pool does not keep the process alive.
import { Worker } from 'node:worker_threads';
import type { IndexPage, IndexQuery } from '../ports/index.js';
import { StoreError } from '../errors.js';

/** What a worker posts back for one query. */
export type SearchReply = { id: number; page: IndexPage } | { id: number; error: { name: string; message: string; code?: unknown } };

interface Pending {
  resolve(page: IndexPage): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface SearchPool {
  search(tenant: string, query: IndexQuery): Promise<IndexPage>;
  /** Workers running now (started lazily, replaced when one dies). */
  readonly running: number;
  close(): Promise<void>;
}

/** A worker's error as the caller would have seen it in-thread: a bad cursor stays a RangeError, a busy file is backpressure. */
function rehydrate(e: { name: string; message: string; code?: unknown }): Error {
  if (e.name === 'RangeError') return new RangeError(e.message);
  if (typeof e.code === 'string' && (e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED'))) {
    return new StoreError('backpressure', `the embedded search index is busy (${e.code})`);
  }
  return Object.assign(new Error(e.message), { name: e.name, code: e.code });
}

export function createSearchPool(options: { path: string; size: number; maxWaiting: number; script?: URL }): SearchPool {
  const script = options.script ?? new URL('./search-worker.js', import.meta.url);
  const slots: (Slot | null)[] = Array.from({ length: options.size }, () => null);
  let inFlight = 0;
  let nextId = 1;
  let closed = false;

  function fail(slot: Slot, error: Error): void {
    const i = slots.indexOf(slot);
    if (i >= 0) slots[i] = null;
    for (const p of slot.pending.values()) p.reject(error);
    inFlight -= slot.pending.size;
    slot.pending.clear();
  }

  function start(i: number): Slot {
    const worker = new Worker(script, { workerData: { path: options.path } });
    const slot: Slot = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: SearchReply) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      inFlight--;
      if (slot.pending.size === 0) worker.unref();
      if ('page' in reply) p.resolve(reply.page);
      else p.reject(rehydrate(reply.error));
    });
    worker.on('error', (error) => fail(slot, new StoreError('unavailable', `a search worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => fail(slot, new StoreError('unavailable', `a search worker exited (code ${code})`)));
    slots[i] = slot;
    return slot;
  }

  /** The slot with the fewest queries in flight, started if it is not running. */
  function pick(): Slot {
    let best = -1;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (!s) return start(i);
      if (best < 0 || s.pending.size < slots[best]!.pending.size) best = i;
    }
    return slots[best]!;
  }

  return {
    get running() {
      return slots.filter((s) => s !== null).length;
    },
    search(tenant, query) {
      if (closed) return Promise.reject(new Error('search index is closed'));
      if (inFlight >= options.maxWaiting) {
        return Promise.reject(new StoreError('backpressure', `${inFlight} searches are already waiting for the embedded index`));
      }
      const slot = pick();
      const id = nextId++;
      return new Promise<IndexPage>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        inFlight++;
        slot.worker.ref();
        slot.worker.postMessage({ id, tenant, query });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        slots.map(async (slot) => {
          if (!slot) return;
          const exited = new Promise((resolve) => slot.worker.once('exit', resolve));
          slot.worker.postMessage('close');
          const timer = setTimeout(() => void slot.worker.terminate(), 5_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
