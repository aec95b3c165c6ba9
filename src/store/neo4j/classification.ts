import type { AssetClassificationState, AssetRecord, ClassificationTypeRecord } from '../../domain/model.js';
import type { ClassificationReader, ClassificationWriter, PropagationChange, PropagationKey, PropagationPatch } from '../ports/index.js';
import { patchedState, replacement } from '../propagation-patch.js';
import { ASSET, type StateRows, classificationState, toAsset, toClassificationState } from './rows.js';
import type { Cx } from './session.js';
import { SEEK_ID } from './seek.js';

type ClassificationOps = ClassificationReader & ClassificationWriter;

type Row = Record<string, unknown>;

export function classificationOps(cx: Cx): ClassificationOps {
  const t = cx.tenant;
  return {
    async classificationTypes(names) {
      const rows = await cx.run<{ c: Row }>(
        `MATCH (c:ClassificationType {tenant: $t}) WHERE $names IS NULL OR c.name IN $names
        RETURN c { .name, .description, .propagateByDefault, .maskable, .createdAt } AS c ORDER BY c.name`,
        { t, names: names ? [...names] : null },
      );
      return rows.map(({ c }): ClassificationTypeRecord => ({
        name: c.name as string,
        description: (c.description as string | undefined) ?? null,
        propagateByDefault: c.propagateByDefault as boolean,
        maskable: c.maskable === true,
        createdAt: c.createdAt as string,
      }));
    },
    async classificationCounts() {
      const counts = new Map<string, { direct: number; propagated: number }>();
      const get = (name: string) => counts.get(name) ?? counts.set(name, { direct: 0, propagated: 0 }).get(name)!;
      for (const r of await cx.run<{ c: string; n: number }>('MATCH (d:Direct {tenant: $t}) RETURN d.classification AS c, count(*) AS n', {
        t,
      }))
        get(r.c).direct = r.n;
      for (const r of await cx.run<{ c: string; n: number }>(
        'MATCH (p:Propagation {tenant: $t}) WHERE p.blocked = false RETURN p.classification AS c, count(DISTINCT p.assetId) AS n',
        { t },
      )) {
        get(r.c).propagated = r.n;
      }
      return counts;
    },
    async classificationStates(assetIds) {
      const states = new Map<string, AssetClassificationState>();
      if (assetIds.length === 0) return states;
      // One statement for the three kinds: each batch of the classifications loader is one round
      // trip here, not three in a row.
      const rows = await cx.run<StateRows & { id: string }>(`UNWIND $ids AS id WITH DISTINCT id RETURN id, ${classificationState('id')}`, {
        t,
        ids: [...assetIds],
      });
      for (const row of rows) {
        if (row.direct.length > 0 || row.propagated.length > 0 || row.blocks.length > 0)
          states.set(row.id, toClassificationState(row.id, row));
      }
      return states;
    },
    async putClassificationType(r) {
      await cx.run(
        `MERGE (c:ClassificationType {tenant: $t, name: $name})
        ON CREATE SET c.createdAt = $createdAt
        SET c.description = $description, c.propagateByDefault = $propagateByDefault, c.maskable = $maskable`,
        { t, ...r },
      );
    },
    async setDirect(a) {
      await cx.run(
        `MERGE (d:Direct {tenant: $t, assetId: $assetId, classification: $classification})
        ON CREATE SET d.addedAt = $addedAt
        SET d.propagate = $propagate, d.addedBy = $addedBy`,
        { t, ...a },
      );
    },
    async removeDirect(assetId, classification) {
      const [row] = await cx.run<{ n: number }>(
        'MATCH (d:Direct {tenant: $t, assetId: $assetId, classification: $classification}) DELETE d RETURN count(*) AS n',
        { t, assetId, classification },
      );
      return (row?.n ?? 0) > 0;
    },
    async setBlock(b) {
      const [row] = await cx.run<{ n: number }>(
        'MATCH (k:Block {tenant: $t, assetId: $assetId, classification: $classification}) RETURN count(k) AS n',
        { t, ...b },
      );
      if ((row?.n ?? 0) > 0) return false;
      await cx.run(
        'CREATE (:Block {tenant: $t, assetId: $assetId, classification: $classification, addedAt: $addedAt, addedBy: $addedBy})',
        { t, ...b },
      );
      return true;
    },
    async removeBlock(assetId, classification) {
      const [row] = await cx.run<{ n: number }>(
        'MATCH (b:Block {tenant: $t, assetId: $assetId, classification: $classification}) DELETE b RETURN count(*) AS n',
        { t, assetId, classification },
      );
      return (row?.n ?? 0) > 0;
    },
    async propagationKeysAt(assetIds, which, classification) {
      if (assetIds.length === 0) return [];
      const rows = await cx.run<{ sourceId: string; classification: string }>(
        `UNWIND $ids AS id MATCH (p:Propagation {tenant: $t, assetId: id}) USING INDEX SEEK p:Propagation(tenant, assetId)
        WHERE ($blocked IS NULL OR p.blocked = $blocked) AND ($c IS NULL OR p.classification = $c)
        RETURN DISTINCT p.sourceId AS sourceId, p.classification AS classification`,
        { t, ids: [...assetIds], blocked: which === 'any' ? null : which === 'blocked', c: classification ?? null },
      );
      return rows;
    },
    async propagatingDirectAt(assetIds) {
      if (assetIds.length === 0) return [];
      return cx.run<PropagationKey & Row>(
        `UNWIND $ids AS id MATCH (d:Direct {tenant: $t, assetId: id}) USING INDEX SEEK d:Direct(tenant, assetId) WHERE d.propagate
        RETURN d.assetId AS sourceId, d.classification AS classification`,
        { t, ids: [...assetIds] },
      );
    },
    async reach({ sourceId, classification }, limit) {
      // Breadth-first, one query per level, with a visited set: never enumerates paths, so
      // diamonds and cycles cost what their nodes cost. Blocked assets are kept, not expanded.
      // For a maskable classification, an asset that a level reaches only over masking edges is
      // marked blocked and not expanded; a later level that reaches it unmasked opens it (once).
      const [type] = await cx.run<{ maskable: boolean | null }>(
        'MATCH (c:ClassificationType {tenant: $t, name: $c}) RETURN c.maskable AS maskable',
        { t, c: classification },
      );
      const seen = new Map<string, boolean>();
      let frontier = [sourceId];
      while (frontier.length > 0 && (limit === undefined || seen.size <= limit)) {
        // With a limit, a level returns no more rows than could still be new (seen ones and the source come back too).
        const rows = await cx.run<{ id: string; blocked: boolean; masked: boolean }>(
          `UNWIND $frontier AS fid
          MATCH (a:Asset {tenant: $t, id: fid})-[r:FLOWS_TO]->(b:Asset) ${SEEK_ID('a')}
          WITH b, min(CASE WHEN r.masking = true THEN 1 ELSE 0 END) = 1 AS masking ${limit === undefined ? '' : 'LIMIT $cap'}
          RETURN b.id AS id, $maskable AND masking AS masked,
            EXISTS { MATCH (k:Block {tenant: $t, assetId: b.id, classification: $c}) USING INDEX SEEK k:Block(tenant, assetId, classification) } AS blocked`,
          { t, frontier, c: classification, maskable: type?.maskable === true, cap: limit === undefined ? null : limit + 2 + seen.size },
        );
        frontier = [];
        for (const r of rows) {
          if (r.id === sourceId || seen.get(r.id) === false) continue;
          const open = !r.masked && !r.blocked;
          if (seen.has(r.id) && !open) continue;
          seen.set(r.id, !open);
          if (open) frontier.push(r.id);
        }
      }
      const reached = [...seen].map(([assetId, blocked]) => ({ assetId, blocked }));
      return limit === undefined ? reached : reached.slice(0, limit + 1);
    },
    async propagationRows(key) {
      return [...(await unitRows(key))].map(([assetId, blocked]) => ({ assetId, blocked }));
    },
    async replacePropagation(key, rows, actor, at, maxChanges) {
      await lock(key.classification);
      // The sizes alone may show the change is too large, without reading a large unit's rows.
      if (maxChanges !== undefined && Math.abs((await unitSize(key)) - rows.length) > maxChanges) return null;
      const existing = await unitRows(key);
      const patch = replacement(existing, rows);
      if (maxChanges !== undefined && patch.length > maxChanges) return null;
      return applyPatch(key, existing, patch, actor, at);
    },
    async patchPropagation(key, patch, actor, at) {
      await lock(key.classification);
      // One read before any write: the records and classification states of the assets and of
      // the source. The unit's rows, whether another source holds an asset, and the states the
      // events carry all come from it, the states as the writes leave them (under the lock, the
      // classification's rows stay as read). An index read after a large write in the same
      // transaction first goes through that transaction's own changes: read after the writes,
      // the same states took 1.7 s for a declassify's chunk of 5,000, the check for other sources
      // 0.6 s, and even the source's record alone 0.2 s.
      const rows = await cx.run<StateRows & { id: string; a: Row | null }>(
        `UNWIND $ids AS id WITH DISTINCT id
        OPTIONAL MATCH (a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')}
        RETURN id, ${ASSET} AS a, ${classificationState('id')}`,
        { t, ids: [...patch.map((p) => p.assetId), key.sourceId] },
      );
      const before = new Map(rows.map((r) => [r.id, { asset: r.a ? toAsset(r.a) : null, state: toClassificationState(r.id, r) }]));
      const existing = new Map<string, boolean>();
      for (const [id, { state }] of before) {
        const row = state.propagated.find((p) => p.classification === key.classification && p.sourceId === key.sourceId);
        if (row) existing.set(id, row.blocked);
      }
      return applyPatch(key, existing, patch, actor, at, before);
    },
  };

  /**
   * Neo4j reads committed data only: two transactions propagating the same classification from
   * different sources would each miss the other's new rows and both report an asset as newly
   * classified. One lock per (tenant, classification), held to commit, orders them; it is taken
   * before the unit's rows are read, so the rows read are the rows written over.
   */
  async function lock(classification: string): Promise<void> {
    await cx.run('MERGE (l:PropagationLock {tenant: $t, classification: $c}) SET l.at = timestamp()', { t, c: classification });
  }

  async function unitSize({ sourceId, classification }: PropagationKey): Promise<number> {
    const [row] = await cx.run<{ n: number }>('MATCH (p:Propagation {tenant: $t, classification: $c, sourceId: $s}) RETURN count(p) AS n', {
      t,
      s: sourceId,
      c: classification,
    });
    return row?.n ?? 0;
  }

  async function unitRows({ sourceId, classification }: PropagationKey): Promise<Map<string, boolean>> {
    return new Map(
      (
        await cx.run<{ assetId: string; blocked: boolean }>(
          'MATCH (p:Propagation {tenant: $t, classification: $c, sourceId: $s}) RETURN p.assetId AS assetId, p.blocked AS blocked',
          { t, s: sourceId, c: classification },
        )
      ).map((r) => [r.assetId, r.blocked]),
    );
  }

  /**
   * Writes the patch over the rows it names (`existing`: their current state) and reports what
   * came or went in effect. With `before` (the assets' and the source's records and states, read
   * before any write) the check for other sources is answered from it and the report carries the
   * states as the writes leave them (`after`); without it, the check is a read after the writes.
   */
  async function applyPatch(
    key: PropagationKey,
    existing: ReadonlyMap<string, boolean>,
    patch: readonly PropagationPatch[],
    actor: string,
    at: string,
    before?: ReadonlyMap<string, { asset: AssetRecord | null; state: AssetClassificationState }>,
  ): Promise<PropagationChange> {
    const { sourceId, classification } = key;
    const unit = { t, s: sourceId, c: classification };
    const changed = patch.filter((p) => existing.get(p.assetId) !== (p.blocked ?? undefined));
    const removed = changed.filter((p) => p.blocked === null).map((p) => p.assetId);
    const upserts = changed.filter((p) => p.blocked !== null);
    // One batched write per kind of change, however many assets the unit reaches, each finding
    // the unit's rows by an IN list on their own unique index. Every index hint in this store is
    // `USING INDEX SEEK`: a plan made while a label is still empty (a young database) and kept in
    // the plan cache may honour a plain `USING INDEX` with a scan of the whole index for every row
    // of an UNWIND. On a fresh database a classify reaching 10,000 assets took ~30 s longer in
    // about half the benchmark's runs (its second chunk read 5,000 assets, each by scanning the
    // index); in a reproduction, 5,000 lookups took 50 s scanning against 0.25 s seeking.
    if (removed.length) {
      await cx.run(
        `MATCH (p:Propagation {tenant: $t, classification: $c, sourceId: $s}) USING INDEX SEEK p:Propagation(tenant, classification, sourceId, assetId)
        WHERE p.assetId IN $ids DELETE p`,
        { ...unit, ids: removed },
      );
    }
    // Under the unit's lock the rows read are the rows there: new ones are created outright (no
    // MERGE lookup per row), the others matched on their own index.
    const created = upserts.filter((p) => !existing.has(p.assetId));
    const updated = upserts.filter((p) => existing.has(p.assetId));
    if (created.length) {
      await cx.run(
        `UNWIND $rows AS r
        CREATE (:Propagation {tenant: $t, classification: $c, sourceId: $s, assetId: r.assetId, blocked: r.blocked, addedAt: $at, addedBy: $actor})`,
        { ...unit, rows: created, at, actor },
      );
    }
    if (updated.length) {
      await cx.run(
        `MATCH (p:Propagation {tenant: $t, classification: $c, sourceId: $s}) USING INDEX SEEK p:Propagation(tenant, classification, sourceId, assetId)
        WHERE p.assetId IN $ids SET p.blocked = $blocked[p.assetId], p.addedAt = $at, p.addedBy = $actor`,
        { ...unit, ids: updated.map((p) => p.assetId), blocked: Object.fromEntries(updated.map((p) => [p.assetId, p.blocked])), at, actor },
      );
    }
    // Assets whose in-effect state from this source flipped: it is an event only if no other source holds them.
    const flipped = changed
      .filter((p) => (existing.get(p.assetId) === false) !== (p.blocked === false))
      .map((p) => ({ id: p.assetId, appeared: p.blocked === false }));
    if (flipped.length === 0) return { appeared: [], disappeared: [] };
    const held = before
      ? new Set(
          flipped
            .filter((f) =>
              before.get(f.id)?.state.propagated.some((p) => p.classification === classification && p.sourceId !== sourceId && !p.blocked),
            )
            .map((f) => f.id),
        )
      : new Set(
          (
            await cx.run<{ id: string }>(
              `UNWIND $ids AS id
          MATCH (p:Propagation {tenant: $t, assetId: id, classification: $c}) USING INDEX SEEK p:Propagation(tenant, assetId)
          WHERE p.blocked = false AND p.sourceId <> $s
          RETURN DISTINCT id`,
              { ...unit, ids: flipped.map((f) => f.id) },
            )
          ).map((r) => r.id),
        );
    const loose = flipped.filter((f) => !held.has(f.id));
    const appeared = loose.filter((f) => f.appeared).map((f) => f.id);
    const disappeared = loose.filter((f) => !f.appeared).map((f) => f.id);
    if (!before) return { appeared, disappeared };
    const wanted = new Map(changed.map((p) => [p.assetId, p]));
    const after = loose.flatMap(({ id }) => {
      const read = before.get(id);
      return read?.asset ? [{ asset: read.asset, classifications: patchedState(read.state, key, wanted.get(id)!, actor, at) }] : [];
    });
    // The source is not in its own unit: the patch leaves its state as read.
    const source = before.get(sourceId);
    if (source?.asset && !wanted.has(sourceId)) after.push({ asset: source.asset, classifications: source.state });
    return { appeared, disappeared, after };
  }
}
