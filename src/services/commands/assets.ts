// Asset commands: idempotent upserts with versions and history, containment, cascading deletes.
import { randomUUID } from 'node:crypto';
import { DomainError, Problems } from '../../domain/errors.js';
import type { AssetInput } from '../../domain/commands.js';
import type { AssetChangedEvent } from '../../domain/events.js';
import type { AssetKind, AssetRecord, HistoryRecord, JsonObject } from '../../domain/model.js';
import {
  LIMITS,
  allowedParentKinds,
  canonicalJson,
  checkAttributes,
  checkBatch,
  checkKind,
  checkQualifiedName,
  checkText,
  defaultName,
} from '../../domain/validation.js';
import type { GraphTx } from '../../store/ports/index.js';
import type { Command, CommandContext } from './command.js';
import { PropagationRun } from './propagation-run.js';

export type UpsertStatus = 'CREATED' | 'UPDATED' | 'UNCHANGED';

export interface UpsertOutcome {
  results: { asset: AssetRecord; status: UpsertStatus }[];
}

export interface DeleteOutcome {
  deleted: string[];
  notFound: string[];
}

const MAX_CONTAINMENT_DEPTH = 64;

/** The fields that make up an asset's version: a change to any of them bumps it. */
const versioned = (a: AssetRecord) => canonicalJson([a.kind, a.name, a.description, a.owners, a.attributes, a.parentId]);

const snapshot = (a: AssetRecord) => ({
  qualifiedName: a.qualifiedName,
  kind: a.kind,
  name: a.name,
  description: a.description,
  owners: a.owners,
  attributes: a.attributes,
  parentId: a.parentId,
  version: a.version,
});

export const upsertAssets: Command<readonly AssetInput[], UpsertOutcome> = {
  name: 'upsertAssets',
  permission: 'asset:write',
  validate(inputs, limits) {
    const problems = new Problems();
    if (!checkBatch(problems, 'input', inputs.length, limits.maxBatch)) problems.throwIfAny('Invalid assets');
    const seen = new Map<string, number>();
    inputs.forEach((input, i) => validateInput(problems, `input[${i}]`, input, seen, i));
    problems.throwIfAny('Invalid assets');
  },
  async apply(context, inputs) {
    const { tx, actor, at } = context;
    const wanted = inputs.flatMap((i) => (i.parentQualifiedName ? [i.qualifiedName, i.parentQualifiedName] : [i.qualifiedName]));
    const existing = new Map((await tx.assetsByQualifiedNames([...new Set(wanted)])).map((a) => [a.qualifiedName, a]));
    const inBatch = new Map(inputs.map((i) => [i.qualifiedName, i]));
    // Ids first, so that parents created in the same batch can be referenced.
    const ids = new Map<string, string>();
    for (const i of inputs) ids.set(i.qualifiedName, existing.get(i.qualifiedName)?.id ?? randomUUID());

    const problems = new Problems();
    const results: UpsertOutcome['results'] = [];
    const changed: AssetRecord[] = [];
    const history: HistoryRecord[] = [];
    const events: AssetChangedEvent[] = [];
    inputs.forEach((input, index) => {
      const before = existing.get(input.qualifiedName);
      const parentId = resolveParent(problems, `input[${index}]`, input, before, { inBatch, existing, ids });
      if (parentId === undefined) return;
      const next = merged(input, before, ids.get(input.qualifiedName)!, parentId, at);
      if (before && versioned(before) === versioned(next)) {
        results.push({ asset: before, status: 'UNCHANGED' });
        return;
      }
      if (before) Object.assign(next, { version: before.version + 1, updatedAt: at });
      const change = before ? 'UPDATED' : 'CREATED';
      changed.push(next);
      results.push({ asset: next, status: change });
      history.push({
        id: randomUUID(),
        assetId: next.id,
        qualifiedName: next.qualifiedName,
        change,
        actor: actor.subject,
        at,
        version: next.version,
        before: before ? snapshot(before) : null,
        after: snapshot(next),
      });
      events.push({
        type: 'asset.changed',
        eventId: randomUUID(),
        tenant: actor.tenant,
        at,
        actor: actor.subject,
        change,
        asset: next,
        version: next.version,
      });
    });
    problems.throwIfAny('Invalid assets');
    await assertNoContainmentCycles(tx, changed, existing.values());
    await tx.writeAssets(changed);
    await tx.appendHistory(history);
    await tx.appendEvents(events);
    return { results };
  },
};

interface Names {
  inBatch: Map<string, AssetInput>;
  existing: Map<string, AssetRecord>;
  ids: Map<string, string>;
}

/** The asset's parent id after the upsert (null: none), or undefined when the input's parent is refused. */
function resolveParent(
  problems: Problems,
  path: string,
  input: AssetInput,
  before: AssetRecord | undefined,
  names: Names,
): string | null | undefined {
  const kind = input.kind as AssetKind;
  if (before && before.kind !== kind && !refines(before.kind, kind)) {
    throw new DomainError(
      'CONFLICT',
      `${path}.kind: ${input.qualifiedName} exists as ${before.kind}; delete it first to change its kind to ${kind}`,
    );
  }
  if (input.parentQualifiedName === null) return null;
  if (input.parentQualifiedName === undefined) return before?.parentId ?? null;
  const parentKind = names.inBatch.get(input.parentQualifiedName)?.kind ?? names.existing.get(input.parentQualifiedName)?.kind;
  if (parentKind === undefined) {
    problems.add(`${path}.parentQualifiedName`, `parent ${input.parentQualifiedName} does not exist`);
    return undefined;
  }
  const allowed = allowedParentKinds(kind);
  if (!allowed.includes(parentKind as AssetKind)) {
    problems.add(
      `${path}.parentQualifiedName`,
      `a ${kind} cannot be contained in a ${parentKind}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it has no container)'}`,
    );
    return undefined;
  }
  return names.ids.get(input.parentQualifiedName) ?? names.existing.get(input.parentQualifiedName)!.id;
}

/**
 * A DATASET is what a source that knows only "a dataset" (OpenLineage) names: a source that knows
 * better (a warehouse crawler, dbt) may make it the TABLE, VIEW or TOPIC it is. Any other change of
 * kind needs a delete first.
 */
const refines = (from: AssetKind, to: AssetKind): boolean => from === 'DATASET' && (to === 'TABLE' || to === 'VIEW' || to === 'TOPIC');

/**
 * Whether upserting `input` over the existing `before` would change it (and bump its version):
 * what a connector asks before it emits, so an unchanged source emits nothing. `parentId` is the
 * input's parent as resolved (undefined when its parent does not exist yet: then it changes).
 */
export function wouldChange(input: AssetInput, before: AssetRecord, parentId: string | null | undefined): boolean {
  if (input.kind !== before.kind) return true;
  const resolved = input.parentQualifiedName === undefined ? before.parentId : input.parentQualifiedName === null ? null : parentId;
  if (resolved === undefined) return true;
  return versioned(before) !== versioned(merged(input, before, before.id, resolved, before.updatedAt));
}

/** The record the input asks for: what it names replaces, what it leaves out keeps its value. */
function merged(input: AssetInput, before: AssetRecord | undefined, id: string, parentId: string | null, at: string): AssetRecord {
  return {
    id,
    qualifiedName: input.qualifiedName,
    kind: input.kind as AssetKind,
    name: input.name ?? before?.name ?? defaultName(input.qualifiedName),
    description: input.description === undefined ? (before?.description ?? null) : input.description,
    owners: input.owners === undefined || input.owners === null ? (before?.owners ?? []) : [...new Set(input.owners)],
    attributes: input.attributes === undefined || input.attributes === null ? (before?.attributes ?? {}) : (input.attributes as JsonObject),
    parentId,
    version: before ? before.version : 1,
    createdAt: before?.createdAt ?? at,
    updatedAt: before?.updatedAt ?? at,
  };
}

export const deleteAssets: Command<readonly string[], DeleteOutcome> = {
  name: 'deleteAssets',
  permission: 'asset:write',
  validate(qualifiedNames, limits) {
    const problems = new Problems();
    checkBatch(problems, 'qualifiedNames', qualifiedNames.length, limits.maxBatch);
    qualifiedNames.forEach((qn, i) => checkQualifiedName(problems, `qualifiedNames[${i}]`, qn));
    problems.throwIfAny('Invalid delete');
  },
  async apply(context, qualifiedNames) {
    const { tx, actor, at } = context;
    const roots = await tx.assetsByQualifiedNames([...new Set(qualifiedNames)]);
    const found = new Set(roots.map((r) => r.qualifiedName));
    const doomed = [...roots, ...(await tx.assetsByIds(await tx.descendants(roots.map((r) => r.id))))];
    const run = await withdrawClassifications(context, doomed);
    await tx.deleteAssets(doomed.map((a) => a.id));
    const events: AssetChangedEvent[] = doomed.map((a) => ({
      type: 'asset.changed',
      eventId: randomUUID(),
      tenant: actor.tenant,
      at,
      actor: actor.subject,
      change: 'DELETED',
      asset: a,
      version: a.version,
    }));
    await tx.appendHistory(
      doomed.map((a) => ({
        id: randomUUID(),
        assetId: a.id,
        qualifiedName: a.qualifiedName,
        change: 'DELETED',
        actor: actor.subject,
        at,
        version: a.version,
        before: snapshot(a),
        after: null,
      })),
    );
    await tx.appendEvents([...(await run.events()), ...events]);
    return { deleted: doomed.map((a) => a.qualifiedName), notFound: qualifiedNames.filter((qn) => !found.has(qn)) };
  },
};

/**
 * Before assets go: units sourced at them lose all their rows; units from elsewhere that reached
 * them are recomputed once their edges are gone.
 */
async function withdrawClassifications({ tx, actor, at, limits }: CommandContext, doomed: readonly AssetRecord[]): Promise<PropagationRun> {
  const doomedIds = doomed.map((a) => a.id);
  const doomedSet = new Set(doomedIds);
  const run = new PropagationRun(tx, actor.tenant, actor.subject, at, limits.maxSyncPropagation);
  run.remember(doomed);
  const states = await tx.classificationStates(doomedIds);
  const reaching = (await tx.propagationKeysAt(doomedIds, 'any')).filter((k) => !doomedSet.has(k.sourceId));
  for (const [assetId, state] of states) {
    for (const d of state.direct) {
      await tx.removeDirect(assetId, d.classification);
      run.direct(assetId, d.classification, 'REMOVED');
    }
  }
  await run.recompute(
    [...states].flatMap(([assetId, s]) => s.direct.map((d) => ({ sourceId: assetId, classification: d.classification }))),
  );
  await tx.removeEdges(await tx.edgesTouching(doomedIds));
  await run.recompute(reaching);
  return run;
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
    if (
      checkQualifiedName(problems, `${path}.parentQualifiedName`, input.parentQualifiedName) &&
      input.parentQualifiedName === input.qualifiedName
    ) {
      problems.add(`${path}.parentQualifiedName`, 'an asset cannot contain itself');
    }
  }
}

/**
 * Kinds that may nest in themselves (columns in columns, pipelines in pipelines) must not loop.
 * Each changed asset walks up its parents while they are of its own kind. The records the batch
 * already holds (`known`: what it changes, what it read by name) answer most steps; the parents
 * no one holds yet are read together, one statement per level of the walk, not one per asset.
 */
async function assertNoContainmentCycles(tx: GraphTx, changed: readonly AssetRecord[], known: Iterable<AssetRecord>): Promise<void> {
  const records = new Map<string, AssetRecord | null>();
  for (const a of known) records.set(a.id, a);
  for (const a of changed) records.set(a.id, a);
  let walks = changed.map((asset) => ({ asset, parentId: asset.parentId, depth: 0 }));
  while (walks.length > 0) {
    const missing = [...new Set(walks.flatMap((w) => (w.parentId !== null && !records.has(w.parentId) ? [w.parentId] : [])))];
    for (const id of missing) records.set(id, null);
    if (missing.length > 0) for (const a of await tx.assetsByIds(missing)) records.set(a.id, a);
    const next: typeof walks = [];
    for (const walk of walks) {
      const { asset } = walk;
      while (walk.parentId !== null) {
        if (walk.parentId === asset.id || walk.depth > MAX_CONTAINMENT_DEPTH) {
          throw new DomainError(
            'BAD_USER_INPUT',
            `${asset.qualifiedName}: containment would form a cycle or nest deeper than ${MAX_CONTAINMENT_DEPTH} levels`,
          );
        }
        if (!records.has(walk.parentId)) {
          next.push(walk);
          break;
        }
        const parent = records.get(walk.parentId);
        if (!parent || parent.kind !== asset.kind) break;
        walk.parentId = parent.parentId;
        walk.depth++;
      }
    }
    walks = next;
  }
}
