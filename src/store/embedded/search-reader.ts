// The read side of the embedded search index: one query against one SQLite connection (the
// writer's own, or a worker thread's read-only one, see search-pool.ts).
//
// FTS5 finds the matches and scores them (bm25) inside the tenant's rowid range; everything else
// a query does per match (filters, the exact-name boost, the order, facets, the total) runs on a
// column copy of the partition held in memory: typed arrays of interned codes, so that a query
// over 100,000 matches parses no JSON and crosses no SQL boundary per row. Only the page's rows
// come back from SQLite (ids and highlights). The copy catches up inside each query's read
// transaction on the rows written since (`version > seen`), so a search sees every committed write.
import type { Database, Statement } from 'better-sqlite3';
import type { IndexPage, IndexQuery } from '../ports/index.js';
import { FTS_COLUMNS, FTS_LIST, TOKENIZE, WEIGHTS, ftsValues, rangeOf } from './search-schema.js';

export const MAX_OFFSET = 10_000;
const FACET_SIZE = 20;
/** Documents held in column copies by one reader, over all tenants; the least recently searched go first. */
const CACHE_LIMIT = 5_000_000;
const EXACT_BOOST = 100;

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
/** The page's fields with highlights, in FTS column order (the description as a snippet). */
const HIGHLIGHTED: readonly string[] = ['name', 'qualifiedName', 'description', 'columns', 'owners', 'tags'];

/** One partition's columns: slot n is rowid lo + n. Strings and JSON lists are interned per partition. */
class Columns {
  readonly strings: string[] = [];
  private readonly codes = new Map<string, number>();
  readonly lists: number[][] = [];
  private readonly listCodes = new Map<string, number>();
  capacity = 0;
  /** Slots in use: one past the highest loaded n. */
  size = 0;
  live = new Uint8Array(0);
  incident = new Uint8Array(0);
  kind = new Int32Array(0);
  database = new Int32Array(0);
  owners = new Int32Array(0);
  direct = new Int32Array(0);
  effective = new Int32Array(0);
  qualifiedName: string[] = [];
  lowerName: string[] = [];
  /** The highest write version this copy has seen. */
  seen = 0;

  constructor(
    readonly tenant: string,
    readonly generation: number,
    readonly lo: number,
  ) {}

  code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.strings.length;
      this.strings.push(s);
      this.codes.set(s, c);
    }
    return c;
  }

  /** The code of a string this partition holds, or -1 (a query's values are looked up, never interned). */
  find(s: string): number {
    return this.codes.get(s) ?? -1;
  }

  list(json: string): number {
    let c = this.listCodes.get(json);
    if (c === undefined) {
      c = this.lists.length;
      this.lists.push([...new Set(JSON.parse(json) as string[])].map((s) => this.code(s)));
      this.listCodes.set(json, c);
    }
    return c;
  }

  private grow(n: number): void {
    if (n < this.capacity) return;
    const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(n + 1)));
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.live = u8(this.live);
    this.incident = u8(this.incident);
    this.kind = i32(this.kind);
    this.database = i32(this.database);
    this.owners = i32(this.owners);
    this.direct = i32(this.direct);
    this.effective = i32(this.effective);
    this.capacity = capacity;
  }

  /** Writes one docs row (as selected by ROW below) into its slot. */
  put(row: unknown[]): void {
    const n = (row[0] as number) - this.lo;
    this.grow(n);
    if (n >= this.size) this.size = n + 1;
    if (row[1] === 1) {
      this.live[n] = 0;
      this.qualifiedName[n] = '';
      this.lowerName[n] = '';
    } else {
      this.live[n] = 1;
      this.kind[n] = this.code(row[2] as string);
      this.database[n] = this.code(row[3] as string);
      this.owners[n] = this.list(row[4] as string);
      this.direct[n] = this.list(row[5] as string);
      this.effective[n] = this.list(row[6] as string);
      this.incident[n] = row[7] as number;
      this.qualifiedName[n] = row[8] as string;
      this.lowerName[n] = (row[9] as string).toLowerCase();
    }
    const version = row[10] as number;
    if (version > this.seen) this.seen = version;
  }
}

const ROW = 'rowid, deleted, kind, database, owners, classifications, effective, has_open_incident, qualified_name, name, version';

type Filter = (n: number) => boolean;

/** The query's filters as one predicate over slots, or null when it has none. */
function filterOf(q: IndexQuery, c: Columns): Filter | null {
  const tests: Filter[] = [];
  const codesOf = (values: readonly string[]) => new Set(values.map((v) => c.find(v)).filter((code) => code >= 0));
  /** Whether a list shares a value with `wanted`, memoised per interned list. */
  const anyOf = (values: readonly string[]) => {
    const wanted = codesOf(values);
    const memo = new Map<number, boolean>();
    return (list: number) => {
      let hit = memo.get(list);
      if (hit === undefined) {
        hit = c.lists[list]!.some((s) => wanted.has(s));
        memo.set(list, hit);
      }
      return hit;
    };
  };
  if (q.kinds?.length) {
    const kinds = codesOf(q.kinds);
    tests.push((n) => kinds.has(c.kind[n]!));
  }
  if (q.classifications?.length) {
    const matches = anyOf(q.classifications);
    const column = q.classificationScope === 'DIRECT' ? c.direct : c.effective;
    tests.push((n) => matches(column[n]!));
  }
  if (q.owners?.length) {
    const matches = anyOf(q.owners);
    tests.push((n) => matches(c.owners[n]!));
  }
  if (q.qualifiedNamePrefix) {
    const prefix = q.qualifiedNamePrefix;
    tests.push((n) => c.qualifiedName[n]!.startsWith(prefix));
  }
  if (q.hasOpenIncident !== undefined) {
    const want = q.hasOpenIncident ? 1 : 0;
    tests.push((n) => c.incident[n] === want);
  }
  if (tests.length === 0) return null;
  if (tests.length === 1) return tests[0]!;
  return (n) => tests.every((t) => t(n));
}

/** The best `k` slots by score (descending), then qualified name: a bounded heap whose root is the worst kept. */
class TopK {
  private readonly slots: number[] = [];
  private readonly scores: number[] = [];
  constructor(
    private readonly k: number,
    private readonly names: string[],
  ) {}

  /** Whether slot a (score sa) ranks after slot b (score sb). */
  private after(sa: number, a: number, sb: number, b: number): boolean {
    return sa < sb || (sa === sb && this.names[a]! > this.names[b]!);
  }

  add(n: number, score: number): void {
    const { slots, scores } = this;
    if (this.k === 0) return;
    if (slots.length < this.k) {
      slots.push(n);
      scores.push(score);
      this.up(slots.length - 1);
    } else if (this.after(scores[0]!, slots[0]!, score, n)) {
      slots[0] = n;
      scores[0] = score;
      this.down(0);
    }
  }

  private swap(i: number, j: number): void {
    const { slots, scores } = this;
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    [scores[i], scores[j]] = [scores[j]!, scores[i]!];
  }

  private up(i: number): void {
    const { slots, scores } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.after(scores[i]!, slots[i]!, scores[parent]!, slots[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const { slots, scores } = this;
    for (;;) {
      let worst = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < slots.length && this.after(scores[child]!, slots[child]!, scores[worst]!, slots[worst]!)) worst = child;
      }
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  /** The kept slots, best first. */
  sorted(): { n: number; score: number }[] {
    return this.slots
      .map((n, i) => ({ n, score: this.scores[i]! }))
      .sort((a, b) => (this.after(a.score, a.n, b.score, b.n) ? 1 : this.after(b.score, b.n, a.score, a.n) ? -1 : 0));
  }
}

/** Counts of the four facets, by interned value, then as the port's buckets. */
function facetsOf(c: Columns, matched: Int32Array, count: number): IndexPage['facets'] {
  const kind = new Map<number, number>();
  const database = new Map<number, number>();
  const ownerLists = new Map<number, number>();
  const classLists = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number, by = 1) => m.set(k, (m.get(k) ?? 0) + by);
  for (let i = 0; i < count; i++) {
    const n = matched[i]!;
    bump(kind, c.kind[n]!);
    bump(database, c.database[n]!);
    bump(ownerLists, c.owners[n]!);
    bump(classLists, c.effective[n]!);
  }
  /** Per value, from counts per list: every list adds its count to each of its values. */
  const expand = (lists: Map<number, number>) => {
    const m = new Map<number, number>();
    for (const [list, n] of lists) for (const s of c.lists[list]!) bump(m, s, n);
    return m;
  };
  const buckets = (m: Map<number, number>) =>
    [...m]
      .map(([code, count]) => ({ value: c.strings[code]!, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, FACET_SIZE);
  return [
    { field: 'kind', buckets: buckets(kind) },
    { field: 'classification', buckets: buckets(expand(classLists)) },
    { field: 'owner', buckets: buckets(expand(ownerLists)) },
    { field: 'database', buckets: buckets(database) },
  ];
}

export interface SearchReader {
  search(tenant: string, query: IndexQuery): IndexPage;
}

export function createSearchReader(db: Database, options: { cacheLimit?: number } = {}): SearchReader {
  const cacheLimit = options.cacheLimit ?? CACHE_LIMIT;
  const statements = new Map<string, Statement>();
  const stmt = (sql: string) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  /** Column copies by `tenant/generation`, least recently searched first. */
  const copies = new Map<string, Columns>();
  /** The predicate `metalake_passes(rowid)` applies: the running query's filters. */
  let passes: ((rowid: number) => boolean) | null = null;
  db.function('metalake_passes', { deterministic: false, directOnly: true }, (rowid) => (passes?.(rowid as number) ? 1 : 0));

  function columnsOf(tenant: string, generation: number, part: number): Columns {
    const key = `${generation}/${tenant}`;
    let c = copies.get(key);
    const { lo, hi } = rangeOf(part);
    // What this read transaction sees: every write up to it is in the copy once this returns.
    const version = (stmt("SELECT value FROM meta WHERE key = 'version'").get() as { value: number }).value;
    if (c) {
      copies.delete(key);
      // Every write since, of any tenant, by the version index; this partition's by their rowids.
      for (const row of stmt(`SELECT ${ROW} FROM docs INDEXED BY docs_version WHERE version > ? AND rowid BETWEEN ? AND ?`)
        .raw()
        .iterate(c.seen, lo, hi) as IterableIterator<unknown[]>)
        c.put(row);
    } else {
      c = new Columns(tenant, generation, lo);
      for (const row of stmt(`SELECT ${ROW} FROM docs WHERE rowid BETWEEN ? AND ?`).raw().iterate(lo, hi) as IterableIterator<unknown[]>)
        c.put(row);
      // The tenant's older generation is gone once this one is live.
      for (const [k, old] of copies) if (old.tenant === tenant) copies.delete(k);
    }
    // Seen up to the snapshot's version, whichever rows it touched: a quiet tenant's next catch-up
    // starts there, not at its own last write (which would rescan every other tenant's since).
    c.seen = Math.max(c.seen, version);
    copies.set(key, c);
    let held = 0;
    for (const copy of copies.values()) held += copy.size;
    for (const [k, old] of copies) {
      if (held <= cacheLimit || old === c) break;
      copies.delete(k);
      held -= old.size;
    }
    return c;
  }

  // The page's rows are highlighted in a temporary FTS table of their own: FTS5 seeks every term
  // of the query in the whole index per highlighted row (200 µs a row for words every document
  // has), and on 20 rows written aside it takes a tenth of that.
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.page_fts USING fts5(${FTS_COLUMNS.join(', ')}, tokenize="${TOKENIZE}")`);
  const marks = FTS_COLUMNS.map((_, i) =>
    i === 2 ? `snippet(page_fts, 2, '${OPEN}', '${CLOSE}', '…', 24)` : `highlight(page_fts, ${i}, '${OPEN}', '${CLOSE}')`,
  );
  /** The marked text of each FTS column of the page's rows, by rowid. */
  function highlightsOf(expression: string, rowids: string): Map<number, (string | null)[]> {
    stmt('DELETE FROM temp.page_fts').run();
    stmt(
      `INSERT INTO temp.page_fts (${FTS_LIST}) SELECT ${ftsValues('')} FROM main.docs WHERE rowid IN (SELECT value FROM json_each(?))`,
    ).run(rowids);
    const rows = stmt(`SELECT rowid, ${marks.join(', ')} FROM temp.page_fts WHERE page_fts MATCH ?`)
      .raw()
      .all(expression) as [number, ...(string | null)[]][];
    return new Map(rows.map(([rowid, ...marked]) => [rowid, marked]));
  }

  const empty: IndexPage = { total: 0, hits: [], facets: [], endCursor: null, hasNextPage: false };

  const search = db.transaction((tenant: string, q: IndexQuery): IndexPage => {
    const offset = q.after === null ? 0 : Number.parseInt(Buffer.from(q.after, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new RangeError('bad cursor');
    const g = stmt('SELECT live FROM generations WHERE tenant = ?').get(tenant) as { live: number } | undefined;
    if (!g) return empty;
    const p = stmt('SELECT part FROM partitions WHERE tenant = ? AND generation = ?').get(tenant, g.live) as { part: number } | undefined;
    if (!p) return empty;
    const c = columnsOf(tenant, g.live, p.part);
    const { lo, hi } = rangeOf(p.part);
    const filter = filterOf(q, c);
    const expression = ftsExpression(q.text);
    const exact = q.text.trim().toLowerCase();
    const top = new TopK(offset + q.first, c.qualifiedName);
    const wantFacets = q.facets !== false;
    let matched = new Int32Array(wantFacets ? 1024 : 0);
    let total = 0;
    const take = (n: number, score: number) => {
      if (wantFacets) {
        if (total === matched.length) {
          const grown = new Int32Array(matched.length * 2);
          grown.set(matched);
          matched = grown;
        }
        matched[total] = n;
      }
      total++;
      top.add(n, c.lowerName[n] === exact ? score + EXACT_BOOST : score);
    };
    if (expression) {
      // The filters run inside the FTS scan, before bm25 is computed for a row.
      passes = filter && ((rowid: number) => filter(rowid - lo));
      try {
        const sql = `SELECT rowid, -bm25(docs_fts, ${WEIGHTS}) FROM docs_fts WHERE docs_fts MATCH ? AND rowid BETWEEN ? AND ?${filter ? ' AND metalake_passes(rowid)' : ''}`;
        for (const [rowid, score] of stmt(sql).raw().all(expression, lo, hi) as [number, number][]) {
          const n = rowid - lo;
          if (c.live[n] === 1) take(n, score);
        }
      } finally {
        passes = null;
      }
    } else {
      for (let n = 0; n < c.size; n++) if (c.live[n] === 1 && (filter === null || filter(n))) take(n, 0);
    }
    const page = top.sorted().slice(offset, offset + q.first);
    const rowids = JSON.stringify(page.map(({ n }) => lo + n));
    const ids = new Map(
      stmt('SELECT rowid, id FROM docs WHERE rowid IN (SELECT value FROM json_each(?))').raw().all(rowids) as [number, string][],
    );
    const marks = expression !== null && q.highlights !== false ? highlightsOf(expression, rowids) : new Map<number, (string | null)[]>();
    const end = offset + page.length;
    return {
      total,
      hits: page.map(({ n, score }) => ({
        id: ids.get(lo + n)!,
        score: Math.round(score * 1000) / 1000,
        highlights: (marks.get(lo + n) ?? []).flatMap((m, i) =>
          typeof m === 'string' && m.includes(OPEN) ? [{ field: HIGHLIGHTED[i]!, fragments: [toHtml(m)] }] : [],
        ),
      })),
      facets: wantFacets ? facetsOf(c, matched, total) : [],
      endCursor: page.length > 0 ? Buffer.from(String(end)).toString('base64url') : null,
      hasNextPage: end < total,
    };
  });

  return { search: (tenant, query) => search(tenant, query) };
}
