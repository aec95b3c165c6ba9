import type { IncidentRecord, IncidentSeverity, IncidentStatus, IncidentType } from '../../domain/model.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import type { IncidentQuery, IncidentReader, IncidentWriter } from '../ports/index.js';
import type { Cx } from './session.js';
import { SEEK_ID, SEEK_INCIDENT } from './seek.js';

const INCIDENT =
  'i { .id, .source, .externalId, .type, .severity, .status, .title, .url, .detectedAt, .updatedAt, assetIds: [(i)-[:AFFECTS]->(x:Asset) | x.id] }';

function toIncident(i: Record<string, unknown>): IncidentRecord {
  return {
    id: i.id as string,
    source: i.source as string,
    externalId: i.externalId as string,
    type: i.type as IncidentType,
    severity: i.severity as IncidentSeverity,
    status: i.status as IncidentStatus,
    title: i.title as string,
    url: (i.url as string | undefined) ?? null,
    detectedAt: i.detectedAt as string,
    updatedAt: i.updatedAt as string,
    assetIds: [...(i.assetIds as string[])].sort(),
  };
}

function incidentWhere(q: IncidentQuery): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.statuses?.length) {
    clauses.push('i.status IN $statuses');
    params.statuses = q.statuses;
  }
  if (q.severities?.length) {
    clauses.push('i.severity IN $severities');
    params.severities = q.severities;
  }
  if (q.types?.length) {
    clauses.push('i.type IN $types');
    params.types = q.types;
  }
  if (q.assetId !== undefined) {
    clauses.push(`EXISTS { MATCH (i)-[:AFFECTS]->(a:Asset {tenant: $t, id: $assetId}) ${SEEK_ID('a')} }`);
    params.assetId = q.assetId;
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

type IncidentOps = IncidentReader & IncidentWriter;

export function incidentOps(cx: Cx): IncidentOps {
  const t = cx.tenant;
  return {
    async incidentsByIds(ids) {
      if (ids.length === 0) return [];
      return (
        await cx.run<{ i: Record<string, unknown> }>(
          `UNWIND $ids AS id MATCH (i:Incident {tenant: $t, id: id}) ${SEEK_INCIDENT('i')} RETURN ${INCIDENT} AS i`,
          {
            t,
            ids: [...ids],
          },
        )
      ).map((r) => toIncident(r.i));
    },
    async incidentByExternalId(source, externalId) {
      const [row] = await cx.run<{ i: Record<string, unknown> }>(
        `MATCH (i:Incident {tenant: $t, source: $source, externalId: $externalId}) RETURN ${INCIDENT} AS i`,
        { t, source, externalId },
      );
      return row ? toIncident(row.i) : null;
    },
    async listIncidents(query, page) {
      const { where, params } = incidentWhere(query);
      const after = decodeCursor(page.after);
      const afterClause =
        after?.length === 2 ? `${where ? ' AND' : 'WHERE'} (i.detectedAt < $afterAt OR (i.detectedAt = $afterAt AND i.id < $afterId))` : '';
      const rows = await cx.run<{ i: Record<string, unknown> }>(
        `MATCH (i:Incident {tenant: $t}) ${where}${afterClause}
        RETURN ${INCIDENT} AS i ORDER BY i.detectedAt DESC, i.id DESC LIMIT $limit`,
        { ...params, t, afterAt: after?.[0] ?? null, afterId: after?.[1] ?? null, limit: page.first + 1 },
      );
      return paged(
        rows.map((r) => toIncident(r.i)),
        page,
        (i) => encodeCursor([i.detectedAt, i.id]),
      );
    },
    async countIncidents(query) {
      const { where, params } = incidentWhere(query);
      const [row] = await cx.run<{ n: number }>(`MATCH (i:Incident {tenant: $t}) ${where} RETURN count(i) AS n`, { ...params, t });
      return row?.n ?? 0;
    },
    async incidentsByAssets(assetIds, statuses) {
      const byAsset = new Map<string, IncidentRecord[]>();
      if (assetIds.length === 0) return byAsset;
      const rows = await cx.run<{ forAsset: string; i: Record<string, unknown> }>(
        `UNWIND $ids AS id
        MATCH (i:Incident {tenant: $t})-[:AFFECTS]->(a:Asset {tenant: $t, id: id}) ${SEEK_ID('a')}
        WHERE $statuses IS NULL OR i.status IN $statuses
        RETURN id AS forAsset, ${INCIDENT} AS i ORDER BY i.detectedAt DESC, i.id DESC`,
        { t, ids: [...assetIds], statuses: statuses?.length ? [...statuses] : null },
      );
      for (const r of rows) (byAsset.get(r.forAsset) ?? byAsset.set(r.forAsset, []).get(r.forAsset)!).push(toIncident(r.i));
      return byAsset;
    },
    async putIncident(r) {
      const { assetIds, ...props } = r;
      await cx.run(
        `MERGE (i:Incident {tenant: $t, id: $id})
        SET i.source = $source, i.externalId = $externalId, i.type = $type, i.severity = $severity, i.status = $status, i.title = $title,
            i.url = $url, i.detectedAt = $detectedAt, i.updatedAt = $updatedAt
        WITH i
        OPTIONAL MATCH (i)-[old:AFFECTS]->()
        DELETE old
        WITH DISTINCT i
        UNWIND $assetIds AS aid
        MATCH (a:Asset {tenant: $t, id: aid}) ${SEEK_ID('a')}
        MERGE (i)-[:AFFECTS]->(a)`,
        { t, ...props, assetIds },
      );
    },
  };
}
