// The embedded search index: SQLite FTS5 in its own file next to the embedded graph store.
//
// Documents live in `docs` (one row per tenant, generation and asset) with an external-content
// FTS5 table kept in step by triggers (the layout: search-schema.ts). A tenant's live generation
// is what searches read; a rebuild writes the next generation beside it and the commit switches
// `generations.live` in one transaction (the embedded "alias swap"). Every generation owns a rowid
// range, so a query never leaves its tenant and never reads another tenant's entries.
//
// Writes run here, on the caller's thread, in one connection. Searches run in worker threads with
// read-only connections of their own (search-pool.ts), so that a burst of queries never holds the
// event loop that answers everything else; `workers: 0` runs them here instead.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SearchDocument, SearchIndex } from '../ports/index.js';
import { createSearchPool } from './search-pool.js';
import { createSearchReader } from './search-reader.js';
import { openSchema, rangeOf } from './search-schema.js';

/** Searches in flight or waiting per worker before the index answers `backpressure`. */
const WAITING_PER_WORKER = 64;

export interface EmbeddedSearchOptions {
  path: string;
  /** Worker threads that answer searches (2 by default); 0 answers them on the caller's thread. */
  workers?: number;
}

export function createEmbeddedSearchIndex(options: EmbeddedSearchOptions): SearchIndex {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  openSchema(db);
  const workers = options.workers ?? 2;
  const pool = workers > 0 ? createSearchPool({ path: options.path, size: workers, maxWaiting: WAITING_PER_WORKER * workers }) : null;
  const reader = pool ? null : createSearchReader(db);
  let closed = false;

  const generationsOf = db.prepare('SELECT live, building FROM generations WHERE tenant = ?');
  const createLive = db.prepare('INSERT OR IGNORE INTO generations (tenant, live, building) VALUES (?, 1, NULL)');
  const partOf = db.prepare('SELECT part FROM partitions WHERE tenant = ? AND generation = ?');
  const nextPart = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'part' RETURNING value");
  const addPart = db.prepare('INSERT INTO partitions (tenant, generation, part) VALUES (?, ?, ?)');
  const nextVersion = db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value");
  const lastRowid = db.prepare('SELECT rowid FROM docs WHERE rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT 1').pluck();
  const upsertDoc = db
    .prepare(
      `INSERT INTO docs (rowid, tenant, generation, id, qualified_name, name, kind, description, owners, tags, columns, classifications, effective,
      platform, database, has_open_incident, updated_at, built_at, deleted, version)
    VALUES (@rowid, @tenant, @generation, @id, @qualifiedName, @name, @kind, @description, @owners, @tags, @columns, @classifications, @effective,
      @platform, @database, @hasOpenIncident, @updatedAt, @builtAt, 0, @version)
    ON CONFLICT (tenant, generation, id) DO UPDATE SET qualified_name = excluded.qualified_name, name = excluded.name, kind = excluded.kind,
      description = excluded.description, owners = excluded.owners, tags = excluded.tags, columns = excluded.columns,
      classifications = excluded.classifications, effective = excluded.effective, platform = excluded.platform, database = excluded.database,
      has_open_incident = excluded.has_open_incident, updated_at = excluded.updated_at, built_at = excluded.built_at, deleted = 0,
      version = excluded.version
    WHERE excluded.built_at >= docs.built_at
    RETURNING rowid`,
    )
    .pluck();
  // A deletion stays as a tombstone row (not in FTS) so that an older reading cannot bring the document back.
  const tombstone = db
    .prepare(
      `INSERT INTO docs (rowid, tenant, generation, id, qualified_name, name, kind, description, owners, tags, columns, classifications, effective,
      platform, database, has_open_incident, updated_at, built_at, deleted, version)
    VALUES (@rowid, @tenant, @generation, @id, '', '', '', NULL, '[]', '[]', '[]', '[]', '[]', '', '', 0, '', @at, 1, @version)
    ON CONFLICT (tenant, generation, id) DO UPDATE SET deleted = 1, built_at = excluded.built_at, version = excluded.version
    WHERE excluded.built_at >= docs.built_at
    RETURNING rowid`,
    )
    .pluck();

  const assertOpen = () => {
    if (closed) throw new Error('search index is closed');
  };

  /** The generations a write must reach: the live one and, during a rebuild, the one being built. */
  function targets(tenant: string): number[] {
    createLive.run(tenant);
    const g = generationsOf.get(tenant) as { live: number; building: number | null };
    return g.building === null ? [g.live] : [g.live, g.building];
  }

  /**
   * The rowids a write transaction gives out in one generation: a new document takes the next one
   * of the partition (made on its first write), an existing one keeps its own. Asked per row, by
   * `max(rowid)` over the range, this cost 40 µs an insert; here it is one seek per transaction.
   */
  function rowidsOf(tenant: string, generation: number): (write: (rowid: number) => number | undefined) => void {
    let p = partOf.get(tenant, generation) as { part: number } | undefined;
    if (!p) {
      p = { part: (nextPart.get() as { value: number }).value };
      addPart.run(tenant, generation, p.part);
    }
    const { lo, hi } = rangeOf(p.part);
    let next = ((lastRowid.get(lo, hi) as number | undefined) ?? lo - 1) + 1;
    return (write) => {
      if (next > hi) throw new Error(`search index partition ${p.part} is full: run \`metalake reindex\``);
      // The statement returns the rowid it inserted or updated (nothing when the reading was older).
      if (write(next) === next) next++;
    };
  }

  /** Deletes a generation's documents and its partition. */
  function dropGeneration(tenant: string, generation: number): void {
    db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ?').run(tenant, generation);
    db.prepare('DELETE FROM partitions WHERE tenant = ? AND generation = ?').run(tenant, generation);
  }

  const write = db.transaction((tenant: string, docs: readonly SearchDocument[], generations: readonly number[]) => {
    const version = (nextVersion.get() as { value: number }).value;
    for (const generation of generations) {
      const withRowid = rowidsOf(tenant, generation);
      for (const d of docs) {
        withRowid(
          (rowid) =>
            upsertDoc.get({
              rowid,
              version,
              tenant,
              generation,
              id: d.id,
              qualifiedName: d.qualifiedName,
              name: d.name,
              kind: d.kind,
              description: d.description,
              owners: JSON.stringify(d.owners),
              tags: JSON.stringify(d.tags),
              columns: JSON.stringify(d.columns),
              classifications: JSON.stringify(d.classifications),
              effective: JSON.stringify(d.effectiveClassifications),
              platform: d.platform,
              database: d.database,
              hasOpenIncident: d.hasOpenIncident ? 1 : 0,
              updatedAt: d.updatedAt,
              builtAt: d.builtAt,
            }) as number | undefined,
        );
      }
    }
  });

  const remove = db.transaction((tenant: string, ids: readonly string[], at: number) => {
    const version = (nextVersion.get() as { value: number }).value;
    for (const generation of targets(tenant)) {
      const withRowid = rowidsOf(tenant, generation);
      for (const id of ids) withRowid((rowid) => tombstone.get({ rowid, version, tenant, generation, id, at }) as number | undefined);
    }
  });

  return {
    kind: 'embedded',
    async upsert(tenant, docs) {
      assertOpen();
      if (docs.length === 0) return;
      write(tenant, docs, targets(tenant));
    },
    async remove(tenant, ids, at) {
      assertOpen();
      if (ids.length > 0) remove(tenant, ids, at);
    },
    async search(tenant, query) {
      assertOpen();
      return pool ? pool.search(tenant, query) : reader!.search(tenant, query);
    },
    async rebuild(tenant) {
      assertOpen();
      const generation = db.transaction(() => {
        createLive.run(tenant);
        const g = generationsOf.get(tenant) as { live: number; building: number | null };
        const next = Math.max(g.live, g.building ?? 0) + 1;
        // A rebuild left behind by a crashed run is dropped: this one starts from scratch.
        if (g.building !== null) dropGeneration(tenant, g.building);
        db.prepare('UPDATE generations SET building = ? WHERE tenant = ?').run(next, tenant);
        return next;
      })();
      const building = () => (generationsOf.get(tenant) as { building: number | null }).building === generation;
      return {
        async add(docs) {
          assertOpen();
          if (!building()) throw new Error('this rebuild was superseded by another one');
          if (docs.length > 0) write(tenant, docs, [generation]);
        },
        async commit() {
          assertOpen();
          db.transaction(() => {
            const g = generationsOf.get(tenant) as { live: number; building: number | null };
            if (g.building !== generation) throw new Error('this rebuild was superseded by another one');
            db.prepare('UPDATE generations SET live = ?, building = NULL WHERE tenant = ?').run(generation, tenant);
            dropGeneration(tenant, g.live);
          })();
          db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ? AND deleted = 1').run(tenant, generation);
        },
        async abort() {
          if (closed) return;
          db.transaction(() => {
            if (!building()) return;
            db.prepare('UPDATE generations SET building = NULL WHERE tenant = ?').run(tenant);
            dropGeneration(tenant, generation);
          })();
        },
      };
    },
    async checkpoint(name) {
      assertOpen();
      return (
        (db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(name) as { position: number } | undefined)?.position ?? null
      );
    },
    async saveCheckpoint(name, position) {
      assertOpen();
      db.prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      ).run(name, position);
    },
    async refresh() {
      // Committed writes are visible to the next query, on every connection.
    },
    async ping() {
      assertOpen();
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool?.close();
      db.close();
    },
  };
}
