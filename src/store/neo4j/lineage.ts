import type { EdgeRecord } from '../../domain/model.js';
import type { EdgeDirection, LineageReader, LineageWriter } from '../ports/index.js';
import { breadthFirst } from '../traversal.js';
import type { Cx } from './session.js';

interface EdgeRow {
  fromId: string;
  toId: string;
  processId: string;
  masking: boolean | null;
}

// Edges written before masking existed have no `masking` property: read as false.
const toEdge = (r: EdgeRow): EdgeRecord => ({
  fromId: r.fromId,
  toId: r.toId,
  processId: r.processId === '' ? null : r.processId,
  masking: r.masking === true,
});
const key = (e: EdgeRecord) => `${e.fromId}\u0000${e.toId}\u0000${e.processId ?? ''}`;

type LineageOps = LineageReader & LineageWriter;

export function lineageOps(cx: Cx): LineageOps {
  const t = cx.tenant;
  const edgesOf = async (ids: readonly string[], direction: EdgeDirection, limit?: number): Promise<EdgeRecord[]> => {
    if (ids.length === 0 || limit === 0) return [];
    const pattern =
      direction === 'DOWNSTREAM'
        ? '(a:Asset {tenant: $t, id: id})-[r:FLOWS_TO]->(b:Asset) RETURN a.id AS fromId, b.id AS toId'
        : '(a:Asset {tenant: $t, id: id})<-[r:FLOWS_TO]-(b:Asset) RETURN b.id AS fromId, a.id AS toId';
    const rows = await cx.run<EdgeRow>(
      `UNWIND $ids AS id MATCH ${pattern}, r.processId AS processId, r.masking AS masking ORDER BY fromId, toId, processId${limit === undefined ? '' : ' LIMIT $limit'}`,
      { t, ids: [...ids], ...(limit === undefined ? {} : { limit }) },
    );
    return rows.map(toEdge);
  };
  return {
    edgesOf,
    async neighbourCounts(ids, direction) {
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      if (ids.length === 0) return counts;
      const arrow = direction === 'DOWNSTREAM' ? '-[:FLOWS_TO]->' : '<-[:FLOWS_TO]-';
      const rows = await cx.run<{ id: string; n: number }>(
        `UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id})${arrow}(b:Asset) RETURN id, count(DISTINCT b) AS n`,
        { t, ids: [...new Set(ids)] },
      );
      for (const r of rows) counts.set(r.id, r.n);
      return counts;
    },
    traverse: (rootId, direction, maxDepth, bounds) => breadthFirst(edgesOf, rootId, direction, maxDepth, bounds),
    async addEdges(edges, actor, at) {
      const unique = [
        ...new Map(
          edges.map((e) => [key(e), { fromId: e.fromId, toId: e.toId, processId: e.processId ?? '', masking: e.masking }]),
        ).values(),
      ];
      if (unique.length === 0) return [];
      // A new edge, or one whose masking flag differs: either changes what propagates over it.
      const changed = await cx.run<EdgeRow>(
        `UNWIND $edges AS e
        MATCH (a:Asset {tenant: $t, id: e.fromId})-[x:FLOWS_TO]->(b:Asset {tenant: $t, id: e.toId})
        WHERE x.processId = e.processId AND coalesce(x.masking, false) <> e.masking
        SET x.masking = e.masking
        RETURN e.fromId AS fromId, e.toId AS toId, e.processId AS processId, e.masking AS masking`,
        { t, edges: unique },
      );
      const created = await cx.run<EdgeRow>(
        `UNWIND $edges AS e
        MATCH (a:Asset {tenant: $t, id: e.fromId}), (b:Asset {tenant: $t, id: e.toId})
        WHERE NOT EXISTS { MATCH (a)-[x:FLOWS_TO]->(b) WHERE x.processId = e.processId }
        CREATE (a)-[:FLOWS_TO {processId: e.processId, masking: e.masking, createdAt: $at, createdBy: $actor}]->(b)
        RETURN e.fromId AS fromId, e.toId AS toId, e.processId AS processId, e.masking AS masking`,
        { t, edges: unique, at, actor },
      );
      return [...changed, ...created].map(toEdge);
    },
    async maskingEdgeStarts() {
      const rows = await cx.run<{ id: string }>(
        'MATCH (a:Asset {tenant: $t})-[r:FLOWS_TO]->(:Asset) WHERE r.masking = true RETURN DISTINCT a.id AS id',
        { t },
      );
      return rows.map((r) => r.id);
    },
    async removeEdges(edges) {
      if (edges.length === 0) return [];
      const rows = await cx.run<EdgeRow>(
        `UNWIND $edges AS e
        MATCH (a:Asset {tenant: $t, id: e.fromId})-[r:FLOWS_TO]->(b:Asset {tenant: $t, id: e.toId})
        WHERE e.processId IS NULL OR r.processId = e.processId
        WITH a, b, r, r.processId AS processId, r.masking AS masking
        DELETE r
        RETURN a.id AS fromId, b.id AS toId, processId, masking`,
        { t, edges: edges.map((e) => ({ fromId: e.fromId, toId: e.toId, processId: e.processId })) },
      );
      return rows.map(toEdge);
    },
    async edgesTouching(ids) {
      if (ids.length === 0) return [];
      const [down, up] = [await edgesOf(ids, 'DOWNSTREAM'), await edgesOf(ids, 'UPSTREAM')];
      const through = (
        await cx.run<EdgeRow>(
          `MATCH (a:Asset {tenant: $t})-[r:FLOWS_TO]->(b:Asset) WHERE r.processId IN $ids
        RETURN a.id AS fromId, b.id AS toId, r.processId AS processId, r.masking AS masking`,
          { t, ids: [...ids] },
        )
      ).map(toEdge);
      return [...new Map([...down, ...up, ...through].map((e) => [key(e), e])).values()];
    },
  };
}
