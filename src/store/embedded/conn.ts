// A tenant-bound view of one SQLite connection with a prepared-statement cache.
import type { Database, Statement } from 'better-sqlite3';

const caches = new WeakMap<Database, Map<string, Statement>>();

export interface Conn {
  readonly db: Database;
  readonly tenant: string;
  stmt(sql: string): Statement;
}

export function conn(db: Database, tenant: string): Conn {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const statements = cache;
  return {
    db,
    tenant,
    stmt(sql) {
      let s = statements.get(sql);
      if (!s) {
        s = db.prepare(sql);
        statements.set(sql, s);
      }
      return s;
    },
  };
}

/** Arrays travel as one JSON parameter, unpacked with json_each (no dynamic IN lists). */
export const list = (values: readonly string[]): string => JSON.stringify(values);

/**
 * The values of a JSON-array parameter as a table `l(v)`, to be the outer loop of a lookup:
 * `FROM ${driving('?')} CROSS JOIN assets a ON a.tenant = ? AND a.id = l.v`. CROSS JOIN pins the
 * order; written as `x IN (SELECT value FROM json_each(?))`, SQLite without statistics takes the
 * tenant prefix for selective and may scan the whole tenant instead of probing the index.
 */
export const driving = (param: string): string => `(SELECT DISTINCT value AS v FROM json_each(${param})) l`;
