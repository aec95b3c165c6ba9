// Connectors' crawl runs: a run reads one source whole (a PostgreSQL database, a dbt project),
// emits what changed through the ingest pipeline, and, only when everything it emitted was
// accepted, deletes what the source no longer has among the assets it owns.
//
//   RUNNING   — started, not finished (a run whose process died stays RUNNING until its lease
//               lapses; the next run of the source marks it FAILED).
//   SUCCEEDED — read whole, every change accepted, deletions emitted.
//   PARTIAL   — read whole, but some changes were refused: nothing was deleted.
//   FAILED    — the source could not be reached or read: nothing was emitted or deleted.

export const CRAWL_STATUSES = ['RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED'] as const;
export type CrawlStatus = (typeof CRAWL_STATUSES)[number];
export const CRAWL_TRIGGERS = ['CLI', 'SCHEDULE'] as const;
export type CrawlTrigger = (typeof CRAWL_TRIGGERS)[number];

export interface CrawlCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export interface CrawlRunRecord {
  id: string;
  /** The source's stable name (`postgres://host:5432/db`, `dbt://project`). */
  source: string;
  /** The connector type: `postgres`, `dbt`. */
  connector: string;
  trigger: CrawlTrigger;
  status: CrawlStatus;
  startedAt: string;
  finishedAt: string | null;
  counts: CrawlCounts;
  /** What went wrong, most important first (at most 100). */
  errors: string[];
}

export const NO_COUNTS: CrawlCounts = { created: 0, updated: 0, deleted: 0, unchanged: 0 };

// Inventory keys: an asset is its qualified name; the others hold a NUL, which no name does.
/** An inventory key for a lineage edge. */
export const edgeKey = (from: string, to: string): string => `${from}\u0000→${to}`;
export const isEdgeKey = (key: string): boolean => key.includes('\u0000→');
export const isAssetKey = (key: string): boolean => !key.includes('\u0000');
export const classificationKey = (qualifiedName: string, classification: string): string =>
  `classification\u0000${qualifiedName}\u0000${classification}`;
export const isClassificationKey = (key: string): boolean => key.startsWith('classification\u0000');
export const classificationOfKey = (key: string): { qualifiedName: string; classification: string } => {
  const [, qualifiedName, classification] = key.split('\u0000') as [string, string, string];
  return { qualifiedName, classification };
};
export const incidentKey = (externalId: string, status: string): string => `incident\u0000${externalId}\u0000${status}`;
export const edgeOfKey = (key: string): { from: string; to: string } => {
  const [from, to] = key.split('\u0000→') as [string, string];
  return { from, to };
};
