// A crawl under the source's lease: one crawl of a source at a time, whoever starts it (a crawler
// replica on its schedule, or the CLI). The lease is taken in the store before the run, renewed
// every third of its length while the run goes on, and released after; a holder that dies lets
// it run out by itself.
import { systemActor } from '../../domain/auth.js';
import type { CrawlRunRecord } from '../../domain/crawls.js';
import { execute } from '../../services/commands/command.js';
import { leaseCrawl, releaseCrawl } from '../../services/commands/crawls.js';
import { type Connector, type CrawlDeps, type CrawlOptions, crawl } from './crawl.js';

export interface LeaseOptions {
  /** Who holds it (one id per process). */
  holder: string;
  /** How long it lasts without renewal. */
  leaseMs: number;
}

/** Runs the crawl holding the source's lease; null, without running, while another holder has it. */
export async function crawlUnderLease(
  deps: CrawlDeps,
  connector: Connector,
  options: CrawlOptions,
  { holder, leaseMs }: LeaseOptions,
): Promise<CrawlRunRecord | null> {
  const { store, limits, log } = deps;
  const source = connector.source;
  const actor = systemActor('connector', options.tenant, `crawler:${source}`);
  const graph = store.tenant(options.tenant);
  const lease = () => graph.transaction((tx) => execute(leaseCrawl, { actor, tx, input: { source, holder, ttlMs: leaseMs } }, limits));
  if (!(await lease())) return null;
  const renew = setInterval(() => {
    lease()
      .then((held) => {
        if (!held) log.warn({ source }, 'crawl lease lost while crawling (the store was slow to answer)');
      })
      .catch((err: unknown) => log.warn({ err, source }, 'renewing the crawl lease failed'));
  }, leaseMs / 3);
  try {
    return await crawl(deps, connector, options);
  } finally {
    clearInterval(renew);
    await graph
      .transaction((tx) => execute(releaseCrawl, { actor, tx, input: { source, holder } }, limits))
      .catch((err: unknown) => log.warn({ err, source }, 'releasing the crawl lease failed; it runs out by itself'));
  }
}
