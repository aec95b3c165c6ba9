// Shared by the adapters: a transaction that remembers whether it appended change events, so
// the store can wake the outbox relay after commit (and only then).
import type { GraphTx } from './ports/index.js';

export function trackingAppends(tx: GraphTx): { tx: GraphTx; appended: () => boolean } {
  let appended = false;
  return {
    appended: () => appended,
    tx: {
      ...tx,
      async appendEvents(events) {
        appended ||= events.length > 0;
        return tx.appendEvents(events);
      },
    },
  };
}
