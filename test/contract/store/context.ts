// What each port's contract gets: the store under test (opened once per adapter) and a helper
// to write in one tenant's transaction.
import { randomUUID } from 'node:crypto';
import type { ChangeEvent } from '../../../src/domain/events.js';
import type { GraphStore, GraphTx } from '../../../src/store/ports/index.js';
import { assetRecord, qn } from '../../support/fixtures.js';

export interface StoreContract {
  /** Read when a test runs (the store is opened in the suite's `before`). */
  readonly store: GraphStore;
  write(tenant: string, work: (tx: GraphTx) => Promise<void>): Promise<void>;
}

export const page = (first: number, afterCursor: string | null = null) => ({ first, after: afterCursor });

/** An event for the outbox tests: what it describes does not matter. */
export function eventFor(tenant: string): ChangeEvent {
  return {
    type: 'asset.changed',
    eventId: randomUUID(),
    tenant,
    at: new Date().toISOString(),
    actor: 'test',
    change: 'CREATED',
    asset: assetRecord('TABLE', qn(randomUUID())),
    version: 1,
  };
}
