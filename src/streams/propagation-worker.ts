// The propagation worker: runs the background propagation jobs (services/propagation-jobs.ts).
//
// Every replica may run one; each job is leased to one worker at a time and the lease is renewed
// before every chunk, so a worker that dies hands its job over when the lease runs out. The
// worker wakes on commits (a change that enqueued a job usually appended its direct event too)
// and polls besides, for jobs enqueued by other processes.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { JobOutcome, PropagationJobService } from '../services/propagation-jobs.js';
import type { GraphStore } from '../store/ports/index.js';
import type { Worker } from './worker.js';
import { Pacer } from './pacer.js';

export interface PropagationWorkerOptions {
  store: GraphStore;
  jobs: PropagationJobService;
  log: Logger;
  /** Propagation rows per transaction. */
  chunkSize: number;
  pollMs?: number;
  leaseMs?: number;
  /** How long finished jobs stay visible to `propagationJob(id)`. */
  retentionHours?: number;
  onRows?: (count: number) => void;
  onJob?: (outcome: JobOutcome) => void;
}

export function createPropagationWorker(options: PropagationWorkerOptions): Worker & { idle(): Promise<void> } {
  const { store, jobs, log } = options;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const owner = `propagation-${randomUUID()}`;
  let running = false;
  let loop: Promise<void> | null = null;
  const pacer = new Pacer();
  let unsubscribe: (() => void) | null = null;
  let purgeTimer: NodeJS.Timeout | null = null;

  async function runOne(): Promise<boolean> {
    const claim = await store.propagationQueue.claim(owner, leaseMs);
    if (!claim) return false;
    const { job } = claim;
    log.info(
      { tenant: claim.tenant, job: job.id, classification: job.classification, generation: job.generation },
      'propagation job leased',
    );
    let renewedAt = Date.now();
    try {
      const outcome = await jobs.run(claim, {
        chunkSize: options.chunkSize,
        stopping: () => !running,
        async renew() {
          if (Date.now() - renewedAt < leaseMs / 3) return true;
          renewedAt = Date.now();
          return (await store.propagationQueue.claim(owner, leaseMs, job.id)) !== null;
        },
        onChunk: (n) => options.onRows?.(n),
      });
      options.onJob?.(outcome);
      if (outcome === 'lost') log.warn({ job: job.id }, 'propagation job lease lost; another worker carries on');
    } finally {
      await store.propagationQueue
        .release(owner, job.id)
        .catch((err: unknown) => log.warn({ err, job: job.id }, 'releasing a propagation job failed; its lease will run out'));
    }
    return true;
  }

  async function work(): Promise<void> {
    while (running) {
      let busy = false;
      try {
        busy = await runOne();
      } catch (error) {
        log.error({ err: error }, 'propagation job failed; retrying in 1s');
        await pacer.sleep(1000);
        continue;
      }
      if (!busy) {
        pacer.idle();
        await pacer.sleep(pollMs);
      }
    }
  }

  return {
    start() {
      running = true;
      unsubscribe = store.onCommit(() => pacer.wake());
      purgeTimer = setInterval(() => {
        const cutoff = new Date(Date.now() - (options.retentionHours ?? 24) * 3600_000).toISOString();
        store.propagationQueue.purgeFinished(cutoff).catch((err: unknown) => log.warn({ err }, 'purging finished propagation jobs failed'));
      }, 15 * 60_000);
      purgeTimer.unref();
      loop = work();
      return Promise.resolve();
    },
    async stop() {
      running = false;
      unsubscribe?.();
      if (purgeTimer) clearInterval(purgeTimer);
      pacer.wake();
      await loop;
      pacer.idle();
    },
    ready: () => running,
    /** Resolves once the worker has found no job to run (tests, benchmarks). */
    idle: () => pacer.whenIdle(),
  };
}
