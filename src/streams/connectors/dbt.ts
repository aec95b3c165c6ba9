// The dbt connector: reads a project's artifacts (manifest.json, and when given catalog.json and
// run_results.json). Sources, seeds, models and snapshots become the warehouse relations they
// build (ephemeral models are folded into the lineage through them), with their columns and
// descriptions; model lineage comes from `depends_on`; tags and meta become classifications by the
// tag rules; `meta.owner` becomes owners; failed tests in run_results.json become incidents on the
// tested model, resolved when the test passes again.
//
// Relations are named as the warehouse names them, so they meet what the PostgreSQL connector and
// OpenLineage (dbt-ol) name: `postgres://host:5432/db.schema.table`. The `postgres://host:5432`
// part comes from `target`, else from the one database of that name the tenant's graph already
// has on the adapter's platform (a crawled warehouse), else `dbt://<project>`.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { AssetInput, IncidentInput } from '../../domain/commands.js';
import type { IncidentSeverity } from '../../domain/model.js';
import {
  type CatalogLookup,
  type Connector,
  type ReadProgress,
  type Snapshot,
  type SourceClassification,
  type SourceEdge,
  SourceError,
} from './crawl.js';
import { DEFAULT_TAG_RULES, type TagRules, compileTagRules } from '../tag-rules.js';

export interface DbtOptions {
  manifest: string;
  catalog?: string | undefined;
  runResults?: string | undefined;
  /** The warehouse's name prefix (`postgres://host:5432`). */
  target?: string | undefined;
  rules?: TagRules | undefined;
}

/** The manifest schema versions this connector reads (dbt 1.5 → v9 … dbt 1.8+ → v12). */
const MANIFEST_VERSIONS = [9, 10, 11, 12];
const CATALOG_VERSIONS = [1];
const RUN_RESULTS_VERSIONS = [4, 5, 6];

interface DbtColumn {
  name: string;
  description?: string;
  data_type?: string | null;
  meta?: Record<string, unknown>;
  tags?: string[];
}
interface DbtNode {
  unique_id: string;
  resource_type: string;
  package_name: string;
  name: string;
  alias?: string | null;
  identifier?: string;
  database: string | null;
  schema: string;
  description?: string;
  columns?: Record<string, DbtColumn>;
  tags?: string[];
  meta?: Record<string, unknown>;
  config?: { materialized?: string; meta?: Record<string, unknown>; tags?: string[]; severity?: string; enabled?: boolean };
  depends_on?: { nodes?: string[] };
  original_file_path?: string;
  loader?: string;
  source_name?: string;
  attached_node?: string | null;
  column_name?: string | null;
  test_metadata?: { name?: string; kwargs?: Record<string, unknown> } | null;
}
interface Manifest {
  metadata: { dbt_schema_version: string; dbt_version?: string; project_name?: string; adapter_type?: string; invocation_id?: string };
  nodes: Record<string, DbtNode>;
  sources: Record<string, DbtNode>;
}
interface CatalogTable {
  metadata: { type?: string; owner?: string | null; comment?: string | null };
  columns: Record<string, { type?: string; index?: number; name: string; comment?: string | null }>;
  stats?: Record<string, { id: string; value: unknown; include?: boolean }>;
}
interface Catalog {
  metadata: { dbt_schema_version: string };
  nodes: Record<string, CatalogTable>;
  sources: Record<string, CatalogTable>;
}
interface RunResults {
  metadata: { dbt_schema_version: string; generated_at?: string; invocation_id?: string };
  results: { unique_id: string; status: string; message?: string | null; failures?: number | null }[];
}

const RELATIONS = new Set(['model', 'seed', 'snapshot']);

function readArtifact<T>(path: string, what: string, versions: number[]): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SourceError('SOURCE_UNREACHABLE', `${what} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: { metadata?: { dbt_schema_version?: unknown } };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (error) {
    throw new SourceError(
      'SOURCE_INVALID',
      `${what} ${path} is not JSON (corrupt or truncated): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const version = typeof json?.metadata?.dbt_schema_version === 'string' ? json.metadata.dbt_schema_version : null;
  const n = version ? /\/v(\d+)\.json$/.exec(version)?.[1] : undefined;
  if (!version || n === undefined || !versions.includes(Number(n)))
    throw new SourceError(
      'SOURCE_INVALID',
      `${what} ${path} has dbt schema version ${version ?? '(none)'}; this connector reads ${versions.map((v) => `v${v}`).join(', ')}`,
    );
  return json as T;
}

export function dbtConnector(options: DbtOptions): Connector {
  const rules = options.rules ?? compileTagRules(DEFAULT_TAG_RULES);
  // The source is the project; its name is known once the manifest is read, so the file names it until then.
  const manifestPeek = peekProject(options.manifest);
  return {
    type: 'dbt',
    source: `dbt://${manifestPeek}`,
    attributeKeys: ['dbt'],
    async read(progress: ReadProgress, lookup: CatalogLookup): Promise<Snapshot> {
      const manifest = readArtifact<Manifest>(options.manifest, 'manifest', MANIFEST_VERSIONS);
      if (typeof manifest.nodes !== 'object' || manifest.nodes === null || typeof manifest.sources !== 'object')
        throw new SourceError('SOURCE_INVALID', `manifest ${options.manifest} has no nodes or sources`);
      const catalog = options.catalog ? readArtifact<Catalog>(options.catalog, 'catalog', CATALOG_VERSIONS) : null;
      const results = options.runResults ? readArtifact<RunResults>(options.runResults, 'run results', RUN_RESULTS_VERSIONS) : null;
      progress('read', 1, 2);
      const project = manifest.metadata.project_name ?? manifestPeek;
      const platform = manifest.metadata.adapter_type ?? 'dbt';
      const base = await warehouse(options.target, platform, project, manifest, lookup);
      const snapshot = buildSnapshot(manifest, catalog, results, base, rules);
      progress('read', 2, 2);
      return snapshot;
    },
  };
}

/**
 * The project's name from the head of its manifest (read() parses it whole), so that a run whose
 * manifest is unreadable is still recorded under its project; failing that, the project directory's.
 */
function peekProject(path: string): string {
  const fromPath = basename(dirname(dirname(resolve(path)))) || 'project';
  try {
    // Only the head: `metadata` comes first, and read() parses the whole file once.
    const head = Buffer.alloc(65_536);
    const fd = openSync(path, 'r');
    let length: number;
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    return /"project_name"\s*:\s*"([^"]+)"/.exec(head.subarray(0, length).toString('utf8'))?.[1] ?? fromPath;
  } catch {
    return fromPath;
  }
}

async function warehouse(
  target: string | undefined,
  platform: string,
  project: string,
  manifest: Manifest,
  lookup: CatalogLookup,
): Promise<string> {
  if (target) return target.replace(/\/+$/, '');
  const databases = new Set(
    [...Object.values(manifest.nodes), ...Object.values(manifest.sources)].map((n) => n.database).filter((d): d is string => !!d),
  );
  const bases = new Set<string>();
  for (const name of databases)
    for (const qn of await lookup.databasesNamed(platform, name)) bases.add(qn.slice(0, qn.length - name.length - 1));
  return bases.size === 1 ? [...bases][0]! : `dbt://${project}`;
}

function buildSnapshot(manifest: Manifest, catalog: Catalog | null, results: RunResults | null, base: string, rules: TagRules): Snapshot {
  const assets: AssetInput[] = [];
  const edges: SourceEdge[] = [];
  const classifications: SourceClassification[] = [];
  const incidents: IncidentInput[] = [];
  const relationOf = new Map<string, string>();
  const databases = new Set<string>();
  const schemas = new Set<string>();

  const nodes = [...Object.values(manifest.sources), ...Object.values(manifest.nodes)].filter(
    (n) => (n.resource_type === 'source' || RELATIONS.has(n.resource_type)) && n.config?.enabled !== false,
  );
  const ephemeral = new Map<string, DbtNode>();
  for (const n of nodes) {
    if (n.config?.materialized === 'ephemeral') {
      ephemeral.set(n.unique_id, n);
      continue;
    }
    const database = n.database ?? 'default';
    const identifier = n.resource_type === 'source' ? (n.identifier ?? n.name) : (n.alias ?? n.name);
    relationOf.set(n.unique_id, `${base}/${database}.${n.schema}.${identifier}`);
  }
  for (const n of nodes) {
    const qn = relationOf.get(n.unique_id);
    if (!qn) continue;
    const database = `${base}/${n.database ?? 'default'}`;
    const schema = `${database}.${n.schema}`;
    if (!databases.has(database)) {
      databases.add(database);
      assets.push({ qualifiedName: database, kind: 'DATABASE', name: n.database ?? 'default' });
    }
    if (!schemas.has(schema)) {
      schemas.add(schema);
      assets.push({ qualifiedName: schema, kind: 'SCHEMA', name: n.schema, parentQualifiedName: database });
    }
    const table = n.resource_type === 'source' ? catalog?.sources[n.unique_id] : catalog?.nodes[n.unique_id];
    const meta = { ...(n.meta ?? {}), ...(n.config?.meta ?? {}) };
    const tags = [...new Set([...(n.tags ?? []), ...(n.config?.tags ?? [])])];
    const materialized = n.resource_type === 'model' ? (n.config?.materialized ?? 'view') : n.resource_type;
    const isView = n.resource_type === 'model' && (materialized === 'view' || materialized === 'materialized_view');
    const owners = ownersOf(meta['owner']);
    const stats = Object.fromEntries(
      Object.values(table?.stats ?? {})
        .filter((s) => s.include !== false && s.id !== 'has_stats')
        .map((s) => [s.id, s.value]),
    );
    assets.push({
      qualifiedName: qn,
      kind: isView ? 'VIEW' : 'TABLE',
      name: n.resource_type === 'source' ? (n.identifier ?? n.name) : (n.alias ?? n.name),
      ...(n.description ? { description: n.description } : {}),
      ...(owners.length > 0 ? { owners } : {}),
      attributes: {
        dbt: {
          uniqueId: n.unique_id,
          resourceType: n.resource_type,
          package: n.package_name,
          ...(n.resource_type === 'model' ? { materialized } : {}),
          ...(n.resource_type === 'source' ? { sourceName: n.source_name ?? null, loader: n.loader || null } : {}),
          path: n.original_file_path ?? null,
          tags,
          meta,
          ...(Object.keys(stats).length > 0 ? { stats } : {}),
        },
      },
      parentQualifiedName: schema,
    });
    for (const c of rules.classify({ tags, meta })) classifications.push({ qualifiedName: qn, ...c });

    // Columns: the catalog's (the warehouse's own types and order), described by the manifest's.
    const documented = new Map(Object.values(n.columns ?? {}).map((c) => [c.name.toLowerCase(), c]));
    const found = table ? Object.values(table.columns).sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) : [];
    const names = found.length > 0 ? found.map((c) => c.name) : [...documented.values()].map((c) => c.name);
    names.forEach((name, i) => {
      const doc = documented.get(name.toLowerCase());
      const inCatalog = found.find((c) => c.name === name);
      const columnMeta = doc?.meta ?? {};
      const columnTags = doc?.tags ?? [];
      const column = `${qn}.${name}`;
      assets.push({
        qualifiedName: column,
        kind: 'COLUMN',
        name,
        ...(doc?.description ? { description: doc.description } : {}),
        attributes: {
          ...((inCatalog?.type ?? doc?.data_type) ? { dataType: inCatalog?.type ?? doc?.data_type } : {}),
          ordinal: inCatalog?.index ?? i + 1,
          dbt: { documented: doc !== undefined, tags: columnTags, meta: columnMeta },
        },
        parentQualifiedName: qn,
      });
      for (const c of rules.classify({ tags: columnTags, meta: columnMeta })) classifications.push({ qualifiedName: column, ...c });
    });
  }

  // Lineage: each relation's parents, through ephemeral models.
  const parentsOf = (id: string, seen = new Set<string>()): string[] => {
    const node = manifest.nodes[id] ?? manifest.sources[id];
    return (node?.depends_on?.nodes ?? []).flatMap((p) => {
      if (seen.has(p)) return [];
      seen.add(p);
      if (ephemeral.has(p)) return parentsOf(p, seen);
      const from = relationOf.get(p);
      return from ? [from] : [];
    });
  };
  for (const n of nodes) {
    const to = relationOf.get(n.unique_id);
    if (!to) continue;
    for (const from of new Set(parentsOf(n.unique_id))) if (from !== to) edges.push({ from, to });
  }

  // Tests: a failed one is an open incident on the node it tests; one that passes again resolves it.
  const at = results?.metadata.generated_at ?? new Date().toISOString();
  for (const r of results?.results ?? []) {
    const test = manifest.nodes[r.unique_id];
    if (!test || test.resource_type !== 'test') continue;
    const tested = test.attached_node ?? (test.depends_on?.nodes ?? []).find((d) => relationOf.has(d));
    const asset = tested ? relationOf.get(tested) : undefined;
    if (!asset) continue;
    const failed = r.status === 'fail' || r.status === 'error';
    if (!failed && r.status !== 'pass') continue; // warn and skipped say nothing of the data
    const column = test.column_name ?? (test.test_metadata?.kwargs?.['column_name'] as string | undefined);
    const severity: IncidentSeverity = (test.config?.severity ?? 'error').toLowerCase() === 'warn' ? 'SEV3' : 'SEV2';
    incidents.push({
      externalId: `dbt-test:${test.unique_id}`,
      source: 'dbt',
      type:
        test.test_metadata?.name && ['not_null', 'unique', 'accepted_values', 'relationships'].includes(test.test_metadata.name)
          ? 'FIELD_HEALTH'
          : 'CUSTOM',
      severity,
      status: failed ? 'OPEN' : 'RESOLVED',
      title:
        `dbt test ${test.test_metadata?.name ?? test.name}${column ? ` on ${column}` : ''} ${failed ? `failed${r.failures ? ` (${r.failures} failing rows)` : ''}` : 'passes again'}`.slice(
          0,
          512,
        ),
      detectedAt: at,
      assetQualifiedNames: [asset],
    });
  }
  return { assets, edges, classifications, incidents };
}

function ownersOf(value: unknown): string[] {
  if (typeof value === 'string' && value.trim().length > 0) return [value.trim()];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.trim().length > 0).map((v) => v.trim());
  return [];
}
