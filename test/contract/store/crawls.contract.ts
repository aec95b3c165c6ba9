// The graph store contract, crawls (src/store/ports/crawls.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { CrawlRunRecord } from '../../../src/domain/crawls.js';
import { type StoreContract, page } from './context.js';
import { uniqueTenant } from '../../support/fixtures.js';

const runAt = (source: string, startedAt: string, status: CrawlRunRecord['status'] = 'SUCCEEDED'): CrawlRunRecord => ({
  id: randomUUID(),
  source,
  connector: 'postgres',
  trigger: 'CLI',
  status,
  startedAt,
  finishedAt: null,
  counts: { created: 1, updated: 2, deleted: 3, unchanged: 4 },
  errors: [],
});

export function crawlsContract(ctx: StoreContract): void {
  it('keeps crawl runs per tenant, newest first, pages them and filters by source', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const runs = [
      runAt('postgres://h:5432/a', '2026-01-01T00:00:01.000Z'),
      runAt('postgres://h:5432/b', '2026-01-01T00:00:02.000Z', 'FAILED'),
      runAt('postgres://h:5432/a', '2026-01-01T00:00:03.000Z', 'RUNNING'),
    ];
    await ctx.write(t, async (tx) => {
      for (const r of runs) await tx.putCrawlRun(r);
    });
    await ctx.write(other, (tx) => tx.putCrawlRun(runAt('postgres://h:5432/a', '2026-01-01T00:00:04.000Z')));
    const reader = ctx.store.tenant(t);
    const first = await reader.crawlRuns({}, page(2));
    assert.deepEqual(
      first.items.map((i) => i.node.id),
      [runs[2]!.id, runs[1]!.id],
    );
    assert.equal(first.hasNextPage, true);
    const rest = await reader.crawlRuns({}, page(2, first.items[1]!.cursor));
    assert.deepEqual(
      rest.items.map((i) => i.node.id),
      [runs[0]!.id],
    );
    assert.equal(rest.hasNextPage, false);
    const ofA = await reader.crawlRuns({ source: 'postgres://h:5432/a' }, page(10));
    assert.deepEqual(
      ofA.items.map((i) => i.node.status),
      ['RUNNING', 'SUCCEEDED'],
    );
    assert.deepEqual(await reader.crawlRun(runs[1]!.id), runs[1]);
    // An update replaces the record.
    await ctx.write(t, (tx) => tx.putCrawlRun({ ...runs[2]!, status: 'SUCCEEDED', finishedAt: '2026-01-01T00:01:00.000Z' }));
    assert.equal((await reader.crawlRun(runs[2]!.id))?.status, 'SUCCEEDED');
    assert.equal(await ctx.store.tenant(other).crawlRun(runs[0]!.id), null);
  });

  it('keeps each source’s inventory per tenant: entries are put, replaced and removed', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const source = 'postgres://h:5432/db';
    await ctx.write(t, (tx) =>
      tx.updateCrawlInventory(source, {
        put: [
          { key: 'b', owned: true },
          { key: 'a', owned: false },
          { key: 'c', owned: true },
        ],
        remove: [],
      }),
    );
    await ctx.write(t, (tx) => tx.updateCrawlInventory(source, { put: [{ key: 'a', owned: true }], remove: ['c', 'missing'] }));
    await ctx.write(t, (tx) => tx.updateCrawlInventory('dbt://other', { put: [{ key: 'x', owned: true }], remove: [] }));
    assert.deepEqual(await ctx.store.tenant(t).crawlInventory(source), [
      { key: 'a', owned: true },
      { key: 'b', owned: true },
    ]);
    assert.deepEqual(await ctx.store.tenant(other).crawlInventory(source), []);
  });

  it('leases a source to one holder at a time, until it expires or is released', async () => {
    const t = uniqueTenant();
    const source = 'postgres://h:5432/db';
    const lease = (holder: string, until: number, now: number) => {
      let won = false;
      return ctx
        .write(t, async (tx) => {
          won = await tx.leaseCrawl(source, holder, until, now);
        })
        .then(() => won);
    };
    assert.equal(await lease('a', 2_000, 1_000), true);
    assert.equal(await lease('b', 2_500, 1_500), false, 'a live lease of another holder');
    assert.equal(await lease('a', 3_000, 1_600), true, 'the holder renews');
    assert.equal(await lease('b', 4_000, 3_000), true, 'an expired lease is free');
    await ctx.write(t, (tx) => tx.releaseCrawl(source, 'a')); // not a's any more: nothing happens
    assert.equal(await lease('a', 4_500, 3_100), false);
    await ctx.write(t, (tx) => tx.releaseCrawl(source, 'b'));
    assert.equal(await lease('a', 5_000, 3_200), true, 'a released lease is free');
    // Of many replicas asking at once, exactly one wins.
    const other = 'postgres://h:5432/other';
    const wins = await Promise.all(
      ['r1', 'r2', 'r3', 'r4', 'r5'].map(async (holder) => {
        let won = false;
        await ctx.write(t, async (tx) => {
          won = await tx.leaseCrawl(other, holder, Date.now() + 60_000, Date.now());
        });
        return won;
      }),
    );
    assert.equal(wins.filter(Boolean).length, 1);
  });
}
