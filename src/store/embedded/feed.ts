// The in-process change feed of the embedded mode: one process, so an event emitter per tenant
// is the whole bus. The Kafka feed replaces it when replicas must share events.
import { EventEmitter } from 'node:events';
import type { ChangeEvent } from '../../domain/events.js';
import type { ChangeFeed } from '../ports.js';

export function createEmbeddedFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'in-process',
    async publish(events) {
      for (const event of events) emitter.emit(event.tenant, event);
    },
    listen(tenant, listener: (event: ChangeEvent) => void) {
      emitter.on(tenant, listener);
      return () => emitter.off(tenant, listener);
    },
    async ping() {},
    async close() {
      emitter.removeAllListeners();
    },
  };
}
