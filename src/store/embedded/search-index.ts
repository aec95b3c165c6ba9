// The embedded search index: SQLite FTS5 in its own file next to the embedded graph store.
//
// Documents live in `docs` (one row per tenant, generation and asset) with an external-content
// FTS5 table kept in step by triggers. A tenant's live generation is what searches read; a
// rebuild writes the next generation beside it and the commit switches `generations.live` in one
// transaction (the embedded "alias swap"). Every FTS row carries one `scope` token made of the
// tenant and the generation, and every query matches it: FTS5 intersects that posting list with
// the text's, so a query never leaves its tenant and never scans another tenant's rows.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { IndexPage, IndexQuery, SearchDocument, SearchIndex } from '../ports/index.js';

/** The FTS text of a JSON list of strings. */
const words = (column: string): string => `coalesce((SELECT group_concat(value, ' ') FROM json_each(${column})), '')`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, generation INTEGER NOT NULL, id TEXT NOT NULL, scope TEXT NOT NULL,
    qualified_name TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, description TEXT,
    owners TEXT NOT NULL, tags TEXT NOT NULL, columns TEXT NOT NULL, classifications TEXT NOT NULL, effective TEXT NOT NULL,
    platform TEXT NOT NULL, database TEXT NOT NULL, has_open_incident INTEGER NOT NULL, updated_at TEXT NOT NULL,
    built_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, generation, id)
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    scope, name, qualified_name, description, columns, owners, tags,
    content='docs', content_rowid='rowid', tokenize="unicode61 remove_diacritics 2", prefix='1 2 3'
  );
  CREATE TRIGGER IF NOT EXISTS docs_ai AFTER INSERT ON docs WHEN new.deleted = 0 BEGIN
    INSERT INTO docs_fts (rowid, scope, name, qualified_name, description, columns, owners, tags)
    VALUES (new.rowid, new.scope, new.name, new.qualified_name, coalesce(new.description, ''), ${words('new.columns')}, ${words('new.owners')}, ${words('new.tags')});
  END;
  CREATE TRIGGER IF NOT EXISTS docs_ad AFTER DELETE ON docs WHEN old.deleted = 0 BEGIN
    INSERT INTO docs_fts (docs_fts, rowid, scope, name, qualified_name, description, columns, owners, tags)
    VALUES ('delete', old.rowid, old.scope, old.name, old.qualified_name, coalesce(old.description, ''), ${words('old.columns')}, ${words('old.owners')}, ${words('old.tags')});
  END;
  -- One update trigger, old entry out first, then the new one in: with two triggers SQLite fires
  -- the later-created first, and the 'delete' would remove the entry just written.
  CREATE TRIGGER IF NOT EXISTS docs_au AFTER UPDATE ON docs BEGIN
    INSERT INTO docs_fts (docs_fts, rowid, scope, name, qualified_name, description, columns, owners, tags)
    SELECT 'delete', old.rowid, old.scope, old.name, old.qualified_name, coalesce(old.description, ''), ${words('old.columns')}, ${words('old.owners')}, ${words('old.tags')}
    WHERE old.deleted = 0;
    INSERT INTO docs_fts (rowid, scope, name, qualified_name, description, columns, owners, tags)
    SELECT new.rowid, new.scope, new.name, new.qualified_name, coalesce(new.description, ''), ${words('new.columns')}, ${words('new.owners')}, ${words('new.tags')}
    WHERE new.deleted = 0;
  END;
  CREATE TABLE IF NOT EXISTS generations (tenant TEXT PRIMARY KEY, live INTEGER NOT NULL, building INTEGER) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Weights of the FTS columns for bm25 (scope, name, qualified name, description, columns, owners, tags). */
const WEIGHTS = '0.0, 10.0, 4.0, 1.0, 3.0, 1.0, 2.0';
const MAX_OFFSET = 10_000;
const FACET_SIZE = 20;

const scopeOf = (tenant: string, generation: number): string =>
  `s${createHash('sha256').update(tenant).digest('hex').slice(0, 24)}g${generation}`;

/** Words of the user's text as an FTS5 expression: every word must match, the last one as a prefix (as you type). */
export function ftsExpression(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' AND ');
}

const OPEN = '\u0001';
const CLOSE = '\u0002';
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** FTS5 marks matches with control characters; the text is HTML-escaped and the marks become <em>. */
const toHtml = (marked: string): string => escapeHtml(marked).replaceAll(OPEN, '<em>').replaceAll(CLOSE, '</em>');

interface DocRow {
  id: string;
  name: string;
  score: number;
  h_name: string | null;
  h_qn: string | null;
  h_desc: string | null;
  h_columns: string | null;
  h_owners: string | null;
  h_tags: string | null;
}

export function createEmbeddedSearchIndex(options: { path: string }): SearchIndex {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  let closed = false;

  const generationsOf = db.prepare('SELECT live, building FROM generations WHERE tenant = ?');
  const createLive = db.prepare('INSERT OR IGNORE INTO generations (tenant, live, building) VALUES (?, 1, NULL)');
  const upsertDoc =
    db.prepare(`INSERT INTO docs (tenant, generation, id, scope, qualified_name, name, kind, description, owners, tags, columns, classifications, effective,
      platform, database, has_open_incident, updated_at, built_at, deleted)
    VALUES (@tenant, @generation, @id, @scope, @qualifiedName, @name, @kind, @description, @owners, @tags, @columns, @classifications, @effective,
      @platform, @database, @hasOpenIncident, @updatedAt, @builtAt, 0)
    ON CONFLICT (tenant, generation, id) DO UPDATE SET qualified_name = excluded.qualified_name, name = excluded.name, kind = excluded.kind,
      description = excluded.description, owners = excluded.owners, tags = excluded.tags, columns = excluded.columns,
      classifications = excluded.classifications, effective = excluded.effective, platform = excluded.platform, database = excluded.database,
      has_open_incident = excluded.has_open_incident, updated_at = excluded.updated_at, built_at = excluded.built_at, deleted = 0
    WHERE excluded.built_at >= docs.built_at`);
  // A deletion stays as a tombstone row (not in FTS) so that an older reading cannot bring the document back.
  const tombstone =
    db.prepare(`INSERT INTO docs (tenant, generation, id, scope, qualified_name, name, kind, description, owners, tags, columns, classifications, effective,
      platform, database, has_open_incident, updated_at, built_at, deleted)
    VALUES (@tenant, @generation, @id, @scope, '', '', '', NULL, '[]', '[]', '[]', '[]', '[]', '', '', 0, '', @at, 1)
    ON CONFLICT (tenant, generation, id) DO UPDATE SET deleted = 1, built_at = excluded.built_at WHERE excluded.built_at >= docs.built_at`);

  const assertOpen = () => {
    if (closed) throw new Error('search index is closed');
  };

  /** The generations a write must reach: the live one and, during a rebuild, the one being built. */
  function targets(tenant: string): number[] {
    createLive.run(tenant);
    const g = generationsOf.get(tenant) as { live: number; building: number | null };
    return g.building === null ? [g.live] : [g.live, g.building];
  }

  const write = db.transaction((tenant: string, docs: readonly SearchDocument[], generations: readonly number[]) => {
    for (const generation of generations) {
      const scope = scopeOf(tenant, generation);
      for (const d of docs) {
        upsertDoc.run({
          tenant,
          generation,
          scope,
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
        });
      }
    }
  });

  const remove = db.transaction((tenant: string, ids: readonly string[], at: number) => {
    for (const generation of targets(tenant)) {
      const scope = scopeOf(tenant, generation);
      for (const id of ids) tombstone.run({ tenant, generation, scope, id, at });
    }
  });

  function search(tenant: string, q: IndexQuery): IndexPage {
    const g = generationsOf.get(tenant) as { live: number } | undefined;
    if (!g) return { total: 0, hits: [], facets: [], endCursor: null, hasNextPage: false };
    const expression = ftsExpression(q.text);
    const scope = scopeOf(tenant, g.live);
    const params: Record<string, unknown> = {
      match: expression ? `scope:"${scope}" AND (${expression})` : `scope:"${scope}"`,
      tenant,
      generation: g.live,
    };
    const where = ['docs_fts MATCH @match', 'd.tenant = @tenant', 'd.generation = @generation', 'd.deleted = 0'];
    if (q.kinds?.length) {
      where.push('d.kind IN (SELECT value FROM json_each(@kinds))');
      params.kinds = JSON.stringify(q.kinds);
    }
    if (q.classifications?.length) {
      const column = q.classificationScope === 'DIRECT' ? 'd.classifications' : 'd.effective';
      where.push(`EXISTS (SELECT 1 FROM json_each(${column}) c WHERE c.value IN (SELECT value FROM json_each(@classifications)))`);
      params.classifications = JSON.stringify(q.classifications);
    }
    if (q.owners?.length) {
      where.push('EXISTS (SELECT 1 FROM json_each(d.owners) o WHERE o.value IN (SELECT value FROM json_each(@owners)))');
      params.owners = JSON.stringify(q.owners);
    }
    if (q.qualifiedNamePrefix) {
      where.push('substr(d.qualified_name, 1, length(@prefix)) = @prefix');
      params.prefix = q.qualifiedNamePrefix;
    }
    if (q.hasOpenIncident !== undefined) {
      where.push('d.has_open_incident = @incident');
      params.incident = q.hasOpenIncident ? 1 : 0;
    }
    const from = `FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE ${where.join(' AND ')}`;
    const offset = q.after === null ? 0 : Number.parseInt(Buffer.from(q.after, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new RangeError('bad cursor');
    params.exact = q.text.trim().toLowerCase();
    const h = (column: number) => `highlight(docs_fts, ${column}, '${OPEN}', '${CLOSE}')`;
    const rows = db
      .prepare(
        `SELECT d.id, d.name, -bm25(docs_fts, ${WEIGHTS}) + (CASE WHEN lower(d.name) = @exact THEN 100.0 ELSE 0.0 END) AS score,
        ${h(1)} AS h_name, ${h(2)} AS h_qn, ${expression ? `snippet(docs_fts, 3, '${OPEN}', '${CLOSE}', '…', 24)` : 'NULL'} AS h_desc, ${h(4)} AS h_columns, ${h(5)} AS h_owners, ${h(6)} AS h_tags
      ${from} ORDER BY score DESC, d.qualified_name LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: q.first, offset }) as DocRow[];
    // Facets are counted here in one pass over the matches: joined with json_each, SQLite may
    // evaluate the full-text match again for every row of the join (seconds on 100k documents).
    let total: number;
    let facets: IndexPage['facets'] = [];
    if (q.facets === false) {
      total = (db.prepare(`SELECT count(*) AS n ${from}`).get(params) as { n: number }).n;
    } else {
      const matched = db.prepare(`SELECT d.kind, d.effective, d.owners, d.database ${from}`).all(params) as {
        kind: string;
        effective: string;
        owners: string;
        database: string;
      }[];
      total = matched.length;
      const counts = {
        kind: new Map<string, number>(),
        classification: new Map<string, number>(),
        owner: new Map<string, number>(),
        database: new Map<string, number>(),
      };
      const bump = (m: Map<string, number>, v: string) => m.set(v, (m.get(v) ?? 0) + 1);
      for (const r of matched) {
        bump(counts.kind, r.kind);
        bump(counts.database, r.database);
        for (const c of JSON.parse(r.effective) as string[]) bump(counts.classification, c);
        for (const o of JSON.parse(r.owners) as string[]) bump(counts.owner, o);
      }
      facets = Object.entries(counts).map(([field, m]) => ({
        field,
        buckets: [...m]
          .map(([value, count]) => ({ value, count }))
          .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
          .slice(0, FACET_SIZE),
      }));
    }
    const end = offset + rows.length;
    const fields: [keyof DocRow, string][] = [
      ['h_name', 'name'],
      ['h_qn', 'qualifiedName'],
      ['h_desc', 'description'],
      ['h_columns', 'columns'],
      ['h_owners', 'owners'],
      ['h_tags', 'tags'],
    ];
    return {
      total,
      hits: rows.map((r) => ({
        id: r.id,
        score: Math.round(r.score * 1000) / 1000,
        highlights:
          expression && q.highlights !== false
            ? fields.flatMap(([column, field]) => {
                const marked = r[column];
                return typeof marked === 'string' && marked.includes(OPEN) ? [{ field, fragments: [toHtml(marked)] }] : [];
              })
            : [],
      })),
      facets,
      endCursor: rows.length > 0 ? Buffer.from(String(end)).toString('base64url') : null,
      hasNextPage: end < total,
    };
  }

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
      return search(tenant, query);
    },
    async rebuild(tenant) {
      assertOpen();
      const generation = db.transaction(() => {
        createLive.run(tenant);
        const g = generationsOf.get(tenant) as { live: number; building: number | null };
        const next = Math.max(g.live, g.building ?? 0) + 1;
        // A rebuild left behind by a crashed run is dropped: this one starts from scratch.
        if (g.building !== null) db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ?').run(tenant, g.building);
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
            db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ?').run(tenant, g.live);
          })();
          db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ? AND deleted = 1').run(tenant, generation);
        },
        async abort() {
          if (closed) return;
          db.transaction(() => {
            if (!building()) return;
            db.prepare('UPDATE generations SET building = NULL WHERE tenant = ?').run(tenant);
            db.prepare('DELETE FROM docs WHERE tenant = ? AND generation = ?').run(tenant, generation);
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
      // Committed writes are visible to the next query.
    },
    async ping() {
      assertOpen();
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
