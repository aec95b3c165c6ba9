// The outbox indexer under pushback: the index refuses twice (as Elasticsearch does with 429),
// indexing pauses, resumes, skips nothing, and a restart resumes from the saved checkpoint.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SearchIndexing } from '../services/search-indexing.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import { createEmbeddedSearchIndex } from '../store/embedded/search-index.js';
import { StoreError } from '../store/errors.js';
import type { SearchIndex } from '../store/ports/index.js';
import { assetRecord, qn, silentLog, tempDir, uniqueTenant } from '../../test/support/fixtures.js';
import { createOutboxIndexer } from './search-indexer.js';

describe('outbox search indexer', () => {
  it('pauses while the index pushes back, then indexes everything, and resumes from its checkpoint after a restart', async () => {
    const dir = tempDir();
    const store = createEmbeddedStore({ path: join(dir.path, 'metalake.db'), synchronous: 'normal' });
    const real = createEmbeddedSearchIndex({ path: join(dir.path, 'search.db') });
    let refusals = 2;
    let upserted = 0;
    const index: SearchIndex = {
      ...real,
      upsert: async (tenant, docs) => {
        if (refusals > 0) {
          refusals--;
          throw new StoreError('backpressure', '429');
        }
        upserted += docs.length;
        return real.upsert(tenant, docs);
      },
    };
    const t = uniqueTenant();
    const write = async (name: string) => {
      const a = assetRecord('TABLE', qn(name));
      await store.tenant(t).transaction(async (tx) => {
        await tx.writeAssets([a]);
        await tx.appendEvents([
          { type: 'asset.changed', eventId: a.id, tenant: t, at: a.createdAt, actor: 'test', change: 'CREATED', asset: a, version: 1 },
        ]);
      });
    };
    const paused: boolean[] = [];
    const start = () =>
      createOutboxIndexer({
        store,
        index,
        indexing: new SearchIndexing(store, index),
        log: silentLog,
        pollMs: 20,
        metrics: { indexed: () => {}, paused: (on) => paused.push(on) },
      });
    try {
      await write('alpha');
      await write('beta');
      let indexer = start();
      await indexer.start();
      await indexer.caughtUp();
      await indexer.stop();
      assert.deepEqual(paused, [true, false], 'paused once, resumed once');
      assert.equal((await real.search(t, { text: '', first: 10, after: null })).total, 2);
      const checkpoint = await real.checkpoint('outbox');
      assert.ok(checkpoint !== null && checkpoint >= 2);

      // Committed while no indexer ran: picked up from the checkpoint on the next start, and only it.
      await write('gamma');
      upserted = 0;
      indexer = start();
      await indexer.start();
      await indexer.caughtUp();
      await indexer.stop();
      assert.deepEqual((await real.search(t, { text: 'gamma', first: 10, after: null })).total, 1);
      assert.equal(upserted, 1, 'alpha and beta were not indexed again');
      assert.equal((await real.search(t, { text: '', first: 10, after: null })).total, 3);
    } finally {
      await real.close();
      await store.close();
      dir.remove();
    }
  });
});
