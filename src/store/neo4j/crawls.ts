import type { CrawlRunRecord } from '../../domain/crawls.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import type { CrawlReader, CrawlWriter } from '../ports/index.js';
import type { Cx } from './session.js';

const cursorOf = (r: CrawlRunRecord) => encodeCursor([r.startedAt, r.id]);

export function crawlOps(cx: Cx): CrawlReader & CrawlWriter {
  const t = cx.tenant;
  return {
    async crawlRuns(query, page) {
      const after = decodeCursor(page.after);
      const rows = await cx.run<{ body: string }>(
        `MATCH (r:CrawlRun {tenant: $t}) WHERE ($source IS NULL OR r.source = $source)
        AND ($afterAt IS NULL OR r.startedAt < $afterAt OR (r.startedAt = $afterAt AND r.id < $afterId))
        RETURN r.body AS body ORDER BY r.startedAt DESC, r.id DESC LIMIT $limit`,
        {
          t,
          source: query.source ?? null,
          afterAt: after?.length === 2 ? after[0] : null,
          afterId: after?.length === 2 ? after[1] : null,
          limit: page.first + 1,
        },
      );
      return paged(
        rows.map((r) => JSON.parse(r.body) as CrawlRunRecord),
        page,
        cursorOf,
      );
    },
    async crawlRun(id) {
      const [row] = await cx.run<{ body: string }>('MATCH (r:CrawlRun {tenant: $t, id: $id}) RETURN r.body AS body', { t, id });
      return row ? (JSON.parse(row.body) as CrawlRunRecord) : null;
    },
    async crawlInventory(source) {
      return cx.run<{ key: string; owned: boolean }>(
        'MATCH (e:CrawlInventory {tenant: $t, source: $source}) RETURN e.key AS key, e.owned AS owned ORDER BY e.key',
        { t, source },
      );
    },
    async putCrawlRun(run) {
      await cx.run(`MERGE (r:CrawlRun {tenant: $t, id: $id}) SET r.source = $source, r.startedAt = $startedAt, r.body = $body`, {
        t,
        id: run.id,
        source: run.source,
        startedAt: run.startedAt,
        body: JSON.stringify(run),
      });
    },
    async updateCrawlInventory(source, change) {
      for (let i = 0; i < change.put.length; i += 5000)
        await cx.run(`UNWIND $entries AS e MERGE (n:CrawlInventory {tenant: $t, source: $source, key: e.key}) SET n.owned = e.owned`, {
          t,
          source,
          entries: change.put.slice(i, i + 5000).map((e) => ({ key: e.key, owned: e.owned })),
        });
      for (let i = 0; i < change.remove.length; i += 5000)
        await cx.run(`UNWIND $keys AS k MATCH (n:CrawlInventory {tenant: $t, source: $source, key: k}) DELETE n`, {
          t,
          source,
          keys: change.remove.slice(i, i + 5000),
        });
    },
    async leaseCrawl(source, holder, untilMs, nowMs) {
      // MERGE under the (tenant, source) constraint takes the lease node's write lock first, so the
      // check below reads the committed state of a replica that raced us: two never both win.
      await cx.run('MERGE (l:CrawlLease {tenant: $t, source: $source}) ON CREATE SET l.holder = null, l.until = 0 SET l.touched = $now', {
        t,
        source,
        now: nowMs,
      });
      const [row] = await cx.run<{ n: number }>(
        `MATCH (l:CrawlLease {tenant: $t, source: $source})
        WHERE l.holder IS NULL OR l.holder = $holder OR l.until <= $now
        SET l.holder = $holder, l.until = $until RETURN count(l) AS n`,
        { t, source, holder, until: untilMs, now: nowMs },
      );
      return (row?.n ?? 0) > 0;
    },
    async releaseCrawl(source, holder) {
      await cx.run('MATCH (l:CrawlLease {tenant: $t, source: $source}) WHERE l.holder = $holder SET l.holder = null, l.until = 0', {
        t,
        source,
        holder,
      });
    },
  };
}
