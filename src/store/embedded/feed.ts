// The in-process change feed of the embedded mode: one process, so an event emitter per tenant
// is the whole bus. The Kafka feed replaces it when replicas must share events.
import { EventEmitter } from 'node:events';
import type { ChangeEvent } from '../../domain/events.js';
import type { ChangeFeed } from '../ports/index.js';

export function createEmbeddedFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let closed = false;
  // A closed feed refuses: the relay then keeps the events in the outbox instead of losing them.
  const open = () => {
    if (closed) throw new Error('the change feed is closed');
  };
  return {
    kind: 'in-process',
    async publish(events) {
      open();
      for (const event of events) emitter.emit(event.tenant, event);
    },
    listen(tenant, listener: (event: ChangeEvent) => void) {
      emitter.on(tenant, listener);
      return () => emitter.off(tenant, listener);
    },
    async ping() {
      open();
    },
    async close() {
      closed = true;
      emitter.removeAllListeners();
    },
  };
}
