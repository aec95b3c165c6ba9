// The layout of the embedded search file (SQLite FTS5), shared by the writer (search-index.ts)
// and the readers (search-reader.ts, in worker threads).
//
// Layout 2:
// - `docs`: one row per tenant, generation and asset, with an external-content FTS5 table kept in
//   step by triggers. A deletion stays as a tombstone row (not in FTS) so that an older reading
//   cannot bring the document back.
// - `partitions`: every (tenant, generation) owns one range of rowids, `part × 2^32 + n`. FTS5
//   answers `rowid BETWEEN lo AND hi` by seeking its posting lists, so a query never reads
//   another tenant's entries, and a tenant's documents are contiguous in `docs`.
// - `version`: every write transaction takes the next `meta.version` and stamps the rows it
//   writes, so a reader that holds a copy of a partition's columns catches up on
//   `version > seen` (indexed: the writes since its last search, of any tenant) instead of
//   reading the partition again.
//
// Layout 1 (before 0.9: one `scope` token per FTS row, matched by every query) is migrated in
// place by `openSchema`, in one transaction.
import type { Database } from 'better-sqlite3';

export const LAYOUT = 2;
/** Rowids per partition: n runs from 0 to 2^32 − 1. Partition numbers stay below 2^21 (rowids below 2^53). */
export const PARTITION = 2 ** 32;
/** The FTS columns, in order; bm25 weights and highlight column numbers follow it. */
export const FTS_COLUMNS = ['name', 'qualified_name', 'description', 'columns', 'owners', 'tags'] as const;
/** Weights of the FTS columns for bm25, in FTS_COLUMNS order. */
export const WEIGHTS = '10.0, 4.0, 1.0, 3.0, 1.0, 2.0';

/** The FTS text of a JSON list of strings. */
const words = (column: string): string => `coalesce((SELECT group_concat(value, ' ') FROM json_each(${column})), '')`;
/** The FTS values of a docs row; `row` is `new.`, `old.` or '' (the table itself). */
export const ftsValues = (row: string): string =>
  `${row}rowid, ${row}name, ${row}qualified_name, coalesce(${row}description, ''), ${words(`${row}columns`)}, ${words(`${row}owners`)}, ${words(`${row}tags`)}`;
export const FTS_LIST = `rowid, ${FTS_COLUMNS.join(', ')}`;
/** How FTS text is split into words (the document index and the page highlighter alike). */
export const TOKENIZE = 'unicode61 remove_diacritics 2';

const DOCS = (table: string) => `
  CREATE TABLE IF NOT EXISTS ${table} (
    rowid INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, generation INTEGER NOT NULL, id TEXT NOT NULL,
    qualified_name TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, description TEXT,
    owners TEXT NOT NULL, tags TEXT NOT NULL, columns TEXT NOT NULL, classifications TEXT NOT NULL, effective TEXT NOT NULL,
    platform TEXT NOT NULL, database TEXT NOT NULL, has_open_incident INTEGER NOT NULL, updated_at TEXT NOT NULL,
    built_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, generation, id)
  )`;

const FTS_AND_TRIGGERS = `
  CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    ${FTS_COLUMNS.join(', ')},
    content='docs', content_rowid='rowid', tokenize="${TOKENIZE}", prefix='1 2 3'
  );
  CREATE TRIGGER IF NOT EXISTS docs_ai AFTER INSERT ON docs WHEN new.deleted = 0 BEGIN
    INSERT INTO docs_fts (${FTS_LIST}) VALUES (${ftsValues('new.')});
  END;
  CREATE TRIGGER IF NOT EXISTS docs_ad AFTER DELETE ON docs WHEN old.deleted = 0 BEGIN
    INSERT INTO docs_fts (docs_fts, ${FTS_LIST}) VALUES ('delete', ${ftsValues('old.')});
  END;
  -- One update trigger, old entry out first, then the new one in: with two triggers SQLite fires
  -- the later-created first, and the 'delete' would remove the entry just written.
  CREATE TRIGGER IF NOT EXISTS docs_au AFTER UPDATE ON docs BEGIN
    INSERT INTO docs_fts (docs_fts, ${FTS_LIST}) SELECT 'delete', ${ftsValues('old.')} WHERE old.deleted = 0;
    INSERT INTO docs_fts (${FTS_LIST}) SELECT ${ftsValues('new.')} WHERE new.deleted = 0;
  END;
  CREATE INDEX IF NOT EXISTS docs_version ON docs (version);
`;

const TABLES = `
  CREATE TABLE IF NOT EXISTS partitions (
    tenant TEXT NOT NULL, generation INTEGER NOT NULL, part INTEGER NOT NULL UNIQUE, PRIMARY KEY (tenant, generation)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT OR IGNORE INTO meta (key, value) VALUES ('version', 0), ('part', 0);
  CREATE TABLE IF NOT EXISTS generations (tenant TEXT PRIMARY KEY, live INTEGER NOT NULL, building INTEGER) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
`;

const COPIED = `id, qualified_name, name, kind, description, owners, tags, columns, classifications, effective,
  platform, database, has_open_incident, updated_at, built_at, deleted`;

/** Layout 1 to 2: the documents move into partitioned rowids (in their old order) and FTS is written again without the scope token. */
function migrateFromScopes(db: Database): void {
  db.exec(`
    DROP TRIGGER IF EXISTS docs_ai; DROP TRIGGER IF EXISTS docs_ad; DROP TRIGGER IF EXISTS docs_au;
    DROP TABLE IF EXISTS docs_fts;
    ${TABLES}
    INSERT INTO partitions (tenant, generation, part)
      SELECT tenant, generation, row_number() OVER (ORDER BY tenant, generation) FROM (SELECT DISTINCT tenant, generation FROM docs);
    UPDATE meta SET value = (SELECT count(*) FROM partitions) WHERE key = 'part';
    ${DOCS('docs_v2')};
    INSERT INTO docs_v2 (rowid, tenant, generation, ${COPIED}, version)
      SELECT p.part * ${PARTITION} + row_number() OVER (PARTITION BY d.tenant, d.generation ORDER BY d.rowid) - 1,
        d.tenant, d.generation, ${COPIED.replace(/(\w+)/g, 'd.$1')}, 0
      FROM docs d JOIN partitions p ON p.tenant = d.tenant AND p.generation = d.generation;
    DROP TABLE docs;
    ALTER TABLE docs_v2 RENAME TO docs;
    ${FTS_AND_TRIGGERS}
    INSERT INTO docs_fts (${FTS_LIST}) SELECT ${ftsValues('')} FROM docs WHERE deleted = 0;
  `);
}

/** Creates the layout, or brings an older one to it (one transaction); returns once the file is at LAYOUT. */
export function openSchema(db: Database): void {
  db.transaction(() => {
    const layout = db.pragma('user_version', { simple: true }) as number;
    if (layout === LAYOUT) return;
    if (layout > LAYOUT) throw new Error(`search index layout ${layout} is newer than this server (${LAYOUT}): upgrade metalake`);
    const hasDocs = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'docs'").get() !== undefined;
    if (hasDocs) migrateFromScopes(db);
    else db.exec(`${TABLES} ${DOCS('docs')}; ${FTS_AND_TRIGGERS}`);
    db.pragma(`user_version = ${LAYOUT}`);
  }).immediate();
}

/** The rowid range of a partition. */
export const rangeOf = (part: number): { lo: number; hi: number } => ({ lo: part * PARTITION, hi: part * PARTITION + PARTITION - 1 });
