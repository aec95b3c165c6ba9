import type {
  AssetClassificationState,
  BlockRecord,
  ClassificationTypeRecord,
  DirectAssignment,
  PropagationRow,
} from '../../domain/model.js';
import type { ClassificationReader, ClassificationWriter, PropagationChange, PropagationKey, PropagationPatch } from '../ports/index.js';
import { replacement } from '../propagation-patch.js';
import { type Conn, driving, list } from './conn.js';

type ClassificationOps = ClassificationReader & ClassificationWriter;

export function classificationOps(c: Conn): ClassificationOps {
  const t = c.tenant;
  return {
    async classificationTypes(names) {
      const rows = (
        names === undefined
          ? c
              .stmt(
                'SELECT name, description, propagate_by_default, maskable, created_at FROM classification_types WHERE tenant = ? ORDER BY name',
              )
              .all(t)
          : c
              .stmt(
                `SELECT name, description, propagate_by_default, maskable, created_at FROM ${driving('@p')} CROSS JOIN classification_types ON tenant = @t AND name = l.v ORDER BY name`,
              )
              .all({ t, p: list(names) })
      ) as { name: string; description: string | null; propagate_by_default: number; maskable: number; created_at: string }[];
      return rows.map((r): ClassificationTypeRecord => ({
        name: r.name,
        description: r.description,
        propagateByDefault: r.propagate_by_default === 1,
        maskable: r.maskable === 1,
        createdAt: r.created_at,
      }));
    },
    async classificationCounts() {
      const counts = new Map<string, { direct: number; propagated: number }>();
      const get = (name: string) => counts.get(name) ?? counts.set(name, { direct: 0, propagated: 0 }).get(name)!;
      for (const r of c
        .stmt('SELECT classification, count(*) AS n FROM direct_assignments WHERE tenant = ? GROUP BY classification')
        .all(t) as { classification: string; n: number }[]) {
        get(r.classification).direct = r.n;
      }
      for (const r of c
        .stmt(
          'SELECT classification, count(DISTINCT asset_id) AS n FROM propagations WHERE tenant = ? AND blocked = 0 GROUP BY classification',
        )
        .all(t) as { classification: string; n: number }[]) {
        get(r.classification).propagated = r.n;
      }
      return counts;
    },
    async classificationStates(assetIds) {
      const states = new Map<string, AssetClassificationState>();
      const state = (id: string) => states.get(id) ?? states.set(id, { direct: [], propagated: [], blocks: [] }).get(id)!;
      if (assetIds.length === 0) return states;
      const p = list(assetIds);
      const direct = c
        .stmt(
          `SELECT asset_id, classification, propagate, added_at, added_by FROM ${driving('@p')}
        CROSS JOIN direct_assignments ON tenant = @t AND asset_id = l.v ORDER BY classification`,
        )
        .all({ t, p }) as DirectRow[];
      for (const r of direct) state(r.asset_id).direct.push(toDirect(r));
      const propagated = c
        .stmt(
          `SELECT asset_id, classification, source_id, blocked, added_at, added_by FROM ${driving('@p')}
        CROSS JOIN propagations INDEXED BY propagations_by_asset ON tenant = @t AND asset_id = l.v ORDER BY classification, added_at, source_id`,
        )
        .all({ t, p }) as PropagationDbRow[];
      for (const r of propagated) state(r.asset_id).propagated.push(toPropagation(r));
      const blocks = c
        .stmt(
          `SELECT asset_id, classification, added_at, added_by FROM ${driving('@p')}
        CROSS JOIN blocks ON tenant = @t AND asset_id = l.v ORDER BY classification`,
        )
        .all({ t, p }) as BlockRow[];
      for (const r of blocks)
        state(r.asset_id).blocks.push({ assetId: r.asset_id, classification: r.classification, addedAt: r.added_at, addedBy: r.added_by });
      return states;
    },
    async putClassificationType(r) {
      c.stmt(
        `INSERT INTO classification_types (tenant, name, description, propagate_by_default, maskable, created_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, name) DO UPDATE SET description = excluded.description, propagate_by_default = excluded.propagate_by_default,
          maskable = excluded.maskable`,
      ).run(t, r.name, r.description, r.propagateByDefault ? 1 : 0, r.maskable ? 1 : 0, r.createdAt);
    },
    async setDirect(a) {
      c.stmt(
        `INSERT INTO direct_assignments (tenant, asset_id, classification, propagate, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, asset_id, classification) DO UPDATE SET propagate = excluded.propagate, added_by = excluded.added_by`,
      ).run(t, a.assetId, a.classification, a.propagate ? 1 : 0, a.addedAt, a.addedBy);
    },
    async removeDirect(assetId, classification) {
      return (
        c.stmt('DELETE FROM direct_assignments WHERE tenant = ? AND asset_id = ? AND classification = ?').run(t, assetId, classification)
          .changes > 0
      );
    },
    async setBlock(b: BlockRecord) {
      return (
        c
          .stmt('INSERT OR IGNORE INTO blocks (tenant, asset_id, classification, added_at, added_by) VALUES (?, ?, ?, ?, ?)')
          .run(t, b.assetId, b.classification, b.addedAt, b.addedBy).changes > 0
      );
    },
    async removeBlock(assetId, classification) {
      return (
        c.stmt('DELETE FROM blocks WHERE tenant = ? AND asset_id = ? AND classification = ?').run(t, assetId, classification).changes > 0
      );
    },
    async propagationKeysAt(assetIds, which, classification) {
      if (assetIds.length === 0) return [];
      const blocked = which === 'effective' ? 0 : which === 'blocked' ? 1 : null;
      const rows = c
        .stmt(
          `SELECT DISTINCT source_id, classification FROM ${driving('@p')} CROSS JOIN propagations ON tenant = @t AND asset_id = l.v
        WHERE (@blocked IS NULL OR blocked = @blocked) AND (@c IS NULL OR classification = @c)`,
        )
        .all({ t, p: list(assetIds), blocked, c: classification ?? null }) as { source_id: string; classification: string }[];
      return rows.map((r): PropagationKey => ({ sourceId: r.source_id, classification: r.classification }));
    },
    async propagatingDirectAt(assetIds) {
      if (assetIds.length === 0) return [];
      const rows = c
        .stmt(
          `SELECT asset_id, classification FROM ${driving('@p')} CROSS JOIN direct_assignments ON tenant = @t AND asset_id = l.v
        WHERE propagate = 1`,
        )
        .all({ t, p: list(assetIds) }) as { asset_id: string; classification: string }[];
      return rows.map((r) => ({ sourceId: r.asset_id, classification: r.classification }));
    },
    async reach({ sourceId, classification }, limit) {
      // UNION (not UNION ALL) keeps each (asset, masked) pair once, so cycles end the recursion.
      // CROSS JOIN pins the loop order (frontier outside, edge index inside); left to itself the
      // planner may scan every edge of the tenant at each step. A blocked asset is reached (and
      // marked) but not expanded: the block stops propagation into it and past it. For a maskable
      // classification, an asset reached over a masking edge is `masked`: marked blocked and not
      // expanded from there, unless another path reaches it unmasked. The LIMIT in the recursive
      // part ends the walk early once the caller knows enough (-1: no limit); an asset is at most
      // two rows, so twice `limit + 2` rows are more than `limit` assets.
      const maskable = c.stmt('SELECT maskable FROM classification_types WHERE tenant = ? AND name = ?').get(t, classification) as
        { maskable: number } | undefined;
      const rows = c
        .stmt(
          `WITH RECURSIVE reach(id, masked) AS (
          SELECT e.to_id, e.masking & @m FROM edges e WHERE e.tenant = @t AND e.from_id = @s
          UNION
          SELECT e.to_id, e.masking & @m FROM reach r CROSS JOIN edges e ON e.tenant = @t AND e.from_id = r.id
          WHERE r.id <> @s AND r.masked = 0
            AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.tenant = @t AND b.asset_id = r.id AND b.classification = @c)
          LIMIT @limit)
        SELECT r.id, r.masked OR EXISTS (SELECT 1 FROM blocks b WHERE b.tenant = @t AND b.asset_id = r.id AND b.classification = @c) AS blocked
        FROM reach r WHERE r.id <> @s`,
        )
        .all({ t, s: sourceId, c: classification, m: maskable?.maskable ?? 0, limit: limit === undefined ? -1 : 2 * (limit + 2) }) as {
        id: string;
        blocked: number;
      }[];
      // In the order first reached (breadth-first); an asset reached both masked and open is open.
      const reached = new Map<string, boolean>();
      for (const r of rows) if (reached.get(r.id) !== false) reached.set(r.id, r.blocked === 1);
      return [...reached].map(([assetId, blocked]) => ({ assetId, blocked })).slice(0, limit === undefined ? undefined : limit + 1);
    },
    async propagationRows(key) {
      return unitRows(key).map(([assetId, blocked]) => ({ assetId, blocked }));
    },
    async replacePropagation(key, rows, actor, at, maxChanges) {
      // The sizes alone may show the change is too large, without reading a large unit's rows.
      if (maxChanges !== undefined) {
        const { n } = c
          .stmt('SELECT count(*) AS n FROM propagations WHERE tenant = ? AND classification = ? AND source_id = ?')
          .get(t, key.classification, key.sourceId) as { n: number };
        if (Math.abs(n - rows.length) > maxChanges) return null;
      }
      const existing = new Map(unitRows(key));
      const patch = replacement(existing, rows);
      if (maxChanges !== undefined && patch.length > maxChanges) return null;
      return applyPatch(key, existing, patch, actor, at);
    },
    async patchPropagation(key, patch, actor, at) {
      const current = c.stmt('SELECT blocked FROM propagations WHERE tenant = ? AND classification = ? AND source_id = ? AND asset_id = ?');
      const existing = new Map<string, boolean>();
      for (const p of patch) {
        const row = current.get(t, key.classification, key.sourceId, p.assetId) as { blocked: number } | undefined;
        if (row) existing.set(p.assetId, row.blocked === 1);
      }
      return applyPatch(key, existing, patch, actor, at);
    },
  };

  function unitRows({ sourceId, classification }: PropagationKey): [string, boolean][] {
    return (
      c
        .stmt('SELECT asset_id, blocked FROM propagations WHERE tenant = ? AND classification = ? AND source_id = ?')
        .all(t, classification, sourceId) as { asset_id: string; blocked: number }[]
    ).map((r) => [r.asset_id, r.blocked === 1]);
  }

  /** Writes the patch over the rows it names (`existing`: their current state) and reports what came or went in effect. */
  function applyPatch(
    { sourceId, classification }: PropagationKey,
    existing: ReadonlyMap<string, boolean>,
    patch: readonly PropagationPatch[],
    actor: string,
    at: string,
  ): PropagationChange {
    const othersInEffect = c.stmt(
      `SELECT 1 FROM propagations WHERE tenant = ? AND asset_id = ? AND classification = ? AND blocked = 0 AND source_id <> ? LIMIT 1`,
    );
    const upsert =
      c.stmt(`INSERT INTO propagations (tenant, classification, source_id, asset_id, blocked, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant, classification, source_id, asset_id) DO UPDATE SET blocked = excluded.blocked, added_at = excluded.added_at, added_by = excluded.added_by`);
    const del = c.stmt('DELETE FROM propagations WHERE tenant = ? AND classification = ? AND source_id = ? AND asset_id = ?');
    const appeared: string[] = [];
    const disappeared: string[] = [];
    for (const { assetId, blocked } of patch) {
      const before = existing.get(assetId);
      if (before === (blocked ?? undefined)) continue;
      if (blocked === null) del.run(t, classification, sourceId, assetId);
      else upsert.run(t, classification, sourceId, assetId, blocked ? 1 : 0, at, actor);
      const wasInEffect = before === false;
      const inEffect = blocked === false;
      if (wasInEffect === inEffect) continue;
      if (othersInEffect.get(t, assetId, classification, sourceId) !== undefined) continue;
      (inEffect ? appeared : disappeared).push(assetId);
    }
    return { appeared, disappeared };
  }
}

interface DirectRow {
  asset_id: string;
  classification: string;
  propagate: number;
  added_at: string;
  added_by: string;
}
interface PropagationDbRow {
  asset_id: string;
  classification: string;
  source_id: string;
  blocked: number;
  added_at: string;
  added_by: string;
}
interface BlockRow {
  asset_id: string;
  classification: string;
  added_at: string;
  added_by: string;
}

const toDirect = (r: DirectRow): DirectAssignment => ({
  assetId: r.asset_id,
  classification: r.classification,
  propagate: r.propagate === 1,
  addedAt: r.added_at,
  addedBy: r.added_by,
});
const toPropagation = (r: PropagationDbRow): PropagationRow => ({
  assetId: r.asset_id,
  classification: r.classification,
  sourceId: r.source_id,
  blocked: r.blocked === 1,
  addedAt: r.added_at,
  addedBy: r.added_by,
});
