// A small router on the History API: the catalog has four kinds of page, and each URL names what
// it shows (an asset's qualified name is one path segment, URL-encoded). Never a token.
import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  for (const l of listeners) l();
}

addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export const assetPath = (qualifiedName: string): string => `/asset/${encodeURIComponent(qualifiedName)}`;
export const lineagePath = (qualifiedName: string): string => `/lineage/${encodeURIComponent(qualifiedName)}`;

export type Route =
  | { page: 'search' }
  | { page: 'asset'; qualifiedName: string }
  | { page: 'lineage'; qualifiedName: string }
  | { page: 'incidents' }
  | { page: 'missing' };

export function routeOf(path: string): Route {
  if (path === '/' || path === '') return { page: 'search' };
  if (path === '/incidents') return { page: 'incidents' };
  const m = /^\/(asset|lineage)\/(.+)$/.exec(path);
  if (m) {
    try {
      return { page: m[1] as 'asset' | 'lineage', qualifiedName: decodeURIComponent(m[2]!) };
    } catch {
      return { page: 'missing' };
    }
  }
  return { page: 'missing' };
}

/** Neighbours the explorer fetches per expansion; "+N" asks for this many more each time. */
export const LINEAGE_PAGE = 25;

/** `?first=` on a lineage URL: how many neighbours the first hop draws (default LINEAGE_PAGE, at most 1,000). */
export function firstHopOf(query: URLSearchParams): number {
  const n = Number(query.get('first') ?? LINEAGE_PAGE);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1000) : LINEAGE_PAGE;
}
