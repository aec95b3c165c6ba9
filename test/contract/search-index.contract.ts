// The search index contract: the embedded FTS5 index and the Elasticsearch one pass exactly these tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { IndexQuery, SearchDocument, SearchIndex } from '../../src/store/ports/index.js';
import { uniqueTenant } from '../support/fixtures.js';

export interface SearchIndexFactory {
  name: string;
  open(): Promise<{ index: SearchIndex; close(): Promise<void> }>;
}

let clock = Date.now();
export function searchDoc(qualifiedName: string, extra: Partial<SearchDocument> = {}): SearchDocument {
  const [platform = ''] = qualifiedName.split('://');
  return {
    id: randomUUID(),
    qualifiedName,
    name: qualifiedName.split(/[./]/).pop()!,
    kind: 'TABLE',
    description: null,
    owners: [],
    tags: [],
    columns: [],
    classifications: [],
    effectiveClassifications: [],
    platform,
    database: qualifiedName.split('.')[0]!,
    hasOpenIncident: false,
    updatedAt: new Date().toISOString(),
    builtAt: clock++,
    ...extra,
  };
}

export function searchIndexContract(factory: SearchIndexFactory): void {
  describe(`search index contract: ${factory.name}`, () => {
    let opened: Awaited<ReturnType<SearchIndexFactory['open']>>;
    let index: SearchIndex;
    before(async () => {
      opened = await factory.open();
      index = opened.index;
    });
    after(async () => opened.close());

    const find = async (tenant: string, text: string, extra: Partial<IndexQuery> = {}) =>
      index.search(tenant, { text, first: 20, after: null, ...extra });
    const names = async (tenant: string, text: string, extra: Partial<IndexQuery> = {}) =>
      (await find(tenant, text, extra)).hits.map((h) => h.id);
    const load = async (tenant: string, docs: SearchDocument[]) => {
      await index.upsert(tenant, docs);
      await index.refresh(tenant);
    };

    it('ranks an exact name above mentions, matches as you type, and finds by columns, owners, tags and qualified names', async () => {
      const t = uniqueTenant();
      const orders = searchDoc('pg://h/shop.public.orders', {
        description: 'All orders of the shop',
        columns: ['order_id', 'customer_email'],
        owners: ['ann@acme.io'],
        tags: ['gold'],
      });
      const mention = searchDoc('pg://h/shop.public.invoices', { description: 'Invoices, joined with orders and payments' });
      const other = searchDoc('pg://h/shop.public.orderlines', { description: 'Lines' });
      await load(t, [mention, other, orders]);
      const hits = await names(t, 'orders');
      assert.equal(hits[0], orders.id, 'the exact name first');
      assert.ok(hits.includes(mention.id));
      assert.deepEqual(new Set(await names(t, 'Orde')), new Set([orders.id, other.id, mention.id]), 'a prefix matches as you type');
      assert.deepEqual(await names(t, 'customer_email'), [orders.id]);
      assert.deepEqual(await names(t, 'ann@acme.io'), [orders.id]);
      assert.deepEqual(await names(t, 'gold'), [orders.id]);
      assert.deepEqual(await names(t, 'invoices'), [mention.id]);
      assert.deepEqual(await names(t, 'no such thing'), []);
      const [hit] = (await find(t, 'orders')).hits;
      assert.ok((hit?.score ?? 0) > 0);
      assert.deepEqual(hit?.highlights.find((h) => h.field === 'name')?.fragments, ['<em>orders</em>']);
      // Highlights are HTML: the indexed text is escaped, only the marks are tags.
      const markup = searchDoc('pg://h/shop.public.markup', { description: 'shows <b>bold</b> payments & refunds' });
      await load(t, [markup]);
      const fragments =
        (await find(t, 'payments')).hits.find((h) => h.id === markup.id)?.highlights.find((h) => h.field === 'description')?.fragments ??
        [];
      assert.equal(fragments.length, 1);
      assert.match(fragments[0]!, /<em>payments<\/em>/);
      assert.doesNotMatch(fragments[0]!, /<b>/);
    });

    it('filters by kind, classification (direct or with propagated), owner, qualified-name prefix and open incident', async () => {
      const t = uniqueTenant();
      const a = searchDoc('pg://h/db1.s.customers', {
        classifications: ['PII'],
        effectiveClassifications: ['PII'],
        owners: ['ann'],
        hasOpenIncident: true,
      });
      const b = searchDoc('pg://h/db1.s.customers_copy', { effectiveClassifications: ['PII'], owners: ['bob'] });
      const c = searchDoc('pg://h/db2.s.customers_view', { kind: 'VIEW', owners: ['ann', 'bob'] });
      await load(t, [a, b, c]);
      const set = async (extra: Partial<IndexQuery>) => new Set(await names(t, 'customers', extra));
      assert.deepEqual(await set({ kinds: ['VIEW'] }), new Set([c.id]));
      assert.deepEqual(await set({ classifications: ['PII'] }), new Set([a.id, b.id]), 'direct and propagated by default');
      assert.deepEqual(await set({ classifications: ['PII'], classificationScope: 'DIRECT' }), new Set([a.id]));
      assert.deepEqual(await set({ owners: ['bob'] }), new Set([b.id, c.id]));
      assert.deepEqual(await set({ qualifiedNamePrefix: 'pg://h/db2.' }), new Set([c.id]));
      assert.deepEqual(await set({ hasOpenIncident: true }), new Set([a.id]));
      assert.deepEqual(await set({ hasOpenIncident: false }), new Set([b.id, c.id]));
      assert.deepEqual(new Set(await names(t, '', {})), new Set([a.id, b.id, c.id]), 'an empty query lists everything');
    });

    it('counts facets over everything the query matches', async () => {
      const t = uniqueTenant();
      await load(t, [
        searchDoc('pg://h/db1.s.sales', { effectiveClassifications: ['PII', 'GDPR'], owners: ['ann'] }),
        searchDoc('pg://h/db1.s.sales_eu', { effectiveClassifications: ['GDPR'], owners: ['ann', 'bob'] }),
        searchDoc('pg://h/db2.s.sales_view', { kind: 'VIEW' }),
        searchDoc('pg://h/db2.s.unrelated', { kind: 'VIEW', owners: ['zed'] }),
      ]);
      const page = await index.search(t, { text: 'sales', first: 1, after: null });
      assert.equal(page.total, 3);
      const facet = (field: string) =>
        Object.fromEntries(page.facets.find((f) => f.field === field)?.buckets.map((b) => [b.value, b.count]) ?? []);
      assert.deepEqual(facet('kind'), { TABLE: 2, VIEW: 1 });
      assert.deepEqual(facet('classification'), { GDPR: 2, PII: 1 });
      assert.deepEqual(facet('owner'), { ann: 2, bob: 1 });
      assert.deepEqual(facet('database'), { 'pg://h/db1': 2, 'pg://h/db2': 1 });
    });

    it('pages with cursors: every hit once, in order', async () => {
      const t = uniqueTenant();
      await load(
        t,
        Array.from({ length: 25 }, (_, i) =>
          searchDoc(`pg://h/db.s.metric_${String(i).padStart(2, '0')}`, { description: 'metric table' }),
        ),
      );
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await index.search(t, { text: 'metric', first: 10, after });
        seen.push(...page.hits.map((h) => h.id));
        pages++;
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      assert.equal(pages, 3);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
    });

    it('keeps tenants apart: the same names and ids in two tenants, each sees only its own', async () => {
      const [t1, t2] = [uniqueTenant(), uniqueTenant()];
      const mine = searchDoc('pg://h/db.s.secret_salaries', { owners: ['hr'] });
      await load(t1, [mine]);
      await load(t2, [{ ...mine, qualifiedName: 'pg://h/db.s.public_prices', name: 'public_prices', owners: [] }]);
      assert.deepEqual(await names(t2, 'salaries'), []);
      assert.deepEqual(await names(t2, 'hr'), []);
      assert.equal((await find(t2, '')).total, 1);
      assert.deepEqual(await names(t1, 'salaries'), [mine.id]);
      assert.deepEqual(await names(uniqueTenant(), ''), []);
    });

    it('never lets an older reading overwrite a newer one, nor bring a removed document back', async () => {
      const t = uniqueTenant();
      const d = searchDoc('pg://h/db.s.ledger', { description: 'fresh' });
      await load(t, [d]);
      await load(t, [{ ...d, description: 'stale', builtAt: d.builtAt - 10 }]);
      assert.deepEqual(await names(t, 'fresh'), [d.id]);
      assert.deepEqual(await names(t, 'stale'), []);
      await index.remove(t, [d.id], d.builtAt + 10);
      await index.refresh(t);
      assert.deepEqual(await names(t, 'ledger'), []);
      await load(t, [{ ...d, builtAt: d.builtAt + 5 }]);
      assert.deepEqual(await names(t, 'ledger'), [], 'read before the deletion');
      await load(t, [{ ...d, builtAt: d.builtAt + 20 }]);
      assert.deepEqual(await names(t, 'ledger'), [d.id], 'created again after it');
      // Rewritten with the same text (a classification changed): still found by its words.
      await load(t, [{ ...d, effectiveClassifications: ['PII'], builtAt: d.builtAt + 30 }]);
      assert.deepEqual(await names(t, 'ledger'), [d.id]);
      assert.deepEqual(await names(t, 'fresh', { classifications: ['PII'] }), [d.id]);
    });

    it('rebuilds beside the live index: searches keep answering, writes meanwhile reach both, commit switches', async () => {
      const t = uniqueTenant();
      const old = searchDoc('pg://h/db.s.legacy_customers');
      const kept = searchDoc('pg://h/db.s.customers');
      await load(t, [old, kept]);
      const rebuild = await index.rebuild(t);
      await rebuild.add([{ ...kept, description: 'rebuilt', builtAt: kept.builtAt + 1 }]);
      await index.refresh(t);
      assert.deepEqual(new Set(await names(t, 'customers')), new Set([old.id, kept.id]), 'the live index serves during the rebuild');
      // A change indexed while the rebuild runs must survive the switch.
      const added = searchDoc('pg://h/db.s.customers_new');
      await load(t, [added]);
      await rebuild.commit();
      await index.refresh(t);
      assert.deepEqual(
        new Set(await names(t, 'customers')),
        new Set([kept.id, added.id]),
        'after the switch: the rebuilt documents and the change made meanwhile',
      );
      assert.deepEqual(await names(t, 'rebuilt'), [kept.id]);

      const abandoned = await index.rebuild(t);
      await abandoned.add([searchDoc('pg://h/db.s.never_live')]);
      await abandoned.abort();
      await index.refresh(t);
      assert.deepEqual(await names(t, 'never_live'), []);
      assert.deepEqual(new Set(await names(t, 'customers')), new Set([kept.id, added.id]));
    });

    it('keeps an indexer checkpoint', async () => {
      const name = `test-${randomUUID()}`;
      assert.equal(await index.checkpoint(name), null);
      await index.saveCheckpoint(name, 41);
      await index.saveCheckpoint(name, 42);
      assert.equal(await index.checkpoint(name), 42);
    });
  });
}
