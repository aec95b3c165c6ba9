// The embedded search workers: a bounded pool (backpressure past its bound, answers again below
// it), a worker that dies fails only its own queries and is replaced, and the reader's column
// copies stay exact across eviction, deletions and rowids reused after a rebuild's purge.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { searchDoc } from '../../../test/contract/search-index.contract.js';
import { tempDir, uniqueTenant } from '../../../test/support/fixtures.js';
import { StoreError } from '../errors.js';
import type { IndexQuery } from '../ports/index.js';
import { createEmbeddedSearchIndex } from './search-index.js';
import { createSearchPool } from './search-pool.js';
import { createSearchReader } from './search-reader.js';

const query = (text: string, extra: Partial<IndexQuery> = {}): IndexQuery => ({ text, first: 20, after: null, ...extra });

async function withIndex(run: (path: string, tenant: string) => Promise<void>) {
  const dir = tempDir();
  const path = join(dir.path, 'search.db');
  const index = createEmbeddedSearchIndex({ path, workers: 0 });
  const tenant = uniqueTenant();
  try {
    await index.upsert(tenant, [searchDoc('pg://h/db.s.orders'), searchDoc('pg://h/db.s.customers')]);
    await run(path, tenant);
  } finally {
    await index.close();
    dir.remove();
  }
}

describe('embedded search pool', () => {
  it('answers backpressure past its bound, at once, and answers again once the queries in flight are done', async () => {
    await withIndex(async (path, tenant) => {
      const pool = createSearchPool({ path, size: 1, maxWaiting: 2 });
      try {
        const accepted = [pool.search(tenant, query('orders')), pool.search(tenant, query('customers'))];
        await assert.rejects(pool.search(tenant, query('orders')), (e: unknown) => e instanceof StoreError && e.failure === 'backpressure');
        // Positive control: the two accepted ones are answered, and the pool takes queries again.
        const [orders, customers] = await Promise.all(accepted);
        assert.equal(orders!.total, 1);
        assert.equal(customers!.total, 1);
        assert.equal((await pool.search(tenant, query(''))).total, 2);
      } finally {
        await pool.close();
      }
    });
  });

  it('keeps a bad cursor a RangeError across the thread boundary', async () => {
    await withIndex(async (path, tenant) => {
      const pool = createSearchPool({ path, size: 1, maxWaiting: 4 });
      try {
        await assert.rejects(pool.search(tenant, query('orders', { after: Buffer.from('99999999').toString('base64url') })), RangeError);
      } finally {
        await pool.close();
      }
    });
  });

  it('fails only the queries of a worker that dies, and replaces it', async () => {
    await withIndex(async (path, tenant) => {
      // The real worker, with one fault injected: a query for the tenant `crash` ends its thread.
      const real = new URL('./search-worker.js', import.meta.url).href;
      const data = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;
      // Evaluated first, so that its listener sees a message before the worker's own does.
      const fault = data(`import { parentPort } from 'node:worker_threads';
        parentPort.on('message', (m) => { if (m.tenant === 'crash') process.exit(7); });`);
      const script = new URL(data(`import ${JSON.stringify(fault)}; import ${JSON.stringify(real)};`));
      const pool = createSearchPool({ path, size: 2, maxWaiting: 8, script });
      try {
        // Two queries in flight at once, one per worker (each goes to the least busy, starting it).
        const healthy = pool.search(tenant, query('customers'));
        const crashing = pool.search('crash', query('orders'));
        assert.equal(pool.running, 2);
        await assert.rejects(crashing, (e: unknown) => e instanceof StoreError && e.failure === 'unavailable');
        assert.equal((await healthy).total, 1, 'the other worker answers its query');
        assert.equal(pool.running, 1, 'the dead worker is gone');
        assert.equal((await pool.search(tenant, query('orders'))).total, 1);
        const again = await Promise.all([pool.search(tenant, query('orders')), pool.search(tenant, query('customers'))]);
        assert.deepEqual(
          again.map((p) => p.total),
          [1, 1],
        );
        assert.equal(pool.running, 2, 'a new worker took its place');
      } finally {
        await pool.close();
      }
    });
  });
});

describe('embedded search reader', () => {
  it('stays exact when column copies are evicted, documents deleted and rowids reused after a rebuild', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'search.db');
    const index = createEmbeddedSearchIndex({ path, workers: 0 });
    // A reader that holds one document's copy at most: every other tenant's search evicts.
    const db = new Database(path, { readonly: true });
    const reader = createSearchReader(db, { cacheLimit: 1 });
    const [a, b] = [uniqueTenant(), uniqueTenant()];
    const ids = (tenant: string, text: string, extra: Partial<IndexQuery> = {}) =>
      reader
        .search(tenant, query(text, extra))
        .hits.map((h) => h.id)
        .sort();
    try {
      const [a1, a2] = [searchDoc('pg://h/db.s.orders', { owners: ['ann'] }), searchDoc('pg://h/db.s.orders_eu')];
      const b1 = searchDoc('pg://h/db.s.orders_us', { owners: ['ann'] });
      await index.upsert(a, [a1, a2]);
      await index.upsert(b, [b1]);
      assert.deepEqual(ids(a, 'orders'), [a1.id, a2.id].sort());
      assert.deepEqual(ids(b, 'orders', { owners: ['ann'] }), [b1.id]);
      // Written after the copies were made: caught up on the next search of each tenant.
      await index.upsert(a, [{ ...a2, owners: ['ann'], builtAt: a2.builtAt + 1 }]);
      await index.remove(a, [a1.id], a1.builtAt + 1);
      assert.deepEqual(ids(a, 'orders', { owners: ['ann'] }), [a2.id]);
      assert.deepEqual(ids(b, 'orders', { owners: ['ann'] }), [b1.id]);
      // A rebuild purges its tombstones after the switch: a new document may take a purged rowid.
      const rebuild = await index.rebuild(a);
      await rebuild.add([{ ...a2, owners: ['ann'], builtAt: a2.builtAt + 2 }]);
      const late = searchDoc('pg://h/db.s.late');
      await index.remove(a, [late.id], late.builtAt - 1);
      await rebuild.commit();
      assert.deepEqual(ids(a, ''), [a2.id]);
      await index.upsert(a, [late]);
      assert.deepEqual(ids(a, ''), [a2.id, late.id].sort());
      const page = reader.search(a, query('', { first: 1 }));
      assert.deepEqual(
        page.facets.find((f) => f.field === 'owner')?.buckets,
        [{ value: 'ann', count: 1 }],
        'facets count the current documents only',
      );
    } finally {
      db.close();
      await index.close();
      dir.remove();
    }
  });
});
