// Relay connections over the stores' keyset pages. Store cursors stay opaque to clients.
import { badInput } from '../domain/errors.js';
import type { StorePage, StorePageRequest } from '../store/ports/index.js';

export interface Connection<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export const MAX_PAGE = 500;

export function pageRequest(first: number | null | undefined, after: string | null | undefined, fallback = 50): StorePageRequest {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
  if (after === null || after === undefined) return { first: size, after: null };
  return { first: size, after: decodeClientCursor(after) };
}

export function toConnection<T>(page: StorePage<T>, totalCount: number, hasPreviousPage: boolean): Connection<T> {
  const edges = page.items.map((i) => ({ node: i.node, cursor: Buffer.from(i.cursor).toString('base64url') }));
  return {
    edges,
    totalCount,
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

/** One page of a listing with its total, as a Relay connection. */
export async function paginate<T>(
  first: number | null | undefined,
  after: string | null | undefined,
  list: (page: StorePageRequest) => Promise<StorePage<T>>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const page = pageRequest(first, after);
  const [items, total] = await Promise.all([list(page), count()]);
  return toConnection(items, total, page.after !== null);
}
