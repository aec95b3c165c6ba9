import type { AssetRecord, EdgeRecord } from '../../domain/model.js';
import type { AssetReader, EdgeDirection, LineageReader, LineageWriter } from '../ports/index.js';
import { breadthFirst, edgeKey, lineageView, readLineage } from '../traversal.js';
import { projectAsset, toAsset } from './rows.js';
import type { Cx } from './session.js';
import { SEEK_ID, SEEK_NAME } from './seek.js';

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

type LineageOps = LineageReader & LineageWriter;
type EdgesOf = (ids: readonly string[], direction: EdgeDirection, limit?: number) => Promise<EdgeRecord[]>;

/** Deepest traversal read in one statement; deeper ones go level by level. */
const PREFETCH_MAX_DEPTH = 10;
const statements = new Map<string, string>();

/**
 * One statement that finds the root (by id, or by qualified name with its record) and, in each
 * direction, expands level after level without a visited set (each level the distinct far ends
 * of the one before), reading at most `$cap` edges per direction in all, and says whether every
 * level came back whole. With `records`, the nodes' records come too. Unrolled per depth and
 * direction: one cached plan each.
 */
function prefetchStatement(by: 'id' | 'qualifiedName', directions: readonly EdgeDirection[], depth: number, records: boolean): string {
  const cacheKey = `${by}|${directions.join()}|${depth}|${records}`;
  const cached = statements.get(cacheKey);
  if (cached) return cached;
  const lines = [`MATCH (root:Asset {tenant: $t, ${by}: $root}) ${by === 'id' ? SEEK_ID('root') : SEEK_NAME('root')}`];
  const kept = ['root'];
  const returns = records ? [`${projectAsset('root')} AS root`] : [];
  const start = directions.map((_, i) => `[root] AS d${i}f0, true AS d${i}ok0, 0 AS d${i}n0`);
  lines.push(`WITH ${[...kept, ...start].join(', ')}`);
  directions.forEach((direction, i) => {
    const v = (name: string, k: number | '' = '') => `d${i}${name}${k}`;
    const [step, edge] =
      direction === 'DOWNSTREAM'
        ? ['(a)-[r:FLOWS_TO]->(b:Asset)', '[a.id, b.id, r.processId, r.masking]']
        : ['(a)<-[r:FLOWS_TO]-(b:Asset)', '[b.id, a.id, r.processId, r.masking]'];
    const levels: string[] = [];
    const frontiers: string[] = [];
    const others = () => directions.flatMap((_, j) => (j > i ? [`d${j}f0`, `d${j}ok0`, `d${j}n0`] : []));
    for (let k = 0; k <= depth; k++) {
      const [f, ok, n, e, next] = [v('f', k), v('ok', k), v('n', k), v('e', k), v('f', k + 1)];
      lines.push(
        `CALL (${f}, ${ok}) { UNWIND CASE WHEN ${ok} THEN ${f} ELSE [] END AS a MATCH ${step} WITH a, r, b LIMIT $cap RETURN collect(${edge}) AS ${e}, collect(DISTINCT b) AS ${next} }`,
      );
      levels.push(e);
      if (records) frontiers.push(next);
      lines.push(
        `WITH ${[...kept, ...levels, ...frontiers.filter((x) => x !== next), next, ...others()].join(', ')}, ${ok} AND ${n} + size(${e}) < $cap AS ${v('ok', k + 1)}, ${n} + size(${e}) AS ${v('n', k + 1)}`,
      );
    }
    const done = `${v('ok', depth + 1)}`;
    const levelList = `[${levels.join(', ')}] AS ${v('levels')}`;
    // The last frontier lies past the depth: its records are never drawn.
    const drawn = frontiers.slice(0, Math.max(1, frontiers.length - 1));
    const nodeList = records ? `[x IN ${drawn.join(' + ')} | ${projectAsset('x')}] AS ${v('nodes')}` : null;
    lines.push(`WITH ${[...kept, ...others(), `${done} AS ${v('ok')}`, levelList, ...(nodeList ? [nodeList] : [])].join(', ')}`);
    kept.push(v('ok'), v('levels'), ...(records ? [v('nodes')] : []));
    returns.push(v('ok'), v('levels'), ...(records ? [v('nodes')] : []));
  });
  lines.push(`RETURN ${returns.join(', ')}`);
  const statement = lines.join('\n');
  statements.set(cacheKey, statement);
  return statement;
}

type PrefetchedEdge = [string, string, string, boolean | null];

// The order of the store's own one-hop lookup (fromId, toId, processId): ids hold no NUL, so the keys sort alike.
const byKey = (x: EdgeRecord, y: EdgeRecord) => (edgeKey(x) < edgeKey(y) ? -1 : edgeKey(x) > edgeKey(y) ? 1 : 0);

/**
 * A direction's levels, read whole, as the one-hop lookup the breadth-first walk
 * (store/traversal.ts) asks: the walk then runs over memory exactly as over the store. Each
 * level read is a superset of what the walk asks at that depth (its frontier is the part not
 * visited before), and complete, so every answer is the store's.
 */
function fromLevels(levels: readonly PrefetchedEdge[][], direction: EdgeDirection): EdgesOf {
  const near = (e: EdgeRecord) => (direction === 'DOWNSTREAM' ? e.fromId : e.toId);
  const adjacency = new Map<string, Map<string, EdgeRecord>>();
  for (const level of levels)
    for (const [fromId, toId, processId, masking] of level) {
      const e = toEdge({ fromId, toId, processId, masking });
      const edges = adjacency.get(near(e)) ?? new Map<string, EdgeRecord>();
      adjacency.set(near(e), edges.set(edgeKey(e), e));
    }
  return (ids, _direction, limit) => {
    const edges = ids.flatMap((id) => [...(adjacency.get(id)?.values() ?? [])]).sort(byKey);
    return Promise.resolve(limit === undefined ? edges : edges.slice(0, limit));
  };
}

type Prefetched = Record<string, unknown> & { root?: Record<string, unknown> };

async function prefetch(
  cx: Cx,
  by: 'id' | 'qualifiedName',
  root: string,
  directions: readonly EdgeDirection[],
  maxDepth: number,
  cap: number,
  records: boolean,
): Promise<{ row: Prefetched | undefined; lookups: EdgesOf[] | null }> {
  const [row] = await cx.run<Prefetched>(prefetchStatement(by, directions, maxDepth, records), { t: cx.tenant, root, cap });
  const whole = row !== undefined && directions.every((_, i) => row[`d${i}ok`] === true);
  return { row, lookups: whole ? directions.map((d, i) => fromLevels(row[`d${i}levels`] as PrefetchedEdge[][], d)) : null };
}

export function lineageOps(cx: Cx, assets: Pick<AssetReader, 'assetsByQualifiedNames' | 'assetsByIds'>): LineageOps {
  const t = cx.tenant;
  const edgesOf = async (ids: readonly string[], direction: EdgeDirection, limit?: number): Promise<EdgeRecord[]> => {
    if (ids.length === 0 || limit === 0) return [];
    const pattern =
      direction === 'DOWNSTREAM'
        ? `(a:Asset {tenant: $t, id: id})-[r:FLOWS_TO]->(b:Asset) ${SEEK_ID('a')} RETURN a.id AS fromId, b.id AS toId`
        : `(a:Asset {tenant: $t, id: id})<-[r:FLOWS_TO]-(b:Asset) ${SEEK_ID('a')} RETURN b.id AS fromId, a.id AS toId`;
    const rows = await cx.run<EdgeRow>(
      `UNWIND $ids AS id MATCH ${pattern}, r.processId AS processId, r.masking AS masking ORDER BY fromId, toId, processId${limit === undefined ? '' : ' LIMIT $limit'}`,
      { t, ids: [...ids], ...(limit === undefined ? {} : { limit }) },
    );
    return rows.map(toEdge);
  };
  // One statement when every level fits the edge bound (the common case), else level by level.
  const traverse: LineageReader['traverse'] = async (rootId, direction, maxDepth, bounds) => {
    const lookup =
      maxDepth <= PREFETCH_MAX_DEPTH ? (await prefetch(cx, 'id', rootId, [direction], maxDepth, bounds.maxEdges + 1, false)).lookups : null;
    return breadthFirst(lookup?.[0] ?? edgesOf, rootId, direction, maxDepth, bounds);
  };
  return {
    edgesOf,
    async neighbourCounts(ids, direction) {
      const counts = new Map<string, number>(ids.map((id) => [id, 0]));
      if (ids.length === 0) return counts;
      const arrow = direction === 'DOWNSTREAM' ? '-[:FLOWS_TO]->' : '<-[:FLOWS_TO]-';
      const rows = await cx.run<{ id: string; n: number }>(
        `UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id})${arrow}(b:Asset) ${SEEK_ID('a')} RETURN id, count(DISTINCT b) AS n`,
        { t, ids: [...new Set(ids)] },
      );
      for (const r of rows) counts.set(r.id, r.n);
      return counts;
    },
    traverse,
    async lineage(qualifiedName, directions, maxDepth, bounds) {
      if (maxDepth <= PREFETCH_MAX_DEPTH && directions.length > 0) {
        const { row, lookups } = await prefetch(cx, 'qualifiedName', qualifiedName, directions, maxDepth, bounds.maxEdges + 1, true);
        if (!row?.root) return null;
        if (lookups) {
          const root = toAsset(row.root);
          const traversals = await Promise.all(lookups.map((l, i) => breadthFirst(l, root.id, directions[i]!, maxDepth, bounds)));
          const records = new Map<string, AssetRecord>([[root.id, root]]);
          directions.forEach((_, i) => {
            for (const p of row[`d${i}nodes`] as Record<string, unknown>[])
              if (!records.has(p.id as string)) records.set(p.id as string, toAsset(p));
          });
          return lineageView(root, traversals, records);
        }
      }
      return readLineage({ ...assets, traverse }, qualifiedName, directions, maxDepth, bounds);
    },
    async addEdges(edges, actor, at) {
      const unique = [
        ...new Map(
          edges.map((e) => [edgeKey(e), { fromId: e.fromId, toId: e.toId, processId: e.processId ?? '', masking: e.masking }]),
        ).values(),
      ];
      if (unique.length === 0) return [];
      // A new edge, or one whose masking flag differs: either changes what propagates over it.
      const changed = await cx.run<EdgeRow>(
        `UNWIND $edges AS e
        MATCH (a:Asset {tenant: $t, id: e.fromId})-[x:FLOWS_TO]->(b:Asset {tenant: $t, id: e.toId}) ${SEEK_ID('a')} ${SEEK_ID('b')}
        WHERE x.processId = e.processId AND coalesce(x.masking, false) <> e.masking
        SET x.masking = e.masking
        RETURN e.fromId AS fromId, e.toId AS toId, e.processId AS processId, e.masking AS masking`,
        { t, edges: unique },
      );
      const created = await cx.run<EdgeRow>(
        `UNWIND $edges AS e
        MATCH (a:Asset {tenant: $t, id: e.fromId}), (b:Asset {tenant: $t, id: e.toId}) ${SEEK_ID('a')} ${SEEK_ID('b')}
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
        MATCH (a:Asset {tenant: $t, id: e.fromId})-[r:FLOWS_TO]->(b:Asset {tenant: $t, id: e.toId}) ${SEEK_ID('a')} ${SEEK_ID('b')}
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
      return [...new Map([...down, ...up, ...through].map((e) => [edgeKey(e), e])).values()];
    },
  };
}
