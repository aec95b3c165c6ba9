// The runs port: a source's reported runs (domain/runs.ts).
// Adapters: store/embedded/runs.ts, store/neo4j/runs.ts. Contract: test/contract/store/runs.contract.ts.
import type { RunRecord } from '../../domain/runs.js';

export interface RunWriter {
  /**
   * A source's run, read under the run's write lock, so two events of one run apply one after
   * the other whatever the number of workers; null for a run not seen yet.
   */
  lockRun(key: string): Promise<RunRecord | null>;
  putRun(record: RunRecord): Promise<void>;
}
