// The propagation-jobs port: a large unit's background job, per tenant and for the workers.
// Adapters: store/embedded/propagation-jobs.ts, store/neo4j/propagation-jobs.ts.
// Contract: test/contract/store/propagation-jobs.contract.ts.
import type { PropagationJobRecord } from '../../domain/model.js';
import type { PropagationKey } from './classification.js';

export interface PropagationJobReader {
  propagationJobs(ids: readonly string[]): Promise<PropagationJobRecord[]>;
}

export interface PropagationJobWriter {
  /** The unit's background job, finished or not. */
  propagationJobFor(key: PropagationKey): Promise<PropagationJobRecord | null>;
  /** Creates the unit's job, or restarts it: PENDING, next generation, progress reset. */
  enqueuePropagation(key: PropagationKey, id: string, actor: string, at: string): Promise<PropagationJobRecord>;
  /**
   * Records a run's progress. Takes the job's write lock first, so the generation it returns is
   * current: a run that finds it moved must roll back and start over.
   */
  progressPropagationJob(
    id: string,
    progress: { applied: number; total: number | null; done: boolean },
    at: string,
  ): Promise<PropagationJobRecord | null>;
}

/** A job leased to one worker; the lease is renewed by claiming again. */
export interface ClaimedPropagationJob {
  tenant: string;
  job: PropagationJobRecord;
}

/** Infrastructure view of the propagation jobs for the workers (all tenants). */
export interface PropagationQueue {
  /** Leases the oldest unfinished job that no other live worker holds (or renews `jobId`'s lease). */
  claim(owner: string, leaseMs: number, jobId?: string): Promise<ClaimedPropagationJob | null>;
  release(owner: string, jobId: string): Promise<void>;
  purgeFinished(olderThan: string): Promise<number>;
}
