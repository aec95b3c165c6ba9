// Search end to end: mutations through GraphQL, the indexer keeping the index fresh, and search
// answering through GraphQL. Run on the embedded index and on Elasticsearch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reindexTenant } from '../../src/services/reindex.js';
import { uniqueTenant } from '../support/fixtures.js';
import { type TestServer, startTestServer } from '../support/server.js';

interface Result {
  total: number;
  hits: { asset: { qualifiedName: string }; score: number; highlights: { field: string; fragments: string[] }[] }[];
  facets: { field: string; buckets: { value: string; count: number }[] }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const SEARCH = `query($q: String!, $f: SearchFilter, $first: Int, $after: String) { search(query: $q, filter: $f, first: $first, after: $after) {
  total hits { asset { qualifiedName } score highlights { field fragments } } facets { field buckets { value count } } pageInfo { hasNextPage endCursor } } }`;

export function searchSuite(label: string, env: () => Record<string, string>): void {
  describe(`search over GraphQL on the ${label} index`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(env());
    });
    after(async () => server.close());

    async function tenantWith(assets: Record<string, unknown>[], edges: { from: string; to: string }[] = []) {
      const t = uniqueTenant();
      const admin = server.http(await server.token(t, 'admin'));
      const up = await admin.request('mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', { i: assets });
      assert.deepEqual(up.errors, undefined);
      if (edges.length)
        assert.deepEqual(
          (await admin.request('mutation($e: [LineageEdgeInput!]!) { addLineage(edges: $e) { changed } }', { e: edges })).errors,
          undefined,
        );
      return { t, admin, viewer: server.http(await server.token(t, 'viewer')) };
    }

    /** Searches until `done` holds (the index is fresh within seconds), then returns the last result. */
    async function eventually(
      client: { request: <T>(q: string, v?: Record<string, unknown>) => Promise<{ data?: T | null; errors?: unknown }> },
      vars: Record<string, unknown>,
      done: (r: Result) => boolean,
    ): Promise<Result> {
      let last: Result | undefined;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
        const r = await client.request<{ search: Result }>(SEARCH, vars);
        assert.deepEqual(r.errors, undefined);
        last = r.data!.search;
        if (done(last)) return last;
        await new Promise((res) => setTimeout(res, 100));
      }
      return last!;
    }
    const qns = (r: Result) => r.hits.map((h) => h.asset.qualifiedName);

    it('ranks an exact name above a description that mentions it, and matches names as you type', async () => {
      const { viewer } = await tenantWith([
        { qualifiedName: 'pg://h/shop.public.payments_log', kind: 'TABLE', description: 'raw feed, joined into payments downstream' },
        { qualifiedName: 'pg://h/shop.public.payments', kind: 'TABLE', description: 'one row per payment' },
      ]);
      const r = await eventually(viewer, { q: 'payments' }, (x) => x.total === 2);
      assert.deepEqual(qns(r)[0], 'pg://h/shop.public.payments');
      assert.ok(r.hits[0]!.highlights.some((h) => h.field === 'name' && h.fragments.some((f) => f.includes('<em>'))));
      const typed = await eventually(viewer, { q: 'paym' }, (x) => x.total === 2);
      assert.equal(typed.total, 2);
    });

    it('counts facets right and filters by kind, owner and qualified-name prefix', async () => {
      const { viewer } = await tenantWith([
        { qualifiedName: 'pg://h/db1', kind: 'DATABASE' },
        { qualifiedName: 'pg://h/db1.s', kind: 'SCHEMA', parentQualifiedName: 'pg://h/db1' },
        { qualifiedName: 'pg://h/db1.s.revenue', kind: 'TABLE', owners: ['ann'], parentQualifiedName: 'pg://h/db1.s' },
        { qualifiedName: 'pg://h/db1.s.revenue_daily', kind: 'VIEW', owners: ['ann', 'bob'], parentQualifiedName: 'pg://h/db1.s' },
        { qualifiedName: 'looker://acme/revenue_board', kind: 'DASHBOARD', owners: ['bob'] },
      ]);
      const r = await eventually(viewer, { q: 'revenue' }, (x) => x.total === 3);
      const facet = (field: string) => Object.fromEntries(r.facets.find((f) => f.field === field)!.buckets.map((b) => [b.value, b.count]));
      assert.deepEqual(facet('kind'), { TABLE: 1, VIEW: 1, DASHBOARD: 1 });
      assert.deepEqual(facet('owner'), { ann: 2, bob: 2 });
      assert.deepEqual(facet('database'), { 'pg://h/db1': 2, 'looker://acme/revenue_board': 1 });
      assert.deepEqual(qns(await eventually(viewer, { q: 'revenue', f: { kinds: ['VIEW'] } }, () => true)), ['pg://h/db1.s.revenue_daily']);
      assert.deepEqual(
        new Set(qns(await eventually(viewer, { q: 'revenue', f: { owners: ['bob'] } }, () => true))),
        new Set(['pg://h/db1.s.revenue_daily', 'looker://acme/revenue_board']),
      );
      assert.deepEqual(
        new Set(qns(await eventually(viewer, { q: 'revenue', f: { qualifiedNamePrefix: 'pg://h/db1.' } }, () => true))),
        new Set(['pg://h/db1.s.revenue', 'pg://h/db1.s.revenue_daily']),
      );
      // Pages through all of them with the cursor.
      const first = await eventually(viewer, { q: 'revenue', first: 2 }, () => true);
      assert.equal(first.hits.length, 2);
      assert.equal(first.pageInfo.hasNextPage, true);
      const second = await eventually(viewer, { q: 'revenue', first: 2, after: first.pageInfo.endCursor }, () => true);
      assert.equal(second.hits.length, 1);
      assert.equal(new Set([...qns(first), ...qns(second)]).size, 3);
    });

    it('finds a table by its columns, and sees PII propagated downstream within seconds of classify', async () => {
      const { admin, viewer } = await tenantWith(
        [
          { qualifiedName: 'pg://h/crm.s.contacts', kind: 'TABLE' },
          { qualifiedName: 'pg://h/crm.s.contacts.email_address', kind: 'COLUMN', parentQualifiedName: 'pg://h/crm.s.contacts' },
          { qualifiedName: 'pg://h/crm.s.contacts_clean', kind: 'TABLE' },
          { qualifiedName: 'pg://h/crm.s.contacts_report', kind: 'TABLE' },
        ],
        [
          { from: 'pg://h/crm.s.contacts', to: 'pg://h/crm.s.contacts_clean' },
          { from: 'pg://h/crm.s.contacts_clean', to: 'pg://h/crm.s.contacts_report' },
        ],
      );
      const byColumn = await eventually(viewer, { q: 'email_address', f: { kinds: ['TABLE'] } }, (x) => x.total === 1);
      assert.deepEqual(qns(byColumn), ['pg://h/crm.s.contacts']);
      await admin.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
      await admin.request('mutation { classify(qualifiedName: "pg://h/crm.s.contacts", classification: "PII") { added } }');
      const pii = await eventually(viewer, { q: 'contacts', f: { classifications: ['PII'] } }, (x) => x.total === 3);
      assert.deepEqual(
        new Set(qns(pii)),
        new Set(['pg://h/crm.s.contacts', 'pg://h/crm.s.contacts_clean', 'pg://h/crm.s.contacts_report']),
      );
      const direct = await eventually(
        viewer,
        { q: 'contacts', f: { classifications: ['PII'], includePropagated: false } },
        (x) => x.total === 1,
      );
      assert.deepEqual(qns(direct), ['pg://h/crm.s.contacts']);
      await admin.request('mutation { declassify(qualifiedName: "pg://h/crm.s.contacts", classification: "PII") { removed } }');
      assert.equal((await eventually(viewer, { q: 'contacts', f: { classifications: ['PII'] } }, (x) => x.total === 0)).total, 0);
    });

    it('never shows one tenant another tenant’s assets', async () => {
      const hr = await tenantWith([{ qualifiedName: 'pg://h/hr.s.salaries', kind: 'TABLE', description: 'confidential salaries' }]);
      const { viewer } = await tenantWith([{ qualifiedName: 'pg://h/shop.s.prices', kind: 'TABLE' }]);
      // The controls: each tenant finds its own document, so both are in the index when the other looks.
      assert.deepEqual(qns(await eventually(hr.viewer, { q: 'salaries' }, (x) => x.total === 1)), ['pg://h/hr.s.salaries']);
      await eventually(viewer, { q: 'prices' }, (x) => x.total === 1);
      const r = await eventually(viewer, { q: 'salaries' }, () => true);
      assert.equal(r.total, 0);
      const all = await eventually(viewer, { q: '' }, () => true);
      assert.deepEqual(qns(all), ['pg://h/shop.s.prices']);
      assert.deepEqual(qns(await eventually(hr.viewer, { q: 'prices' }, () => true)), []);
      assert.deepEqual(qns(await eventually(hr.viewer, { q: '' }, () => true)), ['pg://h/hr.s.salaries']);
    });

    it('keeps answering during a reindex, and loses nothing changed while it runs', async () => {
      const assets = Array.from({ length: 30 }, (_, i) => ({
        qualifiedName: `pg://h/wh.s.ledger_${String(i).padStart(2, '0')}`,
        kind: 'TABLE',
      }));
      const { t, admin, viewer } = await tenantWith(assets);
      await eventually(viewer, { q: 'ledger', first: 50 }, (x) => x.total === 30);
      const during: number[] = [];
      let added = false;
      await reindexTenant(
        server.app.store,
        server.app.search,
        t,
        async () => {
          const r = await viewer.request<{ search: Result }>(SEARCH, { q: 'ledger', first: 50 });
          during.push(r.data?.search.total ?? -1);
          if (!added) {
            added = true;
            await admin.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://h/wh.s.ledger_new", kind: TABLE }]) { created } }');
            await server.app.flushEvents();
            await server.app.flushSearch();
            await server.app.search.refresh(t);
          }
        },
        7,
      );
      assert.ok(during.length >= 4, 'several pages');
      assert.ok(
        during.every((n) => n >= 30),
        `searches kept answering during the rebuild: ${during.join(', ')}`,
      );
      const r = await eventually(viewer, { q: 'ledger', first: 50 }, (x) => x.total === 31);
      assert.equal(r.total, 31);
      assert.ok(qns(r).includes('pg://h/wh.s.ledger_new'));
    });
  });
}
