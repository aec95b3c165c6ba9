// Run commands: one event of a source's run (OpenLineage's run cycle, domain/runs.ts),
// remembered with the run, and its lineage written once the run is known to have moved data.
import { badInput } from '../../domain/errors.js';
import { type RunReport, advanceRun, runEdgeCount } from '../../domain/runs.js';
import { type Command, noValidation } from './command.js';
import { addLineage } from './lineage.js';

export const reportRun: Command<RunReport, void> = {
  name: 'reportRun',
  permission: 'run:write',
  // Built by the ingest mappers from validated events; the edges it leads to are checked by addLineage.
  validate: noValidation,
  async apply(context, report) {
    const { tx, limits } = context;
    const step = advanceRun(await tx.lockRun(report.run), report, context.at);
    if (limits.maxRunEdges !== undefined && runEdgeCount(step.next) > limits.maxRunEdges) {
      throw badInput(`Run ${report.run} would mean more than ${limits.maxRunEdges} lineage edges (its inputs × outputs and column edges)`);
    }
    await tx.putRun(step.next);
    if (step.lineage.length === 0) return;
    // What an earlier event of the run named may have been deleted since: its edges are dropped.
    const names = [...new Set([step.next.job, ...step.lineage.flatMap((e) => [e.from, e.to])])];
    const known = new Set((await tx.assetsByQualifiedNames(names)).map((a) => a.qualifiedName));
    if (!known.has(step.next.job)) return;
    const edges = step.lineage.filter((e) => known.has(e.from) && known.has(e.to)).map((e) => ({ ...e, process: step.next.job }));
    for (let i = 0; i < edges.length; i += limits.maxBatch) await context.run(addLineage, edges.slice(i, i + limits.maxBatch));
  },
};
