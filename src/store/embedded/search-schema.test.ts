// The embedded search file's layout: a file written by layout 1 (one scope token per FTS row,
// before 0.9) opens as layout 2 with every document, tombstone, generation and checkpoint kept.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { searchDoc } from '../../../test/contract/search-index.contract.js';
import { tempDir } from '../../../test/support/fixtures.js';
import { createEmbeddedSearchIndex } from './search-index.js';
import { LAYOUT } from './search-schema.js';

/** Layout 1 as released (the tables, and the insert trigger that feeds FTS). */
const LAYOUT_1 = `
  CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, generation INTEGER NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL,
    qualified_name TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, description TEXT,
    owners TEXT NOT NULL, tags TEXT NOT NULL, columns TEXT NOT NULL, classifications TEXT NOT NULL, effective TEXT NOT NULL,
    platform TEXT NOT NULL, database TEXT NOT NULL, has_open_incident INTEGER NOT NULL, updated_at TEXT NOT NULL,
    built_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, generation, id)
  );
  CREATE VIRTUAL TABLE docs_fts USING fts5(
    scope, name, qualified_name, description, columns, owners, tags,
    content='docs', content_rowid='rowid', tokenize="unicode61 remove_diacritics 2", prefix='1 2 3'
  );
  CREATE TRIGGER docs_ai AFTER INSERT ON docs WHEN new.deleted = 0 BEGIN
    INSERT INTO docs_fts (rowid, scope, name, qualified_name, description, columns, owners, tags)
    VALUES (new.rowid, new.scope, new.name, new.qualified_name, coalesce(new.description, ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_each(new.columns)), ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_each(new.owners)), ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), ''));
  END;
  CREATE TABLE generations (tenant TEXT PRIMARY KEY, live INTEGER NOT NULL, building INTEGER) WITHOUT ROWID;
  CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
`;

describe('embedded search layout', () => {
  it('migrates a layout-1 file in place: documents, tombstones, generations and checkpoints kept, searches and writes work', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'search.db');
    const old = new Database(path);
    old.exec(LAYOUT_1);
    const insert =
      old.prepare(`INSERT INTO docs (tenant, generation, id, scope, qualified_name, name, kind, description, owners, tags, columns,
      classifications, effective, platform, database, has_open_incident, updated_at, built_at, deleted)
      VALUES (?, ?, ?, ?, ?, ?, 'TABLE', ?, ?, '[]', '[]', '[]', ?, 'pg', 'pg://h/db', 0, '2026-01-01T00:00:00Z', 1, ?)`);
    const orders = searchDoc('pg://h/db.s.orders');
    const gone = searchDoc('pg://h/db.s.gone');
    const theirs = searchDoc('pg://h/db.s.orders_copy');
    const building = searchDoc('pg://h/db.s.orders_next');
    insert.run('a', 1, orders.id, 'sa1', orders.qualifiedName, 'orders', 'All orders', '["ann"]', '["PII"]', 0);
    insert.run('a', 1, gone.id, 'sa1', gone.qualifiedName, 'gone', null, '[]', '[]', 1);
    insert.run('b', 1, theirs.id, 'sb1', theirs.qualifiedName, 'orders_copy', 'orders again', '[]', '[]', 0);
    insert.run('b', 2, building.id, 'sb2', building.qualifiedName, 'orders_next', null, '[]', '[]', 0);
    old.exec(`INSERT INTO generations VALUES ('a', 1, NULL), ('b', 1, 2); INSERT INTO checkpoints VALUES ('outbox', 42);`);
    old.close();

    const index = createEmbeddedSearchIndex({ path, workers: 0 });
    try {
      const find = async (tenant: string, text: string) =>
        (await index.search(tenant, { text, first: 20, after: null, classifications: [] })).hits.map((h) => h.id);
      assert.deepEqual(await find('a', 'orders'), [orders.id]);
      assert.deepEqual(await find('a', 'ann'), [orders.id], 'owners are still words');
      assert.deepEqual(await find('a', 'gone'), [], 'a tombstone stays out of the text index');
      assert.deepEqual(await find('a', ''), [orders.id]);
      assert.deepEqual(await find('b', 'orders'), [theirs.id], 'each tenant its own, the building generation unseen');
      const page = await index.search('a', { text: 'orders', first: 1, after: null, classifications: ['PII'] });
      assert.equal(page.total, 1);
      assert.equal(await index.checkpoint('outbox'), 42);
      // The tombstone still refuses an older reading; a newer one comes back.
      await index.upsert('a', [{ ...gone, builtAt: 0 }]);
      assert.deepEqual(await find('a', 'gone'), []);
      await index.upsert('a', [{ ...gone, builtAt: 2 }]);
      assert.deepEqual(await find('a', 'gone'), [gone.id]);
      // The building generation survived as such: writes reach it, and committing it switches.
      const rebuild = await index.rebuild('b');
      await rebuild.add([theirs]);
      await rebuild.commit();
      assert.deepEqual(await find('b', 'orders'), [theirs.id]);
    } finally {
      await index.close();
    }
    const after = new Database(path, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), LAYOUT);
    assert.equal((after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE sql LIKE '%scope%'").get() as { n: number }).n, 0);
    after.close();
    dir.remove();
  });
});
