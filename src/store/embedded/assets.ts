import type { AssetKind, AssetRecord, HistoryChange, HistoryRecord } from '../../domain/model.js';
import type { AssetQuery, AssetReader, AssetWriter } from '../ports/index.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import { type Conn, driving, list } from './conn.js';

interface AssetRow {
  id: string;
  qualified_name: string;
  kind: string;
  name: string;
  description: string | null;
  owners: string;
  attributes: string;
  parent_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export const ASSET_COLUMNS =
  'a.id, a.qualified_name, a.kind, a.name, a.description, a.owners, a.attributes, a.parent_id, a.version, a.created_at, a.updated_at';

export function toAsset(row: AssetRow): AssetRecord {
  return {
    id: row.id,
    qualifiedName: row.qualified_name,
    kind: row.kind as AssetKind,
    name: row.name,
    description: row.description,
    owners: JSON.parse(row.owners) as string[],
    attributes: JSON.parse(row.attributes) as AssetRecord['attributes'],
    parentId: row.parent_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const toAssets = (rows: unknown[]): AssetRecord[] => (rows as AssetRow[]).map(toAsset);

/** WHERE clause of an asset filter (alias `a`), with named parameters. */
export function assetWhere(query: AssetQuery): { sql: string; params: Record<string, unknown> } {
  const clauses = ['a.tenant = @tenant'];
  const params: Record<string, unknown> = {};
  if (query.kinds && query.kinds.length > 0) {
    clauses.push('a.kind IN (SELECT value FROM json_each(@kinds))');
    params.kinds = list(query.kinds);
  }
  if (query.qualifiedNamePrefix !== undefined) {
    // A range on the unique index; U+10FFFF sorts after every character a prefix can continue with.
    clauses.push('a.qualified_name >= @prefix AND a.qualified_name < @prefixEnd');
    params.prefix = query.qualifiedNamePrefix;
    params.prefixEnd = `${query.qualifiedNamePrefix}\u{10FFFF}`;
  }
  if (query.parentId !== undefined) {
    clauses.push('a.parent_id = @parentId');
    params.parentId = query.parentId;
  }
  if (query.owner !== undefined) {
    clauses.push('EXISTS (SELECT 1 FROM json_each(a.owners) o WHERE o.value = @owner)');
    params.owner = query.owner;
  }
  if (query.classification !== undefined) {
    clauses.push(`(EXISTS (SELECT 1 FROM direct_assignments d WHERE d.tenant = a.tenant AND d.asset_id = a.id AND d.classification = @classification)
      OR EXISTS (SELECT 1 FROM propagations p WHERE p.tenant = a.tenant AND p.asset_id = a.id AND p.classification = @classification AND p.blocked = 0))`);
    params.classification = query.classification;
  }
  return { sql: clauses.join(' AND '), params };
}

/** The asset view is composed from these reads and the classification states (store/asset-view.ts). */
type AssetOps = Omit<AssetReader, 'assetView' | 'classifiedAssets'> & AssetWriter;

export function assetOps(c: Conn): AssetOps {
  const t = c.tenant;
  return {
    async assetsByIds(ids) {
      if (ids.length === 0) return [];
      return toAssets(
        c
          .stmt(`SELECT ${ASSET_COLUMNS} FROM ${driving('@p')} CROSS JOIN assets a ON a.tenant = @t AND a.id = l.v`)
          .all({ t, p: list(ids) }),
      );
    },
    async assetsByQualifiedNames(qualifiedNames) {
      if (qualifiedNames.length === 0) return [];
      return toAssets(
        c
          .stmt(`SELECT ${ASSET_COLUMNS} FROM ${driving('@p')} CROSS JOIN assets a ON a.tenant = @t AND a.qualified_name = l.v`)
          .all({ t, p: list(qualifiedNames) }),
      );
    },
    async childNames(parentIds, kinds) {
      const names = new Map<string, string[]>();
      if (parentIds.length === 0) return names;
      // INDEXED BY: left alone, SQLite probes the kind index and scans every column of the tenant per parent.
      const rows = c
        .stmt(
          `SELECT a.parent_id AS p, a.name AS n FROM ${driving('@p')} CROSS JOIN assets a INDEXED BY assets_parent ON a.tenant = @t AND a.parent_id = l.v
        WHERE a.kind IN (SELECT value FROM json_each(@kinds)) ORDER BY p, n`,
        )
        .all({ t, p: list(parentIds), kinds: JSON.stringify(kinds) }) as { p: string; n: string }[];
      for (const r of rows) names.set(r.p, [...(names.get(r.p) ?? []), r.n]);
      return names;
    },
    async listAssets(query, page) {
      const where = assetWhere(query);
      const after = decodeCursor(page.after)?.[0];
      const afterSql = typeof after === 'string' ? ' AND a.qualified_name > @after' : '';
      const rows = c
        .stmt(`SELECT ${ASSET_COLUMNS} FROM assets a WHERE ${where.sql}${afterSql} ORDER BY a.qualified_name LIMIT @limit`)
        .all({ ...where.params, tenant: t, after, limit: page.first + 1 });
      return paged(toAssets(rows), page, (a) => encodeCursor([a.qualifiedName]));
    },
    async countAssets(query) {
      const where = assetWhere(query);
      const row = c.stmt(`SELECT count(*) AS n FROM assets a WHERE ${where.sql}`).get({ ...where.params, tenant: t }) as { n: number };
      return row.n;
    },
    async history(assetId, page) {
      const after = decodeCursor(page.after)?.[0];
      const afterSql = typeof after === 'number' ? ' AND seq < @after' : '';
      const rows = c
        .stmt(
          `SELECT seq, id, asset_id, qualified_name, change, actor, at, version, before, after FROM history
        WHERE tenant = @tenant AND asset_id = @assetId${afterSql} ORDER BY seq DESC LIMIT @limit`,
        )
        .all({ tenant: t, assetId, after, limit: page.first + 1 }) as HistoryRow[];
      const records = rows.map((r) => ({ seq: r.seq, record: toHistory(r) }));
      const result = paged(records, page, (r) => encodeCursor([r.seq]));
      return { hasNextPage: result.hasNextPage, items: result.items.map((i) => ({ node: i.node.record, cursor: i.cursor })) };
    },
    async writeAssets(records) {
      const upsert =
        c.stmt(`INSERT INTO assets (tenant, id, qualified_name, kind, name, description, owners, attributes, parent_id, version, created_at, updated_at)
        VALUES (@tenant, @id, @qualifiedName, @kind, @name, @description, @owners, @attributes, @parentId, @version, @createdAt, @updatedAt)
        ON CONFLICT (tenant, id) DO UPDATE SET qualified_name = excluded.qualified_name, kind = excluded.kind, name = excluded.name,
          description = excluded.description, owners = excluded.owners, attributes = excluded.attributes,
          parent_id = excluded.parent_id, version = excluded.version, updated_at = excluded.updated_at`);
      for (const r of records) {
        upsert.run({ ...r, tenant: t, owners: JSON.stringify(r.owners), attributes: JSON.stringify(r.attributes) });
      }
    },
    async deleteAssets(ids) {
      // Keyed deletes, one asset at a time: each is an index probe whatever the table sizes.
      const statements = [
        'DELETE FROM edges WHERE tenant = @t AND from_id = @id',
        'DELETE FROM edges WHERE tenant = @t AND to_id = @id',
        "DELETE FROM edges WHERE tenant = @t AND process_id = @id AND process_id <> ''",
        'DELETE FROM direct_assignments WHERE tenant = @t AND asset_id = @id',
        'DELETE FROM blocks WHERE tenant = @t AND asset_id = @id',
        'DELETE FROM propagations WHERE tenant = @t AND asset_id = @id',
        'DELETE FROM incident_assets WHERE tenant = @t AND asset_id = @id',
        'DELETE FROM assets WHERE tenant = @t AND id = @id',
      ].map((sql) => c.stmt(sql));
      for (const id of ids) for (const s of statements) s.run({ t, id });
    },
    async descendants(ids) {
      if (ids.length === 0) return [];
      const rows = c
        .stmt(
          `WITH RECURSIVE d(id) AS (
          SELECT a.id FROM ${driving('@p')} CROSS JOIN assets a ON a.tenant = @t AND a.parent_id = l.v
          UNION SELECT a.id FROM d CROSS JOIN assets a ON a.tenant = @t AND a.parent_id = d.id)
        SELECT id FROM d`,
        )
        .all({ t, p: list(ids) }) as { id: string }[];
      const roots = new Set(ids);
      return rows.map((r) => r.id).filter((id) => !roots.has(id));
    },
    async appendHistory(entries) {
      const insert = c.stmt(`INSERT INTO history (tenant, id, asset_id, qualified_name, change, actor, at, version, before, after)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const e of entries) {
        insert.run(t, e.id, e.assetId, e.qualifiedName, e.change, e.actor, e.at, e.version, json(e.before), json(e.after));
      }
    },
  };
}

interface HistoryRow {
  seq: number;
  id: string;
  asset_id: string;
  qualified_name: string;
  change: string;
  actor: string;
  at: string;
  version: number;
  before: string | null;
  after: string | null;
}

function toHistory(r: HistoryRow): HistoryRecord {
  return {
    id: r.id,
    assetId: r.asset_id,
    qualifiedName: r.qualified_name,
    change: r.change as HistoryChange,
    actor: r.actor,
    at: r.at,
    version: r.version,
    before: r.before === null ? null : JSON.parse(r.before),
    after: r.after === null ? null : JSON.parse(r.after),
  };
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
