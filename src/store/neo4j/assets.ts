import type { AssetRecord, HistoryChange, HistoryRecord } from '../../domain/model.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import type { AssetQuery, AssetReader, AssetWriter } from '../ports/index.js';
import { ASSET, type StateRows, classificationState, projectAsset, toAsset, toClassificationState } from './rows.js';
import { type Cx, json, parse } from './session.js';
import { SEEK_ID, SEEK_NAME } from './seek.js';

interface AssetRow {
  a: Record<string, unknown>;
}

export const toAssets = (rows: AssetRow[]): AssetRecord[] => rows.map((r) => toAsset(r.a));

/** WHERE clause of an asset filter on node `a`, with its parameters. */
export function assetWhere(query: AssetQuery): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.kinds?.length) {
    clauses.push('a.kind IN $kinds');
    params.kinds = query.kinds;
  }
  if (query.qualifiedNamePrefix !== undefined) {
    clauses.push('a.qualifiedName STARTS WITH $prefix');
    params.prefix = query.qualifiedNamePrefix;
  }
  if (query.parentId !== undefined) {
    clauses.push('a.parentId = $parentId');
    params.parentId = query.parentId;
  }
  if (query.owner !== undefined) {
    clauses.push('$owner IN a.owners');
    params.owner = query.owner;
  }
  if (query.classification !== undefined) {
    clauses.push(`(EXISTS { MATCH (d:Direct {tenant: $t, assetId: a.id, classification: $classification}) }
      OR EXISTS { MATCH (p:Propagation {tenant: $t, assetId: a.id, classification: $classification}) WHERE p.blocked = false })`);
    params.classification = query.classification;
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

type AssetOps = AssetReader & AssetWriter;

export function assetOps(cx: Cx): AssetOps {
  const t = cx.tenant;
  return {
    async assetsByIds(ids) {
      if (ids.length === 0) return [];
      return toAssets(
        await cx.run<AssetRow>(`UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')} RETURN DISTINCT ${ASSET} AS a`, {
          t,
          ids: [...ids],
        }),
      );
    },
    async assetView(ref) {
      // The asset, its parent and its classification state in one auto-commit statement.
      const match =
        'id' in ref
          ? `MATCH (a:Asset {tenant: $t, id: $key}) ${SEEK_ID('a')}`
          : `MATCH (a:Asset {tenant: $t, qualifiedName: $key}) ${SEEK_NAME('a')}`;
      const [row] = await cx.run<AssetRow & StateRows & { p: Record<string, unknown> | null }>(
        `${match}
        OPTIONAL MATCH (p:Asset {tenant: $t, id: a.parentId}) ${SEEK_ID('p')}
        RETURN ${ASSET} AS a, ${projectAsset('p')} AS p, ${classificationState('a.id')}`,
        { t, key: 'id' in ref ? ref.id : ref.qualifiedName },
      );
      if (!row) return null;
      const asset = toAsset(row.a);
      return { asset, parent: row.p ? toAsset(row.p) : null, classifications: toClassificationState(asset.id, row) };
    },
    async classifiedAssets(ids) {
      if (ids.length === 0) return [];
      const rows = await cx.run<AssetRow & StateRows>(
        `UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')} WITH DISTINCT a RETURN ${ASSET} AS a, ${classificationState('a.id')}`,
        { t, ids: [...ids] },
      );
      return rows.map((row) => {
        const asset = toAsset(row.a);
        return { asset, classifications: toClassificationState(asset.id, row) };
      });
    },
    async assetsByQualifiedNames(names) {
      if (names.length === 0) return [];
      return toAssets(
        await cx.run<AssetRow>(
          `UNWIND $names AS qn MATCH (a:Asset {tenant: $t, qualifiedName: qn}) ${SEEK_NAME('a')} RETURN DISTINCT ${ASSET} AS a`,
          {
            t,
            names: [...names],
          },
        ),
      );
    },
    async listAssets(query, page) {
      const { where, params } = assetWhere(query);
      const after = decodeCursor(page.after)?.[0];
      // A tenant-wide listing walks the (tenant, qualifiedName) index in its order and stops at the
      // page: ordered by both keys (and with a bound on the name) the planner sees that the index
      // provides the order; ordered by the name alone it sorted every asset of the tenant (91,000
      // rows read for a page of 50 at 100k assets). Children of one parent are few: their
      // (tenant, parentId) seek and a sort stay.
      const walk = query.parentId === undefined;
      const bound = walk || typeof after === 'string' ? `${where ? ' AND' : 'WHERE'} a.qualifiedName > $after` : '';
      const rows = await cx.run<AssetRow>(
        `MATCH (a:Asset {tenant: $t}) ${where}${bound}
        WITH a ORDER BY ${walk ? 'a.tenant, ' : ''}a.qualifiedName LIMIT $limit RETURN ${ASSET} AS a`,
        { ...params, t, after: after ?? '', limit: page.first + 1 },
      );
      return paged(toAssets(rows), page, (a) => encodeCursor([a.qualifiedName]));
    },
    async childNames(parentIds, kinds) {
      const names = new Map<string, string[]>();
      if (parentIds.length === 0) return names;
      const rows = await cx.run<{ p: string; n: string }>(
        `UNWIND $ids AS pid MATCH (c:Asset {tenant: $t, parentId: pid}) USING INDEX SEEK c:Asset(tenant, parentId) WHERE c.kind IN $kinds
        RETURN pid AS p, c.name AS n ORDER BY p, n`,
        { t, ids: [...parentIds], kinds: [...kinds] },
      );
      for (const r of rows) names.set(r.p, [...(names.get(r.p) ?? []), r.n]);
      return names;
    },
    async countAssets(query) {
      const { where, params } = assetWhere(query);
      const [row] = await cx.run<{ n: number }>(`MATCH (a:Asset {tenant: $t}) ${where} RETURN count(a) AS n`, { ...params, t });
      return row?.n ?? 0;
    },
    async history(assetId, page) {
      const after = decodeCursor(page.after);
      const afterClause =
        after?.length === 3 ? 'AND (h.at < $at OR (h.at = $at AND (h.version < $version OR (h.version = $version AND h.id < $id))))' : '';
      const rows = await cx.run<{ h: Record<string, unknown> }>(
        `MATCH (h:History {tenant: $t, assetId: $assetId}) WHERE true ${afterClause}
        RETURN h { .* } AS h ORDER BY h.at DESC, h.version DESC, h.id DESC LIMIT $limit`,
        { t, assetId, at: after?.[0] ?? null, version: after?.[1] ?? null, id: after?.[2] ?? null, limit: page.first + 1 },
      );
      return paged(
        rows.map((r) => toHistory(r.h)),
        page,
        (h) => encodeCursor([h.at, h.version, h.id]),
      );
    },
    async writeAssets(records) {
      if (records.length === 0) return;
      const rows = records.map((r) => ({ ...r, attributes: json(r.attributes) }));
      await cx.run(
        `UNWIND $rows AS r
        MERGE (a:Asset {tenant: $t, id: r.id})
        SET a.qualifiedName = r.qualifiedName, a.kind = r.kind, a.name = r.name, a.description = r.description, a.owners = r.owners,
            a.attributes = r.attributes, a.parentId = r.parentId, a.version = r.version, a.createdAt = r.createdAt, a.updatedAt = r.updatedAt`,
        { t, rows },
      );
      // Containment as relationships too, once every node of the batch exists.
      await cx.run(
        `UNWIND $rows AS r
        MATCH (a:Asset {tenant: $t, id: r.id}) ${SEEK_ID('a')}
        OPTIONAL MATCH (old:Asset)-[c:CONTAINS]->(a) WHERE old.id <> coalesce(r.parentId, '')
        DELETE c
        WITH DISTINCT a, r WHERE r.parentId IS NOT NULL
        MATCH (p:Asset {tenant: $t, id: r.parentId}) ${SEEK_ID('p')}
        MERGE (p)-[:CONTAINS]->(a)`,
        { t, rows: records.map((r) => ({ id: r.id, parentId: r.parentId })) },
      );
    },
    async deleteAssets(ids) {
      if (ids.length === 0) return;
      const p = { t, ids: [...ids] };
      await cx.run(`MATCH (:Asset {tenant: $t})-[r:FLOWS_TO]->() WHERE r.processId IN $ids DELETE r`, p);
      await cx.run(`UNWIND $ids AS id MATCH (n:Direct {tenant: $t, assetId: id}) USING INDEX SEEK n:Direct(tenant, assetId) DELETE n`, p);
      await cx.run(`UNWIND $ids AS id MATCH (n:Block {tenant: $t, assetId: id}) USING INDEX SEEK n:Block(tenant, assetId) DELETE n`, p);
      await cx.run(
        `UNWIND $ids AS id MATCH (n:Propagation {tenant: $t, assetId: id}) USING INDEX SEEK n:Propagation(tenant, assetId) DELETE n`,
        p,
      );
      // DETACH removes lineage, containment and incident links with the node.
      await cx.run(`UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')} DETACH DELETE a`, p);
    },
    async descendants(ids) {
      if (ids.length === 0) return [];
      const rows = await cx.run<{ id: string }>(
        `UNWIND $ids AS id MATCH (a:Asset {tenant: $t, id: id})-[:CONTAINS*1..64]->(d:Asset) ${SEEK_ID('a')} RETURN DISTINCT d.id AS id`,
        { t, ids: [...ids] },
      );
      const roots = new Set(ids);
      return rows.map((r) => r.id).filter((id) => !roots.has(id));
    },
    async appendHistory(entries) {
      if (entries.length === 0) return;
      await cx.run(`UNWIND $rows AS r CREATE (h:History) SET h = r, h.tenant = $t`, {
        t,
        rows: entries.map((e) => ({ ...e, before: json(e.before), after: json(e.after) })),
      });
    },
  };
}

function toHistory(h: Record<string, unknown>): HistoryRecord {
  return {
    id: h.id as string,
    assetId: h.assetId as string,
    qualifiedName: h.qualifiedName as string,
    change: h.change as HistoryChange,
    actor: h.actor as string,
    at: h.at as string,
    version: h.version as number,
    before: parse(h.before),
    after: parse(h.after),
  };
}
