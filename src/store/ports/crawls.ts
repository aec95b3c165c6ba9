// The crawls port: connectors' runs, what each source's last successful run emitted (its
// inventory, to delete what the source no longer has), and the lease that keeps two crawler
// replicas off one source.
// Adapters: store/embedded/crawls.ts, store/neo4j/crawls.ts. Contract: test/contract/store/crawls.contract.ts.
import type { CrawlRunRecord } from '../../domain/crawls.js';
import type { StorePage, StorePageRequest } from './paging.js';

/** One thing a source's crawl emitted: an asset (its qualified name) or an edge (`from → to`). */
export interface InventoryEntry {
  key: string;
  /** Created by this source (it did not exist when the source first emitted it): deleted when the source drops it. */
  owned: boolean;
}

export interface CrawlReader {
  /** Newest first; one source's runs when `source` is given. */
  crawlRuns(query: { source?: string | undefined }, page: StorePageRequest): Promise<StorePage<CrawlRunRecord>>;
  crawlRun(id: string): Promise<CrawlRunRecord | null>;
  /** Every entry of the source's inventory, sorted by key. */
  crawlInventory(source: string): Promise<InventoryEntry[]>;
}

export interface CrawlWriter {
  putCrawlRun(run: CrawlRunRecord): Promise<void>;
  /** Adds or replaces `put`, then removes `remove` (keys). */
  updateCrawlInventory(source: string, change: { put: readonly InventoryEntry[]; remove: readonly string[] }): Promise<void>;
  /**
   * Takes (or renews) the source's lease for `holder` until `untilMs` (epoch ms) when it is free,
   * expired or already the holder's; false when another holder's lease is live. Atomic: of two
   * replicas asking at once, one wins.
   */
  leaseCrawl(source: string, holder: string, untilMs: number, nowMs: number): Promise<boolean>;
  releaseCrawl(source: string, holder: string): Promise<void>;
}
