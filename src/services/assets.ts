// Assets: idempotent upserts with versions and history, containment, cascading deletes.
import { randomUUID } from 'node:crypto';
import { type Viewer, requirePermission } from '../domain/auth.js';
import { DomainError, Problems } from '../domain/errors.js';
import type { AssetChangedEvent } from '../domain/events.js';
import type { AssetKind, AssetRecord, HistoryRecord, JsonObject } from '../domain/model.js';
import {
  LIMITS, allowedParentKinds, canonicalJson, checkAttributes, checkBatch, checkKind, checkQualifiedName, checkText, defaultName,
} from '../domain/validation.js';
import type { AssetQuery, GraphTx } from '../store/ports.js';
import { type ServiceDeps, now } from './deps.js';
import { type Connection, pageRequest, paginate, toConnection } from './paging.js';
import { PropagationRun } from './propagation.js';
import type { AssetInput } from '../domain/commands.js';

export type { AssetInput } from '../domain/commands.js';

export type UpsertStatus = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export interface UpsertOutcome {
  results: { asset: AssetRecord; status: UpsertStatus }[];
}

export interface AssetFilterInput {
  kinds?: readonly AssetKind[] | null | undefined;
  qualifiedNamePrefix?: string | null | undefined;
  parentQualifiedName?: string | null | undefined;
  owner?: string | null | undefined;
  classification?: string | null | undefined;
}

const MAX_CONTAINMENT_DEPTH = 64;

/** The fields that make up an asset's version: a change to any of them bumps it. */
const versioned = (a: AssetRecord) =>
  canonicalJson([a.kind, a.name, a.description, a.owners, a.attributes, a.parentId]);

const snapshot = (a: AssetRecord) => ({
  qualifiedName: a.qualifiedName, kind: a.kind, name: a.name, description: a.description,
  owners: a.owners, attributes: a.attributes, parentId: a.parentId, version: a.version,
});

export class AssetService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(viewer: Viewer | null, ref: { id?: string | null | undefined; qualifiedName?: string | null | undefined }): Promise<AssetRecord | null> {
    const v = requirePermission(viewer, 'graph:read');
    const hasId = ref.id !== null && ref.id !== undefined;
    const hasName = ref.qualifiedName !== null && ref.qualifiedName !== undefined;
    if (hasId === hasName) throw new DomainError('BAD_USER_INPUT', 'Pass exactly one of id or qualifiedName');
    const graph = this.deps.store.tenant(v.tenant);
    const found = hasId ? await graph.assetsByIds([ref.id!]) : await graph.assetsByQualifiedNames([ref.qualifiedName!]);
    return found[0] ?? null;
  }

  async list(viewer: Viewer | null, filter: AssetFilterInput | null | undefined, first?: number | null, after?: string | null): Promise<Connection<AssetRecord>> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query: AssetQuery = {};
    if (filter?.kinds) query.kinds = filter.kinds;
    if (filter?.qualifiedNamePrefix) query.qualifiedNamePrefix = filter.qualifiedNamePrefix;
    if (filter?.owner) query.owner = filter.owner;
    if (filter?.classification) query.classification = filter.classification;
    if (filter?.parentQualifiedName) {
      const [parent] = await graph.assetsByQualifiedNames([filter.parentQualifiedName]);
      if (!parent) return toConnection({ items: [], hasNextPage: false }, 0, false);
      query.parentId = parent.id;
    }
    return paginate(first, after, (page) => graph.listAssets(query, page), () => graph.countAssets(query));
  }

  async children(viewer: Viewer | null, asset: AssetRecord, first?: number | null, after?: string | null): Promise<Connection<AssetRecord>> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query = { parentId: asset.id };
    return paginate(first, after, (page) => graph.listAssets(query, page), () => graph.countAssets(query));
  }

  async history(viewer: Viewer | null, asset: AssetRecord, first?: number | null, after?: string | null): Promise<Connection<HistoryRecord>> {
    const v = requirePermission(viewer, 'graph:read');
    const page = pageRequest(first, after, 20);
    const items = await this.deps.store.tenant(v.tenant).history(asset.id, page);
    return toConnection(items, items.items.length, page.after !== null);
  }

  async upsert(viewer: Viewer | null, inputs: readonly AssetInput[]): Promise<UpsertOutcome> {
    const v = requirePermission(viewer, 'asset:write');
    this.validateUpsert(inputs);
    return this.deps.store.tenant(v.tenant).transaction((tx) => this.upsertIn(tx, v, inputs));
  }

  /** The upsert inside a caller's transaction (ingestion batches several operations in one). The caller checked permissions. */
  async upsertIn(tx: GraphTx, v: Viewer, inputs: readonly AssetInput[]): Promise<UpsertOutcome> {
    const problems = this.validateUpsert(inputs);
    const at = now();
    const wanted = inputs.flatMap((i) => (i.parentQualifiedName ? [i.qualifiedName, i.parentQualifiedName] : [i.qualifiedName]));
    const existing = new Map((await tx.assetsByQualifiedNames([...new Set(wanted)])).map((a) => [a.qualifiedName, a]));
    const inBatch = new Map(inputs.map((i) => [i.qualifiedName, i]));

    // Ids first, so that parents created in the same batch can be referenced.
    const ids = new Map<string, string>();
    for (const i of inputs) ids.set(i.qualifiedName, existing.get(i.qualifiedName)?.id ?? randomUUID());

    const results: { asset: AssetRecord; status: UpsertStatus }[] = [];
    const changed: AssetRecord[] = [];
    const history: HistoryRecord[] = [];
    const events: AssetChangedEvent[] = [];
    inputs.forEach((input, index) => {
      const path = `input[${index}]`;
      const before = existing.get(input.qualifiedName);
      const kind = input.kind as AssetKind;
      if (before && before.kind !== kind) {
        throw new DomainError('CONFLICT', `${path}.kind: ${input.qualifiedName} exists as ${before.kind}; delete it first to change its kind to ${kind}`);
      }
      let parentId = before?.parentId ?? null;
      if (input.parentQualifiedName === null) parentId = null;
      else if (input.parentQualifiedName !== undefined) {
        const parentKind = inBatch.get(input.parentQualifiedName)?.kind ?? existing.get(input.parentQualifiedName)?.kind;
        if (parentKind === undefined) {
          problems.add(`${path}.parentQualifiedName`, `parent ${input.parentQualifiedName} does not exist`);
          return;
        }
        if (!allowedParentKinds(kind).includes(parentKind as AssetKind)) {
          const allowed = allowedParentKinds(kind);
          problems.add(`${path}.parentQualifiedName`, `a ${kind} cannot be contained in a ${parentKind}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it has no container)'}`);
          return;
        }
        parentId = ids.get(input.parentQualifiedName) ?? existing.get(input.parentQualifiedName)!.id;
      }
      const next: AssetRecord = {
        id: ids.get(input.qualifiedName)!,
        qualifiedName: input.qualifiedName,
        kind,
        name: input.name ?? before?.name ?? defaultName(input.qualifiedName),
        description: input.description === undefined ? (before?.description ?? null) : input.description,
        owners: input.owners === undefined || input.owners === null ? (before?.owners ?? []) : [...new Set(input.owners)],
        attributes: input.attributes === undefined || input.attributes === null ? (before?.attributes ?? {}) : (input.attributes as JsonObject),
        parentId,
        version: before ? before.version : 1,
        createdAt: before?.createdAt ?? at,
        updatedAt: before?.updatedAt ?? at,
      };
      if (before && versioned(before) === versioned(next)) {
        results.push({ asset: before, status: 'UNCHANGED' });
        return;
      }
      if (before) {
        next.version = before.version + 1;
        next.updatedAt = at;
      }
      const change = before ? 'UPDATED' : 'CREATED';
      changed.push(next);
      results.push({ asset: next, status: change });
      history.push({ id: randomUUID(), assetId: next.id, qualifiedName: next.qualifiedName, change, actor: v.subject, at, version: next.version, before: before ? snapshot(before) : null, after: snapshot(next) });
      events.push({ type: 'asset.changed', eventId: randomUUID(), tenant: v.tenant, at, actor: v.subject, change, asset: next, version: next.version });
    });
    problems.throwIfAny('Invalid assets');
    await assertNoContainmentCycles(tx, changed);
    await tx.writeAssets(changed);
    await tx.appendHistory(history);
    await tx.appendEvents(events);
    return { results };
  }

  private validateUpsert(inputs: readonly AssetInput[]): Problems {
    const problems = new Problems();
    if (!checkBatch(problems, 'input', inputs.length, this.deps.limits.maxBatch)) problems.throwIfAny('Invalid assets');
    const seen = new Map<string, number>();
    inputs.forEach((input, i) => validateInput(problems, `input[${i}]`, input, seen, i));
    problems.throwIfAny('Invalid assets');
    return problems;
  }

  async delete(viewer: Viewer | null, qualifiedNames: readonly string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    const v = requirePermission(viewer, 'asset:write');
    this.validateDelete(qualifiedNames);
    return this.deps.store.tenant(v.tenant).transaction((tx) => this.deleteIn(tx, v, qualifiedNames));
  }

  private validateDelete(qualifiedNames: readonly string[]): void {
    const problems = new Problems();
    checkBatch(problems, 'qualifiedNames', qualifiedNames.length, this.deps.limits.maxBatch);
    qualifiedNames.forEach((qn, i) => checkQualifiedName(problems, `qualifiedNames[${i}]`, qn));
    problems.throwIfAny('Invalid delete');
  }

  /** The delete inside a caller's transaction. The caller checked permissions. */
  async deleteIn(tx: GraphTx, v: Viewer, qualifiedNames: readonly string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    this.validateDelete(qualifiedNames);
    const at = now();
    const roots = await tx.assetsByQualifiedNames([...new Set(qualifiedNames)]);
    const found = new Set(roots.map((r) => r.qualifiedName));
    const missing = qualifiedNames.filter((qn) => !found.has(qn));
    const descendantIds = await tx.descendants(roots.map((r) => r.id));
    const doomed = [...roots, ...(await tx.assetsByIds(descendantIds))];
    const doomedIds = doomed.map((a) => a.id);
    const doomedSet = new Set(doomedIds);

    const run = new PropagationRun(tx, v.tenant, v.subject, at, this.deps.limits.maxSyncPropagation);
    run.remember(doomed);
    // Units sourced at doomed assets lose all their rows; units from elsewhere that reached
    // doomed assets are recomputed once the doomed assets' edges are gone.
    const states = await tx.classificationStates(doomedIds);
    const reaching = (await tx.propagationKeysAt(doomedIds, 'any')).filter((k) => !doomedSet.has(k.sourceId));
    for (const [assetId, state] of states) {
      for (const d of state.direct) {
        await tx.removeDirect(assetId, d.classification);
        run.direct(assetId, d.classification, 'REMOVED');
      }
    }
    await run.recompute([...states].flatMap(([assetId, s]) => s.direct.map((d) => ({ sourceId: assetId, classification: d.classification }))));
    const lostEdges = await tx.edgesTouching(doomedIds);
    await tx.removeEdges(lostEdges);
    await run.recompute(reaching);
    await tx.deleteAssets(doomedIds);

    const events: AssetChangedEvent[] = doomed.map((a) => ({ type: 'asset.changed', eventId: randomUUID(), tenant: v.tenant, at, actor: v.subject, change: 'DELETED', asset: a, version: a.version }));
    await tx.appendHistory(doomed.map((a) => ({ id: randomUUID(), assetId: a.id, qualifiedName: a.qualifiedName, change: 'DELETED', actor: v.subject, at, version: a.version, before: snapshot(a), after: null })));
    await tx.appendEvents([...(await run.events()), ...events]);
    return { deleted: doomed.map((a) => a.qualifiedName), notFound: missing };
  }
}

function validateInput(problems: Problems, path: string, input: AssetInput, seen: Map<string, number>, index: number): void {
  if (checkQualifiedName(problems, `${path}.qualifiedName`, input.qualifiedName)) {
    const first = seen.get(input.qualifiedName);
    if (first !== undefined) problems.add(`${path}.qualifiedName`, `duplicates input[${first}]`);
    else seen.set(input.qualifiedName, index);
  }
  checkKind(problems, `${path}.kind`, input.kind);
  if (input.name !== undefined && input.name !== null) checkText(problems, `${path}.name`, input.name, LIMITS.name);
  if (input.description !== undefined && input.description !== null) {
    checkText(problems, `${path}.description`, input.description, LIMITS.description, { allowEmpty: true, multiline: true });
  }
  if (input.owners) {
    if (input.owners.length > LIMITS.owners) problems.add(`${path}.owners`, `at most ${LIMITS.owners} owners`);
    input.owners.forEach((o, i) => checkText(problems, `${path}.owners[${i}]`, o, LIMITS.owner));
  }
  if (input.attributes !== undefined && input.attributes !== null) checkAttributes(problems, `${path}.attributes`, input.attributes);
  if (input.parentQualifiedName !== undefined && input.parentQualifiedName !== null) {
    if (checkQualifiedName(problems, `${path}.parentQualifiedName`, input.parentQualifiedName) && input.parentQualifiedName === input.qualifiedName) {
      problems.add(`${path}.parentQualifiedName`, 'an asset cannot contain itself');
    }
  }
}

/** Kinds that may nest in themselves (columns in columns, pipelines in pipelines) must not loop. */
async function assertNoContainmentCycles(tx: GraphTx, changed: readonly AssetRecord[]): Promise<void> {
  const pending = new Map(changed.map((a) => [a.id, a]));
  for (const asset of changed) {
    let parentId = asset.parentId;
    for (let depth = 0; parentId !== null; depth++) {
      if (parentId === asset.id || depth > MAX_CONTAINMENT_DEPTH) {
        throw new DomainError('BAD_USER_INPUT', `${asset.qualifiedName}: containment would form a cycle or nest deeper than ${MAX_CONTAINMENT_DEPTH} levels`);
      }
      const parent: AssetRecord | undefined = pending.get(parentId) ?? (await tx.assetsByIds([parentId]))[0];
      if (!parent || parent.kind !== asset.kind) break;
      parentId = parent.parentId;
    }
  }
}

