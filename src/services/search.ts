// Search: the full-text index (SearchIndex port) finds and ranks; the graph store answers with
// the assets themselves, so a hit always shows the asset as it is now, and an asset deleted a
// moment ago (whose document the indexer has not removed yet) is simply left out.
import { type Viewer, requirePermission } from '../domain/auth.js';
import { Problems, badInput } from '../domain/errors.js';
import type { AssetKind, SearchHitView } from '../domain/model.js';
import { LIMITS, checkText } from '../domain/validation.js';
import type { ServiceDeps } from './deps.js';
import { MAX_PAGE } from './paging.js';

export interface SearchFilterInput {
  kinds?: readonly AssetKind[] | null | undefined;
  classifications?: readonly string[] | null | undefined;
  includePropagated?: boolean | null | undefined;
  owners?: readonly string[] | null | undefined;
  qualifiedNamePrefix?: string | null | undefined;
  hasOpenIncident?: boolean | null | undefined;
}

export interface SearchOutcome {
  total: number;
  hits: SearchHitView[];
  facets: { field: string; buckets: { value: string; count: number }[] }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export class SearchService {
  constructor(private readonly deps: ServiceDeps) {}

  /** `want`: what the caller will read (facets, highlights); the rest is not computed. */
  async search(
    viewer: Viewer | null,
    text: string,
    filter: SearchFilterInput | null | undefined,
    first?: number | null,
    after?: string | null,
    want: { facets: boolean; highlights: boolean } = { facets: true, highlights: true },
  ): Promise<SearchOutcome> {
    const v = requirePermission(viewer, 'graph:read');
    const problems = new Problems();
    checkText(problems, 'query', text, LIMITS.searchQuery, { allowEmpty: true });
    if (filter?.qualifiedNamePrefix) checkText(problems, 'filter.qualifiedNamePrefix', filter.qualifiedNamePrefix, LIMITS.qualifiedName);
    problems.throwIfAny('Invalid search');
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
    const index = this.deps.search;
    if (!index) throw new Error('No search index is configured');
    let page;
    try {
      page = await index.search(v.tenant, {
        text,
        first: size,
        after: after ?? null,
        facets: want.facets,
        highlights: want.highlights,
        ...(filter?.kinds ? { kinds: filter.kinds } : {}),
        ...(filter?.classifications
          ? { classifications: filter.classifications, classificationScope: filter.includePropagated === false ? 'DIRECT' : 'EFFECTIVE' }
          : {}),
        ...(filter?.owners ? { owners: filter.owners } : {}),
        ...(filter?.qualifiedNamePrefix ? { qualifiedNamePrefix: filter.qualifiedNamePrefix } : {}),
        ...(typeof filter?.hasOpenIncident === 'boolean' ? { hasOpenIncident: filter.hasOpenIncident } : {}),
      });
    } catch (error) {
      if (error instanceof RangeError) throw badInput('after is not a cursor returned by this search');
      throw error;
    }
    const assets = new Map((await this.deps.store.tenant(v.tenant).assetsByIds(page.hits.map((h) => h.id))).map((a) => [a.id, a]));
    return {
      total: page.total,
      facets: page.facets,
      hits: page.hits.flatMap((h) => {
        const asset = assets.get(h.id);
        return asset ? [{ asset, score: h.score, highlights: h.highlights }] : [];
      }),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: after !== null && after !== undefined,
        startCursor: after ?? null,
        endCursor: page.endCursor,
      },
    };
  }
}
