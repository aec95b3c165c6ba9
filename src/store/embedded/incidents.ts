import type { IncidentRecord, IncidentSeverity, IncidentStatus, IncidentType } from '../../domain/model.js';
import type { IncidentQuery, IncidentReader, IncidentWriter } from '../ports/index.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import { type Conn, driving, list } from './conn.js';

interface IncidentRow {
  id: string;
  source: string;
  external_id: string;
  type: string;
  severity: string;
  status: string;
  title: string;
  url: string | null;
  detected_at: string;
  updated_at: string;
  asset_ids: string;
}

const COLUMNS = `i.id, i.source, i.external_id, i.type, i.severity, i.status, i.title, i.url, i.detected_at, i.updated_at,
  (SELECT coalesce(json_group_array(ia.asset_id), '[]') FROM (SELECT asset_id FROM incident_assets ia WHERE ia.tenant = i.tenant AND ia.incident_id = i.id ORDER BY asset_id) ia) AS asset_ids`;

const toIncident = (r: IncidentRow): IncidentRecord => ({
  id: r.id,
  source: r.source,
  externalId: r.external_id,
  type: r.type as IncidentType,
  severity: r.severity as IncidentSeverity,
  status: r.status as IncidentStatus,
  title: r.title,
  url: r.url,
  detectedAt: r.detected_at,
  updatedAt: r.updated_at,
  assetIds: JSON.parse(r.asset_ids) as string[],
});

function incidentWhere(q: IncidentQuery): { sql: string; params: Record<string, unknown> } {
  const clauses = ['i.tenant = @tenant'];
  const params: Record<string, unknown> = {};
  const inList = (column: string, name: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) {
      clauses.push(`${column} IN (SELECT value FROM json_each(@${name}))`);
      params[name] = list(values);
    }
  };
  inList('i.status', 'statuses', q.statuses);
  inList('i.severity', 'severities', q.severities);
  inList('i.type', 'types', q.types);
  if (q.assetId !== undefined) {
    clauses.push(
      'EXISTS (SELECT 1 FROM incident_assets ia WHERE ia.tenant = i.tenant AND ia.incident_id = i.id AND ia.asset_id = @assetId)',
    );
    params.assetId = q.assetId;
  }
  return { sql: clauses.join(' AND '), params };
}

type IncidentOps = IncidentReader & IncidentWriter;

export function incidentOps(c: Conn): IncidentOps {
  const t = c.tenant;
  return {
    async incidentsByIds(ids) {
      if (ids.length === 0) return [];
      return (
        c
          .stmt(`SELECT ${COLUMNS} FROM ${driving('@p')} CROSS JOIN incidents i ON i.tenant = @t AND i.id = l.v`)
          .all({ t, p: list(ids) }) as IncidentRow[]
      ).map(toIncident);
    },
    async incidentByExternalId(source, externalId) {
      const row = c
        .stmt(`SELECT ${COLUMNS} FROM incidents i WHERE i.tenant = ? AND i.source = ? AND i.external_id = ?`)
        .get(t, source, externalId) as IncidentRow | undefined;
      return row ? toIncident(row) : null;
    },
    async listIncidents(query, page) {
      const where = incidentWhere(query);
      const after = decodeCursor(page.after);
      const afterSql = after?.length === 2 ? ' AND (i.detected_at < @afterAt OR (i.detected_at = @afterAt AND i.id < @afterId))' : '';
      const rows = c
        .stmt(`SELECT ${COLUMNS} FROM incidents i WHERE ${where.sql}${afterSql} ORDER BY i.detected_at DESC, i.id DESC LIMIT @limit`)
        .all({ ...where.params, tenant: t, afterAt: after?.[0], afterId: after?.[1], limit: page.first + 1 }) as IncidentRow[];
      return paged(rows.map(toIncident), page, (i) => encodeCursor([i.detectedAt, i.id]));
    },
    async countIncidents(query) {
      const where = incidentWhere(query);
      return (c.stmt(`SELECT count(*) AS n FROM incidents i WHERE ${where.sql}`).get({ ...where.params, tenant: t }) as { n: number }).n;
    },
    async incidentsByAssets(assetIds, statuses) {
      const byAsset = new Map<string, IncidentRecord[]>();
      if (assetIds.length === 0) return byAsset;
      const rows = c
        .stmt(
          `SELECT ia.asset_id AS for_asset, ${COLUMNS} FROM ${driving('@p')} CROSS JOIN incident_assets ia ON ia.tenant = @t AND ia.asset_id = l.v
        CROSS JOIN incidents i ON i.tenant = ia.tenant AND i.id = ia.incident_id
        WHERE 1 = 1
          AND (@statuses IS NULL OR i.status IN (SELECT value FROM json_each(@statuses)))
        ORDER BY i.detected_at DESC, i.id DESC`,
        )
        .all({ t, p: list(assetIds), statuses: statuses && statuses.length > 0 ? list(statuses) : null }) as (IncidentRow & {
        for_asset: string;
      })[];
      for (const r of rows) {
        const bucket = byAsset.get(r.for_asset) ?? byAsset.set(r.for_asset, []).get(r.for_asset)!;
        bucket.push(toIncident(r));
      }
      return byAsset;
    },
    async putIncident(r) {
      c.stmt(
        `INSERT INTO incidents (tenant, id, source, external_id, type, severity, status, title, url, detected_at, updated_at)
        VALUES (@t, @id, @source, @externalId, @type, @severity, @status, @title, @url, @detectedAt, @updatedAt)
        ON CONFLICT (tenant, id) DO UPDATE SET type = excluded.type, severity = excluded.severity, status = excluded.status,
          title = excluded.title, url = excluded.url, detected_at = excluded.detected_at, updated_at = excluded.updated_at`,
      ).run({
        t,
        id: r.id,
        source: r.source,
        externalId: r.externalId,
        type: r.type,
        severity: r.severity,
        status: r.status,
        title: r.title,
        url: r.url,
        detectedAt: r.detectedAt,
        updatedAt: r.updatedAt,
      });
      c.stmt('DELETE FROM incident_assets WHERE tenant = ? AND incident_id = ?').run(t, r.id);
      const link = c.stmt('INSERT OR IGNORE INTO incident_assets (tenant, incident_id, asset_id) VALUES (?, ?, ?)');
      for (const assetId of r.assetIds) link.run(t, r.id, assetId);
    },
  };
}
