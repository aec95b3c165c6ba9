// Connectors' crawl runs as admins read them (the runs themselves are written by the connector
// framework, streams/connectors/crawl.ts, through services/commands/crawls.ts).
import { type Viewer, requirePermission } from '../domain/auth.js';
import type { CrawlRunRecord } from '../domain/crawls.js';
import { badInput } from '../domain/errors.js';
import type { ServiceDeps } from './deps.js';
import { type Page, pageRequest, toPage } from './paging.js';

export class CrawlService {
  constructor(private readonly deps: ServiceDeps) {}

  async runs(
    viewer: Viewer | null,
    source: string | null | undefined,
    first?: number | null,
    after?: string | null,
  ): Promise<Page<CrawlRunRecord>> {
    const v = requirePermission(viewer, 'crawl:read');
    if (source !== null && source !== undefined && (source.length === 0 || source.length > 1024))
      throw badInput('source must be 1 to 1024 characters');
    const page = pageRequest(first, after, 20);
    const runs = await this.deps.store.tenant(v.tenant).crawlRuns({ source: source ?? undefined }, page);
    return toPage(runs, page.after !== null);
  }
}
