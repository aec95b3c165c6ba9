// Crawl commands: a connector's run records, its inventory and its lease, written by the
// `connector` system actor (domain/auth.ts). What a crawl changes in the graph goes through the
// ingest pipeline like any producer's events; only the crawl's own bookkeeping is written here.
import { type CrawlRunRecord, type CrawlTrigger, NO_COUNTS } from '../../domain/crawls.js';
import { Problems } from '../../domain/errors.js';
import { checkText } from '../../domain/validation.js';
import type { InventoryEntry } from '../../store/ports/index.js';
import { type Command, noValidation } from './command.js';

const checkSource = (source: string) => {
  const problems = new Problems();
  checkText(problems, 'source', source, 1024);
  problems.throwIfAny('Invalid crawl');
};

/** Starts a run; the source's earlier runs still RUNNING (their process died) are marked FAILED. */
export const startCrawlRun: Command<{ id: string; source: string; connector: string; trigger: CrawlTrigger }, CrawlRunRecord> = {
  name: 'startCrawlRun',
  permission: 'crawl:write',
  validate: (input) => checkSource(input.source),
  async apply({ tx, at }, input) {
    const earlier = await tx.crawlRuns({ source: input.source }, { first: 20, after: null });
    for (const { node } of earlier.items)
      if (node.status === 'RUNNING')
        await tx.putCrawlRun({
          ...node,
          status: 'FAILED',
          finishedAt: at,
          errors: [...node.errors, 'interrupted: the run stopped before it finished (its process ended)'],
        });
    const run: CrawlRunRecord = {
      ...input,
      status: 'RUNNING',
      startedAt: at,
      finishedAt: null,
      counts: { ...NO_COUNTS },
      errors: [],
    };
    await tx.putCrawlRun(run);
    return run;
  },
};

/** Records how a run ended, and the source's inventory after it, together. */
export const finishCrawlRun: Command<
  { run: CrawlRunRecord; inventory: { put: readonly InventoryEntry[]; remove: readonly string[] } },
  CrawlRunRecord
> = {
  name: 'finishCrawlRun',
  permission: 'crawl:write',
  validate: noValidation,
  async apply({ tx, at }, { run, inventory }) {
    const finished: CrawlRunRecord = { ...run, finishedAt: at, errors: run.errors.slice(0, 100) };
    await tx.putCrawlRun(finished);
    await tx.updateCrawlInventory(run.source, inventory);
    return finished;
  },
};

/** Takes or renews the source's lease (two crawler replicas never crawl one source at once). */
export const leaseCrawl: Command<{ source: string; holder: string; ttlMs: number }, boolean> = {
  name: 'leaseCrawl',
  permission: 'crawl:write',
  validate: (input) => checkSource(input.source),
  apply: ({ tx }, { source, holder, ttlMs }) => {
    const now = Date.now();
    return tx.leaseCrawl(source, holder, now + ttlMs, now);
  },
};

export const releaseCrawl: Command<{ source: string; holder: string }, void> = {
  name: 'releaseCrawl',
  permission: 'crawl:write',
  validate: (input) => checkSource(input.source),
  apply: ({ tx }, { source, holder }) => tx.releaseCrawl(source, holder),
};
