// Propagation job commands: the chunks of a large propagation, run by the propagation worker
// (services/propagation-jobs.ts) as the `propagation` system actor, on behalf of the change that
// enqueued the job (whose subject the events keep).
import type { PropagationJobRecord } from '../../domain/model.js';
import type { PropagationKey, PropagationPatch } from '../../store/ports/index.js';
import { type Command, noValidation } from './command.js';
import { PropagationRun } from './propagation-run.js';

/** The job was enqueued again since its plan was made: the run rolls back and starts over. */
export class Superseded extends Error {
  constructor() {
    super('propagation job was enqueued again');
  }
}

export interface ChunkInput {
  jobId: string;
  /** The generation the plan was made for. */
  generation: number;
  key: PropagationKey;
  chunk: readonly PropagationPatch[];
  /** Rows applied once this chunk commits, and the plan's total. */
  applied: number;
  total: number;
}

/** One chunk of the plan, with its events and the job's progress, in one transaction. */
export const applyPropagationChunk: Command<ChunkInput, void> = {
  name: 'applyPropagationChunk',
  permission: 'propagation:run',
  // Planned by the worker from the store's own rows.
  validate: noValidation,
  async apply({ tx, actor, at }, input) {
    const current = await tx.progressPropagationJob(input.jobId, { applied: input.applied, total: input.total, done: false }, at);
    if (current?.generation !== input.generation) throw new Superseded();
    const run = new PropagationRun(tx, actor.tenant, actor.subject, at);
    run.apply(input.key, await tx.patchPropagation(input.key, input.chunk, actor.subject, at));
    await tx.appendEvents(await run.events());
  },
};

/** Marks the job DONE, unless it was enqueued again meanwhile. */
export const finishPropagationJob: Command<Omit<ChunkInput, 'chunk' | 'key'>, PropagationJobRecord> = {
  name: 'finishPropagationJob',
  permission: 'propagation:run',
  validate: noValidation,
  async apply({ tx, at }, input) {
    const current = await tx.progressPropagationJob(input.jobId, { applied: input.applied, total: input.total, done: true }, at);
    if (current?.generation !== input.generation) throw new Superseded();
    return current;
  },
};
