import { type Viewer, requirePermission } from '../domain/auth.js';
import { Problems, badInput } from '../domain/errors.js';
import type { AssetKind, SearchHitView } from '../domain/model.js';
import { LIMITS, checkText } from '../domain/validation.js';
import type { ServiceDeps } from './deps.js';
import { MAX_PAGE } from './paging.js';

export interface SearchFilterInput {
  kinds?: readonly AssetKind[] | null | undefined;
  classifications?: readonly string[] | null | undefined;
  owners?: readonly string[] | null | undefined;
  qualifiedNamePrefix?: string | null | undefined;
}

export interface SearchOutcome {
  total: number;
  hits: SearchHitView[];
  facets: { field: string; buckets: { value: string; count: number }[] }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const MAX_OFFSET = 10_000;

export class SearchService {
  constructor(private readonly deps: ServiceDeps) {}

  async search(viewer: Viewer | null, text: string, filter: SearchFilterInput | null | undefined, first?: number | null, after?: string | null): Promise<SearchOutcome> {
    const v = requirePermission(viewer, 'graph:read');
    const problems = new Problems();
    checkText(problems, 'query', text, LIMITS.searchQuery, { allowEmpty: true });
    problems.throwIfAny('Invalid search');
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
    const offset = after ? Number.parseInt(Buffer.from(after, 'base64url').toString('utf8'), 10) : 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw badInput('after is not a cursor returned by this API');
    const page = await this.deps.store.tenant(v.tenant).searchAssets({
      text,
      first: size,
      offset,
      ...(filter?.kinds ? { kinds: filter.kinds } : {}),
      ...(filter?.classifications ? { classifications: filter.classifications } : {}),
      ...(filter?.owners ? { owners: filter.owners } : {}),
      ...(filter?.qualifiedNamePrefix ? { qualifiedNamePrefix: filter.qualifiedNamePrefix } : {}),
    });
    const cursor = (n: number) => Buffer.from(String(n)).toString('base64url');
    const end = offset + page.hits.length;
    return {
      total: page.total,
      facets: page.facets,
      hits: page.hits.map((h) => ({ ...h, highlights: highlight(text, { name: h.asset.name, qualifiedName: h.asset.qualifiedName, description: h.asset.description ?? '' }) })),
      pageInfo: { hasNextPage: end < page.total, hasPreviousPage: offset > 0, startCursor: page.hits.length ? cursor(offset) : null, endCursor: page.hits.length ? cursor(end) : null },
    };
  }
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Fragments of each matching field with the match wrapped in <em>; text is HTML-escaped. */
export function highlight(text: string, fields: Record<string, string>): { field: string; fragments: string[] }[] {
  const needle = text.trim().toLowerCase();
  if (needle.length === 0) return [];
  const out: { field: string; fragments: string[] }[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const at = value.toLowerCase().indexOf(needle);
    if (at < 0) continue;
    const start = Math.max(0, at - 40);
    const end = Math.min(value.length, at + needle.length + 40);
    const fragment = `${start > 0 ? '…' : ''}${escapeHtml(value.slice(start, at))}<em>${escapeHtml(value.slice(at, at + needle.length))}</em>${escapeHtml(value.slice(at + needle.length, end))}${end < value.length ? '…' : ''}`;
    out.push({ field, fragments: [fragment] });
  }
  return out;
}
