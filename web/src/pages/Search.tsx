// Search as you type, the facets as filters (kind, classification, owner, database), the matched
// fragments highlighted, and pages by cursor.
import { useEffect, useState } from 'react';
import { gql, messageOf } from '../api';
import { Link } from '../Link';
import { assetPath } from '../router';
import { Highlighted } from '../ui';

const SEARCH = `query($q: String!, $filter: SearchFilter, $after: String) {
  search(query: $q, filter: $filter, first: 20, after: $after) {
    total
    hits { asset { id qualifiedName name kind classifications { name propagated } } highlights { field fragments } }
    facets { field buckets { value count } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Hit {
  asset: { id: string; qualifiedName: string; name: string; kind: string; classifications: { name: string; propagated: boolean }[] };
  highlights: { field: string; fragments: string[] }[];
}
interface SearchResult {
  total: number;
  hits: Hit[];
  facets: { field: string; buckets: { value: string; count: number }[] }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

type Filters = Record<'kind' | 'classification' | 'owner' | 'database', string | null>;
const NO_FILTERS: Filters = { kind: null, classification: null, owner: null, database: null };

function filterOf(f: Filters): Record<string, unknown> {
  return {
    ...(f.kind ? { kinds: [f.kind] } : {}),
    ...(f.classification ? { classifications: [f.classification] } : {}),
    ...(f.owner ? { owners: [f.owner] } : {}),
    ...(f.database ? { qualifiedNamePrefix: f.database } : {}),
  };
}

export function SearchPage() {
  const [text, setText] = useState('');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = pages.at(-1) ?? null;

  useEffect(() => {
    let current = true;
    // As you type: wait for a pause, and drop answers to older keystrokes.
    const timer = setTimeout(() => {
      gql<{ search: SearchResult }>(SEARCH, { q: text, filter: filterOf(filters), after })
        .then((d) => current && (setResult(d.search), setError(null)))
        .catch((e: unknown) => current && setError(messageOf(e)));
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, filters, after]);

  const setFilter = (field: keyof Filters, value: string | null) => {
    setFilters((f) => ({ ...f, [field]: value }));
    setPages([null]);
  };

  return (
    <div className="search">
      <div className="searchbox">
        <label htmlFor="q" className="visually-hidden">
          Search assets
        </label>
        <input
          id="q"
          type="search"
          autoFocus
          placeholder="Search tables, columns, dashboards, owners…"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setPages([null]);
          }}
        />
      </div>
      <div className="search-body">
        <aside className="facets" aria-label="Filters">
          {result?.facets.map((facet) => (
            <fieldset key={facet.field}>
              <legend>{facet.field}</legend>
              {facet.buckets.length === 0 && <span className="muted">none</span>}
              {facet.buckets.map((b) => {
                const field = facet.field as keyof Filters;
                const on = filters[field] === b.value;
                return (
                  <button
                    key={b.value}
                    type="button"
                    className={on ? 'chip on' : 'chip'}
                    aria-pressed={on}
                    onClick={() => setFilter(field, on ? null : b.value)}
                  >
                    {b.value} <span className="count">{b.count}</span>
                  </button>
                );
              })}
            </fieldset>
          ))}
        </aside>
        <section className="results" aria-live="polite">
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {result && (
            <p className="muted" data-testid="total">
              {result.total} {result.total === 1 ? 'asset' : 'assets'}
            </p>
          )}
          <ol className="hits">
            {result?.hits.map((hit) => (
              <li key={hit.asset.id}>
                <Link to={assetPath(hit.asset.qualifiedName)} className="hit-name">
                  {hit.asset.name}
                </Link>{' '}
                <span className="kind">{hit.asset.kind}</span>
                {hit.asset.classifications.map((c) => (
                  <span
                    key={c.name + String(c.propagated)}
                    className={c.propagated ? 'tag propagated' : 'tag'}
                    title={c.propagated ? 'propagated' : 'direct'}
                  >
                    {c.name}
                  </span>
                ))}
                <div className="qn">{hit.asset.qualifiedName}</div>
                {hit.highlights
                  .filter((h) => h.field !== 'name')
                  .slice(0, 2)
                  .map((h) => (
                    <div key={h.field} className="highlight">
                      <span className="muted">{h.field}: </span>
                      <Highlighted html={h.fragments.join(' … ')} />
                    </div>
                  ))}
              </li>
            ))}
          </ol>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
              Previous
            </button>
            <span className="muted">page {pages.length}</span>
            <button
              type="button"
              disabled={!result?.pageInfo.hasNextPage}
              onClick={() => result?.pageInfo.endCursor && setPages((p) => [...p, result.pageInfo.endCursor])}
            >
              Next
            </button>
          </nav>
        </section>
      </div>
    </div>
  );
}
