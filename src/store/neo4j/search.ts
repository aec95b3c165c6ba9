// Substring search, the stand-in until the search index port (Elasticsearch) takes over: the
// same ranking as the embedded adapter (exact name, name prefix, name, qualified name, description).
import type { GraphTx, SearchQuery } from '../ports.js';
import { ASSET, assetWhere, toAsset } from './assets.js';
import type { Cx } from './session.js';

export function searchOps(cx: Cx): Pick<GraphTx, 'searchAssets'> {
  return {
    async searchAssets(q: SearchQuery) {
      const base = assetWhere({
        ...(q.kinds ? { kinds: q.kinds } : {}),
        ...(q.qualifiedNamePrefix !== undefined ? { qualifiedNamePrefix: q.qualifiedNamePrefix } : {}),
      });
      const clauses = base.where ? [base.where.replace(/^WHERE /, '')] : [];
      const params: Record<string, unknown> = { ...base.params, t: cx.tenant, text: q.text.trim().toLowerCase() };
      if (params.text !== '') {
        clauses.push("(toLower(a.name) CONTAINS $text OR toLower(a.qualifiedName) CONTAINS $text OR toLower(coalesce(a.description, '')) CONTAINS $text)");
      }
      if (q.owners?.length) {
        clauses.push('any(o IN a.owners WHERE o IN $owners)');
        params.owners = q.owners;
      }
      if (q.classifications?.length) {
        clauses.push(`(EXISTS { MATCH (d:Direct {tenant: $t, assetId: a.id}) WHERE d.classification IN $classes }
          OR EXISTS { MATCH (p:Propagation {tenant: $t, assetId: a.id}) WHERE p.blocked = false AND p.classification IN $classes })`);
        params.classes = q.classifications;
      }
      const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
      const score = params.text === '' ? '1.0' : `CASE WHEN toLower(a.name) = $text THEN 10.0 WHEN toLower(a.name) STARTS WITH $text THEN 6.0
        WHEN toLower(a.name) CONTAINS $text THEN 4.0 WHEN toLower(a.qualifiedName) CONTAINS $text THEN 2.0 ELSE 1.0 END`;
      const rows = await cx.run<{ a: Record<string, unknown>; score: number }>(`MATCH (a:Asset {tenant: $t}) ${where}
        WITH a, ${score} AS score ORDER BY score DESC, size(a.name), a.qualifiedName SKIP $offset LIMIT $limit
        RETURN ${ASSET} AS a, score`, { ...params, offset: q.offset, limit: q.first });
      const [total] = await cx.run<{ n: number }>(`MATCH (a:Asset {tenant: $t}) ${where} RETURN count(a) AS n`, params);
      const kinds = await cx.run<{ value: string; count: number }>(`MATCH (a:Asset {tenant: $t}) ${where} RETURN a.kind AS value, count(*) AS count ORDER BY count DESC, value`, params);
      return { total: total?.n ?? 0, hits: rows.map((r) => ({ asset: toAsset(r.a), score: r.score })), facets: [{ field: 'kind', buckets: kinds }] };
    },
  };
}
