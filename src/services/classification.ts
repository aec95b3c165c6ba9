// Classification: the types with their counts, the views of both kinds of assignment, and the
// writes of commands/classification.ts for users.
import { type Viewer, requirePermission } from '../domain/auth.js';
import type { AssetClassificationState, AssignmentView, ClassificationTypeView, ClassifyOutcome } from '../domain/model.js';
import {
  type ChangeInput,
  type ClassificationTypeInput,
  blockPropagation,
  classify,
  declassify,
  defineClassification,
  unblockPropagation,
} from './commands/classification.js';
import { type Command, write } from './commands/command.js';
import type { ServiceDeps } from './deps.js';

export type { ClassificationTypeInput } from './commands/classification.js';

export class ClassificationService {
  constructor(private readonly deps: ServiceDeps) {}

  async types(viewer: Viewer | null): Promise<ClassificationTypeView[]> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const [types, counts] = await Promise.all([graph.classificationTypes(), graph.classificationCounts()]);
    return types.map((t) => ({ ...t, directCount: counts.get(t.name)?.direct ?? 0, propagatedCount: counts.get(t.name)?.propagated ?? 0 }));
  }

  async define(viewer: Viewer | null, input: ClassificationTypeInput): Promise<ClassificationTypeView> {
    const record = await write(this.deps, viewer, defineClassification, input);
    // Authorized above, so there is a viewer.
    const counts = (await this.deps.store.tenant(viewer!.tenant).classificationCounts()).get(record.name);
    return { ...record, directCount: counts?.direct ?? 0, propagatedCount: counts?.propagated ?? 0 };
  }

  classify(viewer: Viewer | null, qualifiedName: string, classification: string, propagate?: boolean | null): Promise<ClassifyOutcome> {
    return this.change(viewer, classify, { qualifiedName, classification, propagate: propagate ?? null });
  }

  declassify(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, declassify, { qualifiedName, classification, propagate: null });
  }

  block(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, blockPropagation, { qualifiedName, classification, propagate: null });
  }

  unblock(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, unblockPropagation, { qualifiedName, classification, propagate: null });
  }

  private async change(
    viewer: Viewer | null,
    command: Command<ChangeInput, ClassifyOutcome>,
    input: ChangeInput,
  ): Promise<ClassifyOutcome> {
    const started = performance.now();
    const outcome = await write(this.deps, viewer, command, input);
    this.deps.log.debug(
      {
        action: command.name,
        classification: input.classification,
        added: outcome.added,
        removed: outcome.removed,
        jobs: outcome.jobs.length,
        ms: Math.round(performance.now() - started),
      },
      'classification change committed',
    );
    return outcome;
  }
}

/** What an asset shows: direct assignments, in-effect propagated ones with their sources, and optionally the blocked ones. */
export function assignmentViews(state: AssetClassificationState | undefined, includeBlocked: boolean): AssignmentView[] {
  if (!state) return [];
  const blocked = new Set(state.blocks.map((b) => b.classification));
  const views: AssignmentView[] = state.direct.map((d) => ({
    name: d.classification,
    propagated: false,
    propagate: d.propagate,
    sourceIds: [],
    blocked: blocked.has(d.classification),
    blockReason: blocked.has(d.classification) ? 'STEWARD' : null,
    addedAt: d.addedAt,
    addedBy: d.addedBy,
  }));
  const grouped = new Map<string, AssignmentView>();
  for (const row of state.propagated) {
    if (row.blocked && !includeBlocked) continue;
    const key = `${row.classification}\u0000${row.blocked ? 'b' : 'e'}`;
    const view = grouped.get(key);
    if (view) {
      view.sourceIds.push(row.sourceId);
      if (row.addedAt < view.addedAt) Object.assign(view, { addedAt: row.addedAt, addedBy: row.addedBy });
    } else {
      grouped.set(key, {
        name: row.classification,
        propagated: true,
        propagate: true,
        sourceIds: [row.sourceId],
        blocked: row.blocked,
        // A blocked row is a steward's block at this asset, or else masking (store reach()).
        blockReason: row.blocked ? (blocked.has(row.classification) ? 'STEWARD' : 'MASKING') : null,
        addedAt: row.addedAt,
        addedBy: row.addedBy,
      });
    }
  }
  return [...views, ...grouped.values()].sort((a, b) => a.name.localeCompare(b.name) || Number(a.propagated) - Number(b.propagated));
}
