// The outbox relay: moves committed change events from the store's outbox to the change feed,
// in commit order. Events are marked published only after the feed accepted them, so a crash
// between commit and publish re-publishes on restart (at-least-once; consumers dedupe by eventId).
//
// Every replica runs a relay, but only the holder of the store's relay lease publishes: one
// publisher keeps commit order on the feed. The others poll, and take over when the holder
// dies and its lease runs out; commits made on any replica are picked up by the holder's poll.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChangeFeed, GraphStore } from '../store/ports/index.js';
import type { Worker } from './worker.js';

export interface OutboxRelayOptions {
  store: GraphStore;
  feed: ChangeFeed;
  log: Logger;
  retentionHours: number;
  batchSize?: number;
  /** How often to look for events committed elsewhere (another replica, the CLI). */
  pollMs?: number;
  leaseMs?: number;
  onPublished?: (count: number) => void;
}

export function createOutboxRelay(options: OutboxRelayOptions): Worker & { flush(): Promise<void> } {
  const { store, feed, log } = options;
  const batchSize = options.batchSize ?? 1000;
  const pollMs = options.pollMs ?? 250;
  const leaseMs = options.leaseMs ?? 10_000;
  const owner = `relay-${randomUUID()}`;
  let leaseCheckedAt = 0;
  let holder = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let running = false;
  let current: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;
  let purgeTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;

  /** Renews the lease well before it runs out; asks again at most every leaseMs/5 when another relay holds it. */
  async function leased(): Promise<boolean> {
    const now = Date.now();
    if (now - leaseCheckedAt < leaseMs / 5) return holder;
    leaseCheckedAt = now;
    const was = holder;
    holder = await store.outbox.lease(owner, leaseMs);
    if (holder !== was) log.info({ owner }, holder ? 'outbox relay lease acquired: publishing' : 'outbox relay lease lost: standing by');
    return holder;
  }

  async function drain(): Promise<void> {
    if (!(await leased())) return;
    for (;;) {
      const batch = await store.outbox.pending(batchSize);
      if (batch.length === 0) return;
      await feed.publish(batch.map((b) => b.event));
      await store.outbox.markPublished(batch.map((b) => b.seq));
      options.onPublished?.(batch.length);
      if (batch.length < batchSize) return;
    }
  }

  function kick(): Promise<void> {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (error) {
          log.error({ err: error }, 'outbox relay failed; retrying in 1s');
          if (running && !retryTimer) {
            retryTimer = setTimeout(() => {
              retryTimer = null;
              void kick();
            }, 1000);
            retryTimer.unref();
          }
          return;
        }
      } while (again && running);
    })().finally(() => {
      current = null;
    });
    return current;
  }

  return {
    async start() {
      running = true;
      unsubscribe = store.onCommit(() => void kick());
      purgeTimer = setInterval(() => {
        const cutoff = new Date(Date.now() - options.retentionHours * 3600_000).toISOString();
        store.outbox.purgePublished(cutoff).then(
          (n) => n > 0 && log.debug({ purged: n }, 'purged published outbox events'),
          (err: unknown) => log.warn({ err }, 'outbox purge failed'),
        );
      }, 15 * 60_000);
      purgeTimer.unref();
      // Whatever a previous run committed but did not publish goes out first.
      pollTimer = setInterval(() => void kick(), pollMs);
      pollTimer.unref();
      await kick();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      if (pollTimer) clearInterval(pollTimer);
      if (purgeTimer) clearInterval(purgeTimer);
      if (retryTimer) clearTimeout(retryTimer);
      await current;
      await drain().catch((err: unknown) => log.warn({ err }, 'outbox not fully drained at stop; it will be on next start'));
    },
    ready: () => running,
    flush: async () => {
      await kick();
      await current;
    },
  };
}
