// Classification types, direct assignments, blocks, and the views of both kinds of assignment.
import { randomUUID } from 'node:crypto';
import { type Viewer, requirePermission } from '../domain/auth.js';
import { Problems, badInput, notFound } from '../domain/errors.js';
import type { AssetClassificationState, AssetRecord, AssignmentView, ClassificationTypeRecord, ClassificationTypeView, ClassifyOutcome, HistoryChange } from '../domain/model.js';
import { LIMITS, checkClassificationName, checkQualifiedName, checkText } from '../domain/validation.js';
import type { GraphTx } from '../store/ports.js';
import { type ServiceDeps, now } from './deps.js';
import { PropagationRun } from './propagation.js';

export interface ClassificationTypeInput {
  name: string;
  description?: string | null | undefined;
  propagateByDefault?: boolean | null | undefined;
}

type Action = 'classify' | 'declassify' | 'block' | 'unblock';

export class ClassificationService {
  constructor(private readonly deps: ServiceDeps) {}

  async types(viewer: Viewer | null): Promise<ClassificationTypeView[]> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const [types, counts] = await Promise.all([graph.classificationTypes(), graph.classificationCounts()]);
    return types.map((t) => ({ ...t, directCount: counts.get(t.name)?.direct ?? 0, propagatedCount: counts.get(t.name)?.propagated ?? 0 }));
  }

  async define(viewer: Viewer | null, input: ClassificationTypeInput): Promise<ClassificationTypeView> {
    const v = requirePermission(viewer, 'classification:write');
    const problems = new Problems();
    checkClassificationName(problems, 'input.name', input.name);
    if (input.description) checkText(problems, 'input.description', input.description, LIMITS.classificationDescription, { multiline: true, allowEmpty: true });
    problems.throwIfAny('Invalid classification type');
    const record = await this.deps.store.tenant(v.tenant).transaction(async (tx) => {
      const [existing] = await tx.classificationTypes([input.name]);
      const next: ClassificationTypeRecord = {
        name: input.name,
        description: input.description === undefined ? (existing?.description ?? null) : input.description,
        propagateByDefault: input.propagateByDefault ?? existing?.propagateByDefault ?? true,
        createdAt: existing?.createdAt ?? now(),
      };
      await tx.putClassificationType(next);
      return next;
    });
    const counts = (await this.deps.store.tenant(v.tenant).classificationCounts()).get(record.name);
    return { ...record, directCount: counts?.direct ?? 0, propagatedCount: counts?.propagated ?? 0 };
  }

  classify(viewer: Viewer | null, qualifiedName: string, classification: string, propagate?: boolean | null): Promise<ClassifyOutcome> {
    return this.change(viewer, 'classify', qualifiedName, classification, propagate ?? null);
  }

  declassify(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, 'declassify', qualifiedName, classification, null);
  }

  block(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, 'block', qualifiedName, classification, null);
  }

  unblock(viewer: Viewer | null, qualifiedName: string, classification: string): Promise<ClassifyOutcome> {
    return this.change(viewer, 'unblock', qualifiedName, classification, null);
  }

  /**
   * Classifies inside a caller's transaction, on behalf of rules the tenant configured (ingest
   * transforms), so the caller has checked what it may do. An undefined type is defined first.
   */
  async classifyIn(tx: GraphTx, v: Viewer, qualifiedName: string, classification: string, propagate: boolean | null): Promise<ClassifyOutcome> {
    validateChange('classify', qualifiedName, classification);
    const [type] = await tx.classificationTypes([classification]);
    if (!type) await tx.putClassificationType({ name: classification, description: null, propagateByDefault: true, createdAt: now() });
    return changeIn(tx, v, 'classify', qualifiedName, classification, propagate, this.deps.limits.maxSyncPropagation);
  }

  private async change(viewer: Viewer | null, action: Action, qualifiedName: string, classification: string, propagate: boolean | null): Promise<ClassifyOutcome> {
    const v = requirePermission(viewer, 'classification:write');
    validateChange(action, qualifiedName, classification);
    const started = performance.now();
    const outcome = await this.deps.store.tenant(v.tenant).transaction((tx) => changeIn(tx, v, action, qualifiedName, classification, propagate, this.deps.limits.maxSyncPropagation));
    this.deps.log.debug({ action, classification, added: outcome.added, removed: outcome.removed, jobs: outcome.jobs.length, ms: Math.round(performance.now() - started) }, 'classification change committed');
    return outcome;
  }
}

function validateChange(action: Action, qualifiedName: string, classification: string): void {
  const problems = new Problems();
  checkQualifiedName(problems, 'qualifiedName', qualifiedName);
  checkClassificationName(problems, 'classification', classification);
  problems.throwIfAny(`Invalid ${action}`);
}

async function changeIn(
  tx: GraphTx, v: Viewer, action: Action, qualifiedName: string, classification: string, propagate: boolean | null, maxSyncPropagation: number | undefined,
): Promise<ClassifyOutcome> {
  const [asset] = await tx.assetsByQualifiedNames([qualifiedName]);
  if (!asset) throw notFound(`Asset ${qualifiedName} not found`);
  const [type] = await tx.classificationTypes([classification]);
  if (!type) throw badInput(`Classification ${classification} is not defined; define it with defineClassification first`, [{ path: 'classification', message: 'not defined' }]);
  const at = now();
  const run = new PropagationRun(tx, v.tenant, v.subject, at, maxSyncPropagation);
  const state = (await tx.classificationStates([asset.id])).get(asset.id);
  const changed = await applyAction(tx, run, action, asset, type, state, propagate ?? type.propagateByDefault, v.subject, at);
  const events = await run.events();
  if (changed) {
    await tx.appendHistory([{ id: randomUUID(), assetId: asset.id, qualifiedName: asset.qualifiedName, change: HISTORY[action], actor: v.subject, at, version: asset.version, before: null, after: { classification, ...(action === 'classify' ? { propagate: propagate ?? type.propagateByDefault } : {}) } }]);
  }
  await tx.appendEvents(events);
  return {
    asset,
    classification,
    added: events.filter((e) => e.change === 'ADDED').length,
    removed: events.filter((e) => e.change === 'REMOVED').length,
    jobs: run.jobs,
  };
}

const HISTORY: Record<Action, HistoryChange> = {
  classify: 'CLASSIFIED',
  declassify: 'DECLASSIFIED',
  block: 'PROPAGATION_BLOCKED',
  unblock: 'PROPAGATION_UNBLOCKED',
};

/** Applies one steward action and recomputes the propagation units it can affect. Returns whether anything changed. */
async function applyAction(
  tx: GraphTx, run: PropagationRun, action: Action, asset: AssetRecord, type: ClassificationTypeRecord,
  state: AssetClassificationState | undefined, propagate: boolean, actor: string, at: string,
): Promise<boolean> {
  const name = type.name;
  const self = { sourceId: asset.id, classification: name };
  switch (action) {
    case 'classify': {
      const existing = state?.direct.find((d) => d.classification === name);
      if (existing && existing.propagate === propagate) return false;
      await tx.setDirect({ assetId: asset.id, classification: name, propagate, addedAt: existing?.addedAt ?? at, addedBy: existing?.addedBy ?? actor });
      if (!existing) run.direct(asset.id, name, 'ADDED');
      await run.recompute([self]);
      return true;
    }
    case 'declassify': {
      if (!(await tx.removeDirect(asset.id, name))) return false;
      run.direct(asset.id, name, 'REMOVED');
      await run.recompute([self]);
      return true;
    }
    case 'block': {
      if (!(await tx.setBlock({ assetId: asset.id, classification: name, addedAt: at, addedBy: actor }))) return false;
      await run.recompute(await tx.propagationKeysAt([asset.id], 'effective', name));
      return true;
    }
    case 'unblock': {
      const keys = await tx.propagationKeysAt([asset.id], 'blocked', name);
      if (!(await tx.removeBlock(asset.id, name))) return false;
      await run.recompute(keys);
      return true;
    }
  }
}

/** What an asset shows: direct assignments, in-effect propagated ones with their sources, and optionally the blocked ones. */
export function assignmentViews(state: AssetClassificationState | undefined, includeBlocked: boolean): AssignmentView[] {
  if (!state) return [];
  const blocked = new Set(state.blocks.map((b) => b.classification));
  const views: AssignmentView[] = state.direct.map((d) => ({
    name: d.classification, propagated: false, propagate: d.propagate, sourceIds: [], blocked: blocked.has(d.classification), addedAt: d.addedAt, addedBy: d.addedBy,
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
      grouped.set(key, { name: row.classification, propagated: true, propagate: true, sourceIds: [row.sourceId], blocked: row.blocked, addedAt: row.addedAt, addedBy: row.addedBy });
    }
  }
  return [...views, ...grouped.values()].sort((a, b) => a.name.localeCompare(b.name) || Number(a.propagated) - Number(b.propagated));
}
