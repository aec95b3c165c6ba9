// Lineage commands: table- and column-level edges, optionally through a process.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../domain/auth.js';
import { Problems } from '../../domain/errors.js';
import type { EdgeInput } from '../../domain/commands.js';
import type { LineageChangedEvent } from '../../domain/events.js';
import type { AssetRecord, EdgeRecord } from '../../domain/model.js';
import { checkBatch, checkQualifiedName } from '../../domain/validation.js';
import type { GraphTx, PropagationKey } from '../../store/ports/index.js';
import type { Command } from './command.js';
import { PropagationRun } from './propagation-run.js';

export interface LineageOutcome {
  edges: EdgeRecord[];
  changed: number;
}

export const addLineage: Command<readonly EdgeInput[], LineageOutcome> = {
  name: 'addLineage',
  permission: 'lineage:write',
  validate: (inputs, limits) => validateEdges(inputs, limits.maxBatch),
  async apply({ tx, actor, at, limits }, inputs) {
    const { edges, assets } = await resolveEdges(tx, inputs);
    // New edges, and existing ones whose masking flag changed (reported again, as ADDED with the new flag).
    const added = await tx.addEdges(edges, actor.subject, at);
    const run = new PropagationRun(tx, actor.tenant, actor.subject, at, limits.maxSyncPropagation);
    await run.recompute(await keysThrough(tx, added));
    await tx.appendEvents([...lineageEvents(actor, at, 'ADDED', added, assets), ...(await run.events())]);
    return { edges, changed: added.length };
  },
};

export const removeLineage: Command<readonly EdgeInput[], LineageOutcome> = {
  name: 'removeLineage',
  permission: 'lineage:write',
  validate: (inputs, limits) => validateEdges(inputs, limits.maxBatch),
  async apply({ tx, actor, at, limits }, inputs) {
    const { edges, assets } = await resolveEdges(tx, inputs);
    // Units that may have flowed over these edges, taken before the edges go.
    const keys = await keysThrough(tx, edges);
    const removed = await tx.removeEdges(edges);
    const run = new PropagationRun(tx, actor.tenant, actor.subject, at, limits.maxSyncPropagation);
    if (removed.length > 0) await run.recompute(keys);
    const processIds = removed.flatMap((e) => (e.processId && !assets.has(e.processId) ? [e.processId] : []));
    for (const p of await tx.assetsByIds(processIds)) assets.set(p.id, p);
    await tx.appendEvents([...lineageEvents(actor, at, 'REMOVED', removed, assets), ...(await run.events())]);
    return { edges: removed, changed: removed.length };
  },
};

function validateEdges(inputs: readonly EdgeInput[], maxBatch: number): void {
  const problems = new Problems();
  if (checkBatch(problems, 'edges', inputs.length, maxBatch)) {
    inputs.forEach((e, i) => {
      checkQualifiedName(problems, `edges[${i}].from`, e.from);
      checkQualifiedName(problems, `edges[${i}].to`, e.to);
      if (e.process !== undefined && e.process !== null) checkQualifiedName(problems, `edges[${i}].process`, e.process);
      if (e.from === e.to) problems.add(`edges[${i}]`, 'an edge needs two different assets');
    });
  }
  problems.throwIfAny('Invalid lineage edges');
}

async function resolveEdges(tx: GraphTx, inputs: readonly EdgeInput[]): Promise<{ edges: EdgeRecord[]; assets: Map<string, AssetRecord> }> {
  const names = new Set(inputs.flatMap((e) => [e.from, e.to, ...(e.process ? [e.process] : [])]));
  const byName = new Map((await tx.assetsByQualifiedNames([...names])).map((a) => [a.qualifiedName, a]));
  const problems = new Problems();
  const edges: EdgeRecord[] = [];
  inputs.forEach((e, i) => {
    const from = byName.get(e.from);
    const to = byName.get(e.to);
    const process = e.process ? byName.get(e.process) : undefined;
    if (!from) problems.add(`edges[${i}].from`, `asset ${e.from} does not exist`);
    if (!to) problems.add(`edges[${i}].to`, `asset ${e.to} does not exist`);
    if (e.process && !process) problems.add(`edges[${i}].process`, `asset ${e.process} does not exist`);
    else if (process && process.kind !== 'PIPELINE')
      problems.add(`edges[${i}].process`, `${e.process} is a ${process.kind}, not a PIPELINE`);
    if (from && to) edges.push({ fromId: from.id, toId: to.id, processId: process?.id ?? null, masking: e.masking === true });
  });
  problems.throwIfAny('Invalid lineage edges');
  return { edges, assets: new Map([...byName.values()].map((a) => [a.id, a])) };
}

/** Propagation units that can flow over edges leaving these assets. */
async function keysThrough(tx: GraphTx, edges: readonly EdgeRecord[]): Promise<PropagationKey[]> {
  const fromIds = [...new Set(edges.map((e) => e.fromId))];
  if (fromIds.length === 0) return [];
  return [...(await tx.propagationKeysAt(fromIds, 'effective')), ...(await tx.propagatingDirectAt(fromIds))];
}

function lineageEvents(
  v: Actor,
  at: string,
  change: 'ADDED' | 'REMOVED',
  edges: readonly EdgeRecord[],
  assets: Map<string, AssetRecord>,
): LineageChangedEvent[] {
  return edges.flatMap((e) => {
    const from = assets.get(e.fromId);
    const to = assets.get(e.toId);
    if (!from || !to) return [];
    return [
      {
        type: 'lineage.changed',
        eventId: randomUUID(),
        tenant: v.tenant,
        at,
        actor: v.subject,
        change,
        from,
        to,
        process: e.processId ? (assets.get(e.processId) ?? null) : null,
        masking: e.masking,
      },
    ];
  });
}
