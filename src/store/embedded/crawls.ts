import type { CrawlRunRecord } from '../../domain/crawls.js';
import { decodeCursor, encodeCursor, paged } from '../cursor.js';
import type { CrawlReader, CrawlWriter } from '../ports/index.js';
import type { Conn } from './conn.js';

const cursorOf = (r: CrawlRunRecord) => encodeCursor([r.startedAt, r.id]);

export function crawlOps(c: Conn): CrawlReader & CrawlWriter {
  const t = c.tenant;
  return {
    async crawlRuns(query, page) {
      const after = decodeCursor(page.after);
      const rows = c
        .stmt(
          `SELECT body FROM crawl_runs WHERE tenant = @t AND (@source IS NULL OR source = @source)
          AND (@afterAt IS NULL OR started_at < @afterAt OR (started_at = @afterAt AND id < @afterId))
          ORDER BY started_at DESC, id DESC LIMIT @limit`,
        )
        .all({
          t,
          source: query.source ?? null,
          afterAt: after?.length === 2 ? after[0] : null,
          afterId: after?.length === 2 ? after[1] : null,
          limit: page.first + 1,
        }) as { body: string }[];
      return paged(
        rows.map((r) => JSON.parse(r.body) as CrawlRunRecord),
        page,
        cursorOf,
      );
    },
    async crawlRun(id) {
      const row = c.stmt('SELECT body FROM crawl_runs WHERE tenant = ? AND id = ?').get(t, id) as { body: string } | undefined;
      return row ? (JSON.parse(row.body) as CrawlRunRecord) : null;
    },
    async crawlInventory(source) {
      const rows = c.stmt('SELECT key, owned FROM crawl_inventory WHERE tenant = ? AND source = ? ORDER BY key').all(t, source) as {
        key: string;
        owned: number;
      }[];
      return rows.map((r) => ({ key: r.key, owned: r.owned === 1 }));
    },
    async putCrawlRun(run) {
      c.stmt(
        `INSERT INTO crawl_runs (tenant, id, source, started_at, body) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (tenant, id) DO UPDATE SET body = excluded.body`,
      ).run(t, run.id, run.source, run.startedAt, JSON.stringify(run));
    },
    async updateCrawlInventory(source, change) {
      const put = c.stmt(
        `INSERT INTO crawl_inventory (tenant, source, key, owned) VALUES (?, ?, ?, ?)
        ON CONFLICT (tenant, source, key) DO UPDATE SET owned = excluded.owned`,
      );
      for (const e of change.put) put.run(t, source, e.key, e.owned ? 1 : 0);
      const remove = c.stmt('DELETE FROM crawl_inventory WHERE tenant = ? AND source = ? AND key = ?');
      for (const key of change.remove) remove.run(t, source, key);
    },
    // The embedded store runs one write transaction at a time: the read and the write below are atomic.
    async leaseCrawl(source, holder, untilMs, nowMs) {
      const row = c.stmt('SELECT holder, until_ms FROM crawl_leases WHERE tenant = ? AND source = ?').get(t, source) as
        { holder: string; until_ms: number } | undefined;
      if (row && row.holder !== holder && row.until_ms > nowMs) return false;
      c.stmt(
        `INSERT INTO crawl_leases (tenant, source, holder, until_ms) VALUES (?, ?, ?, ?)
        ON CONFLICT (tenant, source) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms`,
      ).run(t, source, holder, untilMs);
      return true;
    },
    async releaseCrawl(source, holder) {
      c.stmt('DELETE FROM crawl_leases WHERE tenant = ? AND source = ? AND holder = ?').run(t, source, holder);
    },
  };
}
