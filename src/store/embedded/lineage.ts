import type { EdgeRecord } from '../../domain/model.js';
import type { AssetReader, EdgeDirection, LineageReader, LineageWriter } from '../ports/index.js';
import { breadthFirst, readLineage } from '../traversal.js';
import { type Conn, driving, list } from './conn.js';

interface EdgeRow {
  from_id: string;
  to_id: string;
  process_id: string;
  masking: number;
}

const toEdge = (r: EdgeRow): EdgeRecord => ({
  fromId: r.from_id,
  toId: r.to_id,
  processId: r.process_id === '' ? null : r.process_id,
  masking: r.masking === 1,
});

type LineageOps = LineageReader & LineageWriter;

export function lineageOps(c: Conn, assets: Pick<AssetReader, 'assetsByQualifiedNames' | 'assetsByIds'>): LineageOps {
  const t = c.tenant;
  const edgesOf = (ids: readonly string[], direction: EdgeDirection, limit = -1): EdgeRecord[] => {
    if (ids.length === 0 || limit === 0) return [];
    const column = direction === 'DOWNSTREAM' ? 'from_id' : 'to_id';
    // LIMIT -1 is SQLite's "no limit".
    const rows = c
      .stmt(
        `SELECT from_id, to_id, process_id, masking FROM ${driving('@p')} CROSS JOIN edges ON tenant = @t AND ${column} = l.v
      ORDER BY from_id, to_id, process_id LIMIT @limit`,
      )
      .all({ t, p: list(ids), limit }) as EdgeRow[];
    return rows.map(toEdge);
  };
  const traverse: LineageReader['traverse'] = (rootId, direction, maxDepth, bounds) =>
    breadthFirst(async (ids, d, limit) => edgesOf(ids, d, limit), rootId, direction, maxDepth, bounds);
  return {
    async edgesOf(ids, direction, limit) {
      return edgesOf(ids, direction, limit);
    },
    async neighbourCounts(ids, direction) {
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      if (ids.length === 0) return counts;
      const [end, other] = direction === 'DOWNSTREAM' ? ['from_id', 'to_id'] : ['to_id', 'from_id'];
      const rows = c
        .stmt(
          `SELECT l.v AS id, COUNT(DISTINCT ${other}) AS n FROM ${driving('@p')} CROSS JOIN edges ON tenant = @t AND ${end} = l.v GROUP BY l.v`,
        )
        .all({ t, p: list(ids) }) as { id: string; n: number }[];
      for (const r of rows) counts.set(r.id, r.n);
      return counts;
    },
    traverse,
    lineage: (qualifiedName, directions, maxDepth, bounds) =>
      readLineage({ ...assets, traverse }, qualifiedName, directions, maxDepth, bounds),
    async addEdges(newEdges, actor, at) {
      // A new edge, or one whose masking flag differs: either changes what propagates over it.
      const upsert = c.stmt(
        `INSERT INTO edges (tenant, from_id, to_id, process_id, created_at, created_by, masking) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, from_id, to_id, process_id) DO UPDATE SET masking = excluded.masking WHERE masking <> excluded.masking`,
      );
      return newEdges.filter((e) => upsert.run(t, e.fromId, e.toId, e.processId ?? '', at, actor, e.masking ? 1 : 0).changes > 0);
    },
    async maskingEdgeStarts() {
      return (c.stmt('SELECT DISTINCT from_id FROM edges WHERE tenant = ? AND masking = 1').all(t) as { from_id: string }[]).map(
        (r) => r.from_id,
      );
    },
    async removeEdges(gone) {
      const removed: EdgeRecord[] = [];
      const select = c.stmt(
        'SELECT from_id, to_id, process_id, masking FROM edges WHERE tenant = @t AND from_id = @f AND to_id = @to AND (@p IS NULL OR process_id = @p)',
      );
      const del = c.stmt('DELETE FROM edges WHERE tenant = @t AND from_id = @f AND to_id = @to AND (@p IS NULL OR process_id = @p)');
      for (const e of gone) {
        const params = { t, f: e.fromId, to: e.toId, p: e.processId };
        removed.push(...(select.all(params) as EdgeRow[]).map(toEdge));
        del.run(params);
      }
      return removed;
    },
    async edgesTouching(ids) {
      if (ids.length === 0) return [];
      const rows = c
        .stmt(
          `SELECT from_id, to_id, process_id, masking FROM ${driving('@p')} CROSS JOIN edges ON tenant = @t AND from_id = l.v
        UNION SELECT from_id, to_id, process_id, masking FROM ${driving('@p')} CROSS JOIN edges ON tenant = @t AND to_id = l.v
        UNION SELECT from_id, to_id, process_id, masking FROM ${driving('@p')} CROSS JOIN edges ON tenant = @t AND process_id = l.v`,
        )
        .all({ t, p: list(ids) }) as EdgeRow[];
      return rows.map(toEdge);
    },
  };
}
