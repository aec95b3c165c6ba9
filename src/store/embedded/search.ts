// Plain substring search over name, qualified name and description: the stand-in until the
// search index port (embedded FTS5 / Elasticsearch) takes over. Ranked: exact name, name prefix,
// name, qualified name, description.
import type { GraphTx, SearchQuery } from '../ports.js';
import { ASSET_COLUMNS, assetWhere, toAssets } from './assets.js';
import type { Conn } from './conn.js';

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (m) => `\\${m}`);

export function searchOps(c: Conn): Pick<GraphTx, 'searchAssets'> {
  return {
    async searchAssets(q: SearchQuery) {
      const where = assetWhere({
        ...(q.kinds ? { kinds: q.kinds } : {}),
        ...(q.qualifiedNamePrefix !== undefined ? { qualifiedNamePrefix: q.qualifiedNamePrefix } : {}),
      });
      const clauses = [where.sql];
      const params: Record<string, unknown> = { ...where.params, tenant: c.tenant };
      const text = q.text.trim().toLowerCase();
      if (text.length > 0) {
        clauses.push(`(lower(a.name) LIKE @like ESCAPE '\\' OR lower(a.qualified_name) LIKE @like ESCAPE '\\' OR lower(coalesce(a.description, '')) LIKE @like ESCAPE '\\')`);
        params.like = `%${escapeLike(text)}%`;
        params.prefixLike = `${escapeLike(text)}%`;
        params.exact = text;
      }
      if (q.owners && q.owners.length > 0) {
        clauses.push('EXISTS (SELECT 1 FROM json_each(a.owners) o WHERE o.value IN (SELECT value FROM json_each(@owners)))');
        params.owners = JSON.stringify(q.owners);
      }
      if (q.classifications && q.classifications.length > 0) {
        clauses.push(`(EXISTS (SELECT 1 FROM direct_assignments d WHERE d.tenant = a.tenant AND d.asset_id = a.id AND d.classification IN (SELECT value FROM json_each(@classes)))
          OR EXISTS (SELECT 1 FROM propagations p WHERE p.tenant = a.tenant AND p.asset_id = a.id AND p.blocked = 0 AND p.classification IN (SELECT value FROM json_each(@classes))))`);
        params.classes = JSON.stringify(q.classifications);
      }
      const whereSql = clauses.join(' AND ');
      const score = text.length > 0
        ? `(CASE WHEN lower(a.name) = @exact THEN 10.0 WHEN lower(a.name) LIKE @prefixLike ESCAPE '\\' THEN 6.0 WHEN lower(a.name) LIKE @like ESCAPE '\\' THEN 4.0
            WHEN lower(a.qualified_name) LIKE @like ESCAPE '\\' THEN 2.0 ELSE 1.0 END)`
        : '1.0';
      const rows = c.stmt(`SELECT ${ASSET_COLUMNS}, ${score} AS score FROM assets a WHERE ${whereSql}
        ORDER BY score DESC, length(a.name), a.qualified_name LIMIT @limit OFFSET @offset`).all({ ...params, limit: q.first, offset: q.offset }) as { score: number }[];
      const total = (c.stmt(`SELECT count(*) AS n FROM assets a WHERE ${whereSql}`).get(params) as { n: number }).n;
      const kinds = c.stmt(`SELECT a.kind AS value, count(*) AS count FROM assets a WHERE ${whereSql} GROUP BY a.kind ORDER BY count DESC, value`).all(params) as { value: string; count: number }[];
      const assets = toAssets(rows);
      return {
        total,
        hits: assets.map((asset, i) => ({ asset, score: rows[i]?.score ?? 0 })),
        facets: [{ field: 'kind', buckets: kinds }],
      };
    },
  };
}
