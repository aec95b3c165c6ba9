// Large propagations as background work. A unit (source asset, classification) whose
// recomputation changes more rows than a change's transaction may hold becomes a job; the
// propagation worker leases it and runs it here:
//
//   1. plan: compute the unit's wanted rows from the current graph and diff them with its rows;
//   2. apply the diff in chunks, one transaction each, with the change events of that chunk and
//      the job's progress committed together;
//   3. finish: mark the job DONE in a transaction that checks nobody enqueued it meanwhile.
//
// Every chunk transaction first takes the job's lock and compares its generation with the one
// the plan was made for: a change that enqueued the unit again rolls the chunk back and the run
// starts over from the current graph. A crash loses at most the chunk in flight; the next lease
// holder plans again, and since the plan is a diff, what was applied is not applied twice (and
// emits no second event).
import { type Viewer, requirePermission, systemActor } from '../domain/auth.js';
import type { PropagationJobRecord } from '../domain/model.js';
import type { ClaimedPropagationJob, PropagationKey, PropagationPatch, TenantGraph } from '../store/ports/index.js';
import { replacement } from '../store/propagation-patch.js';
import { execute } from './commands/command.js';
import { Superseded, applyPropagationChunk, finishPropagationJob } from './commands/propagation-jobs.js';
import type { ServiceDeps } from './deps.js';

export interface JobControl {
  chunkSize: number;
  /** Renews the lease before each chunk; false when it was lost (another worker took over). */
  renew(): Promise<boolean>;
  /** True once the worker is asked to stop: the run ends between chunks. */
  stopping(): boolean;
  /** Called after each chunk committed (metrics; tests make concurrent changes here). */
  onChunk?(applied: number): void | Promise<void>;
}

export type JobOutcome = 'done' | 'stopped' | 'lost';

export class PropagationJobService {
  constructor(private readonly deps: ServiceDeps) {}

  async job(viewer: Viewer | null, id: string): Promise<PropagationJobRecord | null> {
    const v = requirePermission(viewer, 'graph:read');
    const [job] = await this.deps.store.tenant(v.tenant).propagationJobs([id]);
    return job ?? null;
  }

  /** Runs a leased job until it is done, the worker stops, or the lease is lost. */
  async run({ tenant, job: claimed }: ClaimedPropagationJob, control: JobControl): Promise<JobOutcome> {
    const graph = this.deps.store.tenant(tenant);
    const key: PropagationKey = { sourceId: claimed.sourceId, classification: claimed.classification };
    let job: PropagationJobRecord | null = claimed;
    while (job && job.status !== 'DONE') {
      const generation: number = job.generation;
      // A job of the same generation that already made progress is resumed: its applied rows count.
      let applied = job.status === 'RUNNING' ? job.applied : 0;
      const patch = await this.plan(graph, key);
      const total = applied + patch.length;
      const actor = systemActor('propagation', tenant, job.actor);
      const jobId: string = job.id;
      const { limits } = this.deps;
      try {
        for (let i = 0; i < patch.length; i += control.chunkSize) {
          if (control.stopping()) return 'stopped';
          if (!(await control.renew())) return 'lost';
          const chunk = patch.slice(i, i + control.chunkSize);
          const input = { jobId, generation, key, chunk, applied: applied + chunk.length, total };
          await graph.transaction((tx) => execute(applyPropagationChunk, { actor, tx, input }, limits));
          applied += chunk.length;
          await control.onChunk?.(chunk.length);
        }
        const done = { jobId, generation, applied, total };
        job = await graph.transaction((tx): Promise<PropagationJobRecord> =>
          execute(finishPropagationJob, { actor, tx, input: done }, limits),
        );
        this.deps.log.info({ tenant, job: jobId, classification: key.classification, rows: total }, 'propagation job done');
      } catch (error) {
        if (!(error instanceof Superseded)) throw error;
        this.deps.log.debug({ tenant, job: jobId }, 'propagation job enqueued again: starting over');
        // What the rolled-back transaction read is gone with it: read the committed job again.
        [job = null] = await graph.propagationJobs([jobId]);
      }
    }
    return 'done';
  }

  /** The diff from the unit's rows to what the current graph justifies (nothing, once its direct assignment is gone). */
  private plan(graph: TenantGraph, key: PropagationKey): Promise<PropagationPatch[]> {
    return graph.transaction(async (tx) => {
      const active = (await tx.propagatingDirectAt([key.sourceId])).some((k) => k.classification === key.classification);
      const wanted = active ? await tx.reach(key) : [];
      const existing = new Map((await tx.propagationRows(key)).map((r) => [r.assetId, r.blocked]));
      return replacement(existing, wanted);
    });
  }
}
