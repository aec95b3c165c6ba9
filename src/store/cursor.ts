// Keyset cursors shared by the adapters: a JSON array of the sort key of the last row.
import type { StorePage, StorePageRequest } from './ports/index.js';

export const encodeCursor = (parts: readonly (string | number)[]): string => JSON.stringify(parts);

export function decodeCursor(cursor: string | null): unknown[] | null {
  if (cursor === null) return null;
  try {
    const parsed: unknown = JSON.parse(cursor);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Turns `first + 1` fetched rows into a page. */
export function paged<T>(rows: T[], page: StorePageRequest, cursor: (row: T) => string): StorePage<T> {
  const hasNextPage = rows.length > page.first;
  return { hasNextPage, items: rows.slice(0, page.first).map((node) => ({ node, cursor: cursor(node) })) };
}
