// The PostgreSQL connector: reads one database from its system catalogs (pg_namespace, pg_class,
// pg_attribute, pg_constraint, pg_depend), not a generic JDBC guess. Databases, schemas, tables
// (partitioned ones included, their partitions folded into them), views, materialized views and
// foreign tables, with comments as descriptions, the owning role, row estimates and sizes; columns
// with their data type, nullability, default, ordinal, and key membership; primary and foreign
// keys as attributes; and view lineage from the dependency records of the views' rewrite rules.
//
// Names match the other producers: `postgres://host:port/db.schema.table` (host and port as given
// in the URL, 5432 when it names none), exactly what an OpenLineage event names with namespace
// `postgres://host:port` and name `db.schema.table`.
import picomatch from 'picomatch';
import pg from 'pg';
import type { AssetInput } from '../../domain/commands.js';
import { type Connector, type ReadProgress, type Snapshot, type SourceEdge, SourceError } from './crawl.js';

export interface PostgresOptions {
  /** `postgres://user[:password]@host[:port]/database`; a password may come from `password` instead. */
  url: string;
  password?: string | undefined;
  /** Globs on schema names, or on `schema.table` for tables; an exclude wins over an include. */
  include?: { schemas?: readonly string[] | undefined; tables?: readonly string[] | undefined } | undefined;
  exclude?: { schemas?: readonly string[] | undefined; tables?: readonly string[] | undefined } | undefined;
  /** Milliseconds to wait for the connection and for each catalog query. */
  timeoutMs?: number | undefined;
}

const RELKINDS: Record<string, { kind: 'TABLE' | 'VIEW'; type: string }> = {
  r: { kind: 'TABLE', type: 'table' },
  p: { kind: 'TABLE', type: 'partitioned table' },
  f: { kind: 'TABLE', type: 'foreign table' },
  v: { kind: 'VIEW', type: 'view' },
  m: { kind: 'VIEW', type: 'materialized view' },
};

/** The attributes this connector writes (a dbt project's `dbt` key, a user's own keys stay as they are). */
const ATTRIBUTE_KEYS = [
  'platform',
  'owner',
  'encoding',
  'serverVersion',
  'type',
  'rowEstimate',
  'bytes',
  'primaryKey',
  'foreignKeys',
  'uniqueKeys',
  'materialized',
  'dataType',
  'nullable',
  'ordinal',
  'default',
  'generated',
  'identity',
  'references',
];

/** `postgres://user@Host:5432/db?…` → `{ base: 'postgres://host:5432', database: 'db' }`. */
export function postgresSource(url: string): { base: string; database: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError('SOURCE_INVALID', `not a PostgreSQL URL: ${redact(url)}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new SourceError('SOURCE_INVALID', `not a PostgreSQL URL (postgres://user@host:port/database): ${redact(url)}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !database) throw new SourceError('SOURCE_INVALID', `the URL must name a host and a database: ${redact(url)}`);
  return { base: `postgres://${parsed.hostname.toLowerCase()}:${parsed.port || '5432'}`, database };
}

/** The URL without its password (errors and logs never show one). */
export const redact = (url: string): string => url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');

interface Matchers {
  schema: (name: string) => boolean;
  table: (schema: string, table: string) => boolean;
}

function matchers(options: PostgresOptions): Matchers {
  const any = (globs: readonly string[] | undefined, fallback: boolean) => {
    if (!globs || globs.length === 0) return () => fallback;
    const m = picomatch([...globs], { dot: true });
    return (s: string) => m(s);
  };
  const includeSchema = any(options.include?.schemas, true);
  const excludeSchema = any(options.exclude?.schemas, false);
  const includeTable = any(options.include?.tables, true);
  const excludeTable = any(options.exclude?.tables, false);
  return {
    schema: (name) => includeSchema(name) && !excludeSchema(name),
    table: (schema, table) => includeTable(`${schema}.${table}`) && !excludeTable(`${schema}.${table}`),
  };
}

/** A pg error as a source error that names the problem. */
function sourceError(error: unknown, url: string): SourceError {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  switch (e.code ?? '') {
    case '28P01':
    case '28000':
      return new SourceError('SOURCE_AUTH', `${redact(url)}: authentication failed (${message})`);
    case '3D000':
      return new SourceError('SOURCE_UNREACHABLE', `${redact(url)}: ${message}`);
    case '42501':
      return new SourceError('SOURCE_READ', `${redact(url)}: permission denied reading the catalog (${message})`);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return new SourceError('SOURCE_UNREACHABLE', `${redact(url)}: cannot connect (${e.code}: ${message})`);
    default:
      if (/timeout/i.test(message)) return new SourceError('SOURCE_UNREACHABLE', `${redact(url)}: ${message}`);
      return new SourceError('SOURCE_READ', `${redact(url)}: ${message}`);
  }
}

interface RelationRow {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  description: string | null;
  owner: string;
  reltuples: number;
  bytes: string | null;
}
interface ColumnRow {
  relid: number;
  name: string;
  ordinal: number;
  data_type: string;
  not_null: boolean;
  default_value: string | null;
  generated: string;
  identity: string;
  description: string | null;
}
interface ConstraintRow {
  relid: number;
  name: string;
  type: 'p' | 'f' | 'u';
  columns: number[];
  foreign_relid: number | null;
  foreign_columns: number[] | null;
}
interface DependencyRow {
  view_oid: number;
  source_oid: number;
  source_column: number;
}

export function postgresConnector(options: PostgresOptions): Connector {
  const { base, database } = postgresSource(options.url);
  const source = `${base}/${database}`;
  const match = matchers(options);
  return {
    type: 'postgres',
    source,
    attributeKeys: ATTRIBUTE_KEYS,
    async read(progress: ReadProgress): Promise<Snapshot> {
      const timeout = options.timeoutMs ?? 30_000;
      // A password given apart goes into the URL: pg lets the URL's (empty) password win over a separate one.
      const url = new URL(options.url);
      if (options.password !== undefined) url.password = encodeURIComponent(options.password);
      const client = new pg.Client({
        connectionString: url.toString(),
        connectionTimeoutMillis: timeout,
        statement_timeout: timeout,
        application_name: 'metalake-crawler',
      });
      client.on('error', () => undefined); // a dropped connection fails the pending query, which reports it
      try {
        await client.connect();
      } catch (error) {
        throw sourceError(error, options.url);
      }
      try {
        // One snapshot of the catalog for every query below.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await readCatalog(client, { database, source, match, progress });
      } catch (error) {
        throw error instanceof SourceError ? error : sourceError(error, options.url);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

async function readCatalog(
  client: pg.Client,
  { database, source, match, progress }: { database: string; source: string; match: Matchers; progress: ReadProgress },
): Promise<Snapshot> {
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await client.query<R>(sql, params)).rows;
  const [db] = await q<{ description: string | null; owner: string; encoding: string; version: string }>(
    `SELECT shobj_description(d.oid, 'pg_database') AS description, pg_get_userbyid(d.datdba) AS owner,
      pg_encoding_to_char(d.encoding) AS encoding, current_setting('server_version') AS version
    FROM pg_database d WHERE d.datname = current_database()`,
  );
  const assets: AssetInput[] = [];
  assets.push({
    qualifiedName: source,
    kind: 'DATABASE',
    name: database,
    ...(db?.description ? { description: db.description } : {}),
    attributes: { platform: 'postgres', owner: db?.owner ?? null, encoding: db?.encoding ?? null, serverVersion: db?.version ?? null },
  });

  const schemas = (
    await q<{ oid: number; name: string; description: string | null; owner: string }>(
      `SELECT n.oid::int AS oid, n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS description, pg_get_userbyid(n.nspowner) AS owner
      FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      ORDER BY n.nspname`,
    )
  ).filter((s) => match.schema(s.name));
  progress('read', 1, 4);
  for (const s of schemas)
    assets.push({
      qualifiedName: `${source}.${s.name}`,
      kind: 'SCHEMA',
      name: s.name,
      ...(s.description ? { description: s.description } : {}),
      attributes: { owner: s.owner },
      parentQualifiedName: source,
    });

  const relations = (
    await q<RelationRow>(
      `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
        obj_description(c.oid, 'pg_class') AS description, pg_get_userbyid(c.relowner) AS owner,
        c.reltuples::float8 AS reltuples,
        CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid)::text END AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition AND n.oid = ANY($1::oid[])
      ORDER BY n.nspname, c.relname`,
      [schemas.map((s) => s.oid)],
    )
  ).filter((r) => match.table(r.schema, r.name));
  progress('read', 2, 4);
  const relIds = relations.map((r) => r.oid);
  const qnOf = new Map(relations.map((r) => [r.oid, `${source}.${r.schema}.${r.name}`]));

  const columns = await q<ColumnRow>(
    `SELECT a.attrelid::int AS relid, a.attname AS name, a.attnum::int AS ordinal, format_type(a.atttypid, a.atttypmod) AS data_type,
      a.attnotnull AS not_null, pg_get_expr(ad.adbin, ad.adrelid) AS default_value, a.attgenerated::text AS generated,
      a.attidentity::text AS identity, col_description(a.attrelid, a.attnum) AS description
    FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`,
    [relIds],
  );
  const constraints = await q<ConstraintRow>(
    `SELECT c.conrelid::int AS relid, c.conname AS name, c.contype::text AS type, c.conkey::int[] AS columns,
      NULLIF(c.confrelid, 0)::int AS foreign_relid, c.confkey::int[] AS foreign_columns
    FROM pg_constraint c WHERE c.conrelid = ANY($1::oid[]) AND c.contype IN ('p', 'f', 'u')
    ORDER BY c.conrelid, c.conname`,
    [relIds],
  );
  progress('read', 3, 4);
  // What each view's rewrite rule reads: relations, and (refobjsubid > 0) their columns.
  const dependencies = await q<DependencyRow>(
    `SELECT DISTINCT r.ev_class::int AS view_oid, d.refobjid::int AS source_oid, d.refobjsubid::int AS source_column
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
    WHERE r.ev_class = ANY($1::oid[]) AND d.refobjid <> r.ev_class
    ORDER BY 1, 2, 3`,
    [relIds],
  );
  progress('read', 4, 4);

  const columnsOf = new Map<number, ColumnRow[]>();
  for (const c of columns) (columnsOf.get(c.relid) ?? columnsOf.set(c.relid, []).get(c.relid)!).push(c);
  const columnName = (relid: number, attnum: number) => columnsOf.get(relid)?.find((c) => c.ordinal === attnum)?.name;
  const constraintsOf = new Map<number, ConstraintRow[]>();
  for (const c of constraints) (constraintsOf.get(c.relid) ?? constraintsOf.set(c.relid, []).get(c.relid)!).push(c);

  for (const r of relations) {
    const qn = qnOf.get(r.oid)!;
    const own = constraintsOf.get(r.oid) ?? [];
    const primary = own.find((c) => c.type === 'p');
    const primaryColumns = primary ? primary.columns.map((n) => columnName(r.oid, n)).filter((n): n is string => n !== undefined) : [];
    const foreignKeys = own
      .filter((c) => c.type === 'f')
      .map((c) => ({
        name: c.name,
        columns: c.columns.map((n) => columnName(r.oid, n) ?? String(n)),
        references: (c.foreign_relid !== null && (qnOf.get(c.foreign_relid) ?? null)) || null,
        referencedColumns: (c.foreign_columns ?? []).map((n) =>
          c.foreign_relid !== null ? (columnName(c.foreign_relid, n) ?? String(n)) : String(n),
        ),
      }));
    const unique = own
      .filter((c) => c.type === 'u')
      .map((c) => ({ name: c.name, columns: c.columns.map((n) => columnName(r.oid, n) ?? String(n)) }));
    const relkind = RELKINDS[r.relkind]!;
    assets.push({
      qualifiedName: qn,
      kind: relkind.kind,
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      attributes: {
        type: relkind.type,
        owner: r.owner,
        // -1: never analysed or vacuumed, so the planner has no estimate either.
        rowEstimate: r.reltuples >= 0 ? Math.round(r.reltuples) : null,
        ...(r.bytes !== null ? { bytes: Number(r.bytes) } : {}),
        ...(primary ? { primaryKey: primaryColumns } : {}),
        ...(foreignKeys.length > 0 ? { foreignKeys } : {}),
        ...(unique.length > 0 ? { uniqueKeys: unique } : {}),
        ...(relkind.type === 'materialized view' ? { materialized: true } : {}),
      },
      parentQualifiedName: `${source}.${r.schema}`,
    });
    const foreignByColumn = new Map<string, string>();
    for (const fk of foreignKeys)
      fk.columns.forEach((col, i) => {
        if (fk.references) foreignByColumn.set(col, `${fk.references}.${fk.referencedColumns[i] ?? ''}`);
      });
    for (const c of columnsOf.get(r.oid) ?? []) {
      assets.push({
        qualifiedName: `${qn}.${c.name}`,
        kind: 'COLUMN',
        name: c.name,
        ...(c.description ? { description: c.description } : {}),
        attributes: {
          dataType: c.data_type,
          nullable: !c.not_null,
          ordinal: c.ordinal,
          default: c.default_value,
          ...(c.generated === 's' ? { generated: true } : {}),
          ...(c.identity ? { identity: c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT' } : {}),
          ...(primaryColumns.includes(c.name) ? { primaryKey: true } : {}),
          ...(foreignByColumn.has(c.name) ? { references: foreignByColumn.get(c.name) } : {}),
        },
        parentQualifiedName: qn,
      });
    }
  }

  // View lineage: a view (or materialized view) reads the relations its rule depends on. Column
  // level where the catalog states it: the rule's column dependencies name the source columns it
  // reads, and one that a view column shares its name with flows into it (PostgreSQL records which
  // columns a view reads, not which output each feeds; renamed expressions get table level only).
  const edges: SourceEdge[] = [];
  const byView = new Map<number, DependencyRow[]>();
  for (const d of dependencies) (byView.get(d.view_oid) ?? byView.set(d.view_oid, []).get(d.view_oid)!).push(d);
  const viewOids = new Set(relations.filter((r) => RELKINDS[r.relkind]!.kind === 'VIEW').map((r) => r.oid));
  for (const [viewOid, deps] of byView) {
    if (!viewOids.has(viewOid)) continue;
    const view = qnOf.get(viewOid)!;
    const viewColumns = new Set((columnsOf.get(viewOid) ?? []).map((c) => c.name));
    for (const sourceOid of new Set(deps.map((d) => d.source_oid))) {
      const from = qnOf.get(sourceOid);
      if (!from) continue; // a relation outside the crawl (another schema, a partition): not an asset this run writes
      edges.push({ from, to: view });
    }
    for (const d of deps) {
      if (d.source_column <= 0 || !qnOf.has(d.source_oid)) continue;
      const name = columnName(d.source_oid, d.source_column);
      if (name !== undefined && viewColumns.has(name)) edges.push({ from: `${qnOf.get(d.source_oid)!}.${name}`, to: `${view}.${name}` });
    }
  }
  return { assets, edges };
}
