// What each port's contract gets: the store under test (opened once per adapter) and a helper
// to write in one tenant's transaction.
import type { GraphStore, GraphTx } from '../../../src/store/ports/index.js';

export interface StoreContract {
  /** Read when a test runs (the store is opened in the suite's `before`). */
  readonly store: GraphStore;
  write(tenant: string, work: (tx: GraphTx) => Promise<void>): Promise<void>;
}

export const page = (first: number, afterCursor: string | null = null) => ({ first, after: afterCursor });
