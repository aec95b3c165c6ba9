// Relay connections over the stores' keyset pages. Store cursors stay opaque to clients.
import { badInput } from '../domain/errors.js';
import type { StorePage, StorePageRequest } from '../store/ports/index.js';

/** One page of a listing as a Relay connection. */
export interface Page<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * A page with the listing's total. Counting a listing of a million assets costs more than reading
 * its page, so the total is counted only when a client selects it, once per connection.
 */
export interface Connection<T> extends Page<T> {
  totalCount(): Promise<number>;
}

export const MAX_PAGE = 500;

export function pageRequest(first: number | null | undefined, after: string | null | undefined, fallback = 50): StorePageRequest {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
  if (after === null || after === undefined) return { first: size, after: null };
  return { first: size, after: decodeClientCursor(after) };
}

export function toPage<T>(page: StorePage<T>, hasPreviousPage: boolean): Page<T> {
  const edges = page.items.map((i) => ({ node: i.node, cursor: Buffer.from(i.cursor).toString('base64url') }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function decodeClientCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (cursor.length > 2048 || Buffer.from(decoded).toString('base64url') !== cursor)
    throw badInput('after is not a cursor returned by this API');
  return decoded;
}

/** A connection with nothing in it. */
export function emptyConnection<T>(): Connection<T> {
  return { ...toPage<T>({ items: [], hasNextPage: false }, false), totalCount: () => Promise.resolve(0) };
}

/** One page of a listing, and its total when asked for, as a Relay connection. */
export async function paginate<T>(
  first: number | null | undefined,
  after: string | null | undefined,
  list: (page: StorePageRequest) => Promise<StorePage<T>>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const page = pageRequest(first, after);
  const items = await list(page);
  let counted: Promise<number> | null = null;
  return { ...toPage(items, page.after !== null), totalCount: () => (counted ??= count()) };
}
