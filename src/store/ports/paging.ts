// Keyset pages, shared by every port that lists.

/** A page of results; each cursor is the adapter's own opaque keyset position. */
export interface StorePage<T> {
  items: { node: T; cursor: string }[];
  hasNextPage: boolean;
}

export interface StorePageRequest {
  first: number;
  after: string | null;
}
