// The Elasticsearch search index (@elastic/elasticsearch 8, matching the 8.x server).
//
// Tenancy: an index per tenant behind two aliases — `<prefix>-<tenant>` (read: the live index)
// and `<prefix>-<tenant>-all` (write: the live index and, during a rebuild, the one being built).
// Every query also filters on the `tenant` field. An index per tenant makes a tenant's reindex,
// mapping upgrade or deletion an alias operation that cannot touch another tenant, and keeps one
// tenant's size out of another's relevance statistics; the filter is defence in depth.
//
// Writes carry the moment their document was read from the graph store as an external version
// (`version_type: external_gte`): a slower writer with an older reading (a rebuild's scan racing
// the indexer) loses instead of overwriting, and a deletion's tombstone outranks older readings.
//
// Only core features are used (the test distribution has no analysis-common or mapper-extras
// modules): the standard analyzer, keyword sub-fields, `phrase_prefix` and `match_bool_prefix`
// for "as you type", and a case-insensitive `term` on `name.keyword` for exact names.
import { createHash } from 'node:crypto';
import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { StoreError, storeFailure, translated } from '../errors.js';
import type { IndexPage, IndexQuery, SearchDocument, SearchIndex } from '../ports/index.js';

/** Bump with every mapping change; a tenant's live index of another version needs `metalake reindex`. */
export const MAPPING_VERSION = 1;

export const MAPPING = {
  dynamic: 'strict',
  _meta: { metalakeMapping: MAPPING_VERSION },
  properties: {
    tenant: { type: 'keyword' },
    id: { type: 'keyword' },
    name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 512 } } },
    qualifiedName: { type: 'keyword', fields: { text: { type: 'text' } } },
    // The parts of snake_case, dotted and slashed names as separate words (customer_email →
    // customer email), written by the adapter: the standard analyzer keeps such names whole, and
    // the analysis plugins that could split them are not in every distribution.
    nameParts: { type: 'text' },
    qualifiedNameParts: { type: 'text' },
    columnParts: { type: 'text' },
    kind: { type: 'keyword' },
    description: { type: 'text' },
    owners: { type: 'keyword', fields: { text: { type: 'text' } } },
    tags: { type: 'keyword', fields: { text: { type: 'text' } } },
    columns: { type: 'text' },
    classifications: { type: 'keyword' },
    effectiveClassifications: { type: 'keyword' },
    platform: { type: 'keyword' },
    database: { type: 'keyword' },
    hasOpenIncident: { type: 'boolean' },
    updatedAt: { type: 'date' },
    builtAt: { type: 'long' },
  },
} as const;

const SETTINGS = {
  number_of_shards: 1,
  auto_expand_replicas: '0-1',
  // Tombstones of deletions outlive any rebuild scan, so an older reading cannot revive a document.
  gc_deletes: '1h',
  refresh_interval: '1s',
};

/** Client errors in the store taxonomy (store/errors.ts): every method of the index passes through here. */
export function translate(error: unknown): unknown {
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError || error instanceof errors.TimeoutError) {
    return new StoreError('unavailable', `Elasticsearch is unavailable: ${error.message}`, { cause: error });
  }
  if (error instanceof errors.ResponseError) {
    if (error.statusCode === 429) return new StoreError('backpressure', 'Elasticsearch is overloaded (429): retry later', { cause: error });
    if ((error.statusCode ?? 0) >= 500)
      return new StoreError('unavailable', `Elasticsearch answered ${error.statusCode}: ${error.message}`, { cause: error });
  }
  return error;
}

export interface ElasticsearchIndexOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  apiKey?: string | undefined;
  /** Index and alias name prefix. */
  prefix?: string;
}

/** Highlighted fields and the document field each stands for. */
const HIGHLIGHT_FIELDS: Record<string, string> = {
  name: 'name',
  'qualifiedName.text': 'qualifiedName',
  description: 'description',
  columns: 'columns',
  'owners.text': 'owners',
  'tags.text': 'tags',
};

/** `customer_email` → `customer email`. */
const parts = (value: string): string =>
  value
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .join(' ');

export function createElasticsearchIndex(
  options: ElasticsearchIndexOptions,
): SearchIndex & { readonly client: Client; aliasOf(tenant: string): string } {
  const client = new Client({
    node: options.url,
    ...(options.apiKey
      ? { auth: { apiKey: options.apiKey } }
      : options.username
        ? { auth: { username: options.username, password: options.password ?? '' } }
        : {}),
  });
  const prefix = options.prefix ?? 'metalake-assets';
  const ready = new Map<string, Promise<void>>();

  /** Index names are lowercase and plain: a readable part of the tenant, and a hash that keeps tenants apart. */
  const aliasOf = (tenant: string) =>
    `${prefix}-${tenant
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '_')
      .slice(0, 48)}-${createHash('sha256').update(tenant).digest('hex').slice(0, 12)}`;
  const writeAlias = (tenant: string) => `${aliasOf(tenant)}-all`;
  const newIndexName = (tenant: string, label: string) => `${aliasOf(tenant)}-v${MAPPING_VERSION}-${label}`;

  const notFound = (error: unknown) => error instanceof errors.ResponseError && error.statusCode === 404;

  /** Creates the tenant's first index with both aliases, once; checks the live index's mapping version. */
  function ensure(tenant: string): Promise<void> {
    let p = ready.get(tenant);
    if (!p) {
      p = (async () => {
        const alias = aliasOf(tenant);
        if (!(await client.indices.existsAlias({ name: alias }))) {
          const first = newIndexName(tenant, 'initial');
          try {
            await client.indices.create({ index: first, settings: SETTINGS, mappings: MAPPING });
          } catch (error) {
            // Another process created it first.
            if (!(
              error instanceof errors.ResponseError &&
              (error.body as { error?: { type?: string } } | undefined)?.error?.type === 'resource_already_exists_exception'
            ))
              throw error;
          }
          // The aliases come last, once the shard has started: a search never meets a
          // half-created index (on a busy node, "all shards failed" for a moment).
          await client.cluster.health({ index: first, wait_for_status: 'yellow', wait_for_no_initializing_shards: true, timeout: '30s' });
          await client.indices.updateAliases({
            actions: [{ add: { index: first, alias } }, { add: { index: first, alias: writeAlias(tenant) } }],
          });
        }
        const live = await client.indices.getMapping({ index: alias });
        for (const [index, m] of Object.entries(live)) {
          const version = (m.mappings._meta as { metalakeMapping?: number } | undefined)?.metalakeMapping;
          if (version !== MAPPING_VERSION) {
            throw new StoreError(
              'mapping-outdated',
              `search index ${index} of tenant ${tenant} has mapping version ${version ?? 'none'}, this metalake writes version ${MAPPING_VERSION}: run \`metalake reindex --tenant ${tenant}\``,
            );
          }
        }
      })();
      ready.set(tenant, p);
      p.catch(() => ready.delete(tenant));
    }
    return p;
  }

  /** The indices a write must reach, resolved after the caller read its documents (see rebuild). */
  async function writeTargets(tenant: string): Promise<string[]> {
    return Object.keys(await client.indices.getAlias({ name: writeAlias(tenant) }));
  }

  async function bulk(operations: estypes.BulkOperationContainer[], bodies: Map<number, unknown>): Promise<void> {
    if (operations.length === 0) return;
    const body: unknown[] = [];
    operations.forEach((op, i) => {
      body.push(op);
      if (bodies.has(i)) body.push(bodies.get(i));
    });
    const response = await client.bulk({ operations: body, refresh: false });
    if (!response.errors) return;
    let pushedBack = false;
    for (const item of response.items) {
      const result = Object.values(item)[0];
      if (!result?.error) continue;
      // An older reading than what the index holds: the newer one stays, as intended.
      if (result.status === 409 && result.error.type === 'version_conflict_engine_exception') continue;
      if (result.status === 429) {
        pushedBack = true;
        continue;
      }
      throw new Error(`Elasticsearch refused a document (${result.status} ${result.error.type}): ${result.error.reason ?? ''}`);
    }
    if (pushedBack) throw new StoreError('backpressure', 'Elasticsearch is overloaded (429): indexing pauses and retries');
  }

  function writes(tenant: string, indices: readonly string[], docs: readonly SearchDocument[]): Promise<void> {
    const operations: estypes.BulkOperationContainer[] = [];
    const bodies = new Map<number, unknown>();
    for (const index of indices) {
      for (const d of docs) {
        bodies.set(operations.length, {
          ...d,
          tenant,
          nameParts: parts(d.name),
          qualifiedNameParts: parts(d.qualifiedName),
          columnParts: d.columns.map(parts).join(' '),
        });
        operations.push({ index: { _index: index, _id: d.id, version: d.builtAt, version_type: 'external_gte' } });
      }
    }
    return bulk(operations, bodies);
  }

  return translated(
    {
      kind: 'elasticsearch',
      client,
      aliasOf,
      async upsert(tenant, docs) {
        if (docs.length === 0) return;
        await ensure(tenant);
        await writes(tenant, await writeTargets(tenant), docs);
      },
      async remove(tenant, ids, at) {
        if (ids.length === 0) return;
        await ensure(tenant);
        const operations: estypes.BulkOperationContainer[] = [];
        for (const index of await writeTargets(tenant)) {
          for (const id of ids) operations.push({ delete: { _index: index, _id: id, version: at, version_type: 'external_gte' } });
        }
        try {
          await bulk(operations, new Map());
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      },
      async search(tenant, q) {
        const cursor = decodeCursor(q.after);
        try {
          const response = await client.search<SearchDocument>({
            index: aliasOf(tenant),
            query: queryOf(tenant, q),
            size: q.first,
            track_total_hits: true,
            sort: [{ _score: { order: 'desc' } }, { qualifiedName: { order: 'asc', unmapped_type: 'keyword' } }],
            ...(cursor ? { search_after: cursor.s } : {}),
            _source: ['id'],
            ...(q.highlights === false ? {} : { highlight: HIGHLIGHT }),
            ...(q.facets === false ? {} : { aggs: FACET_AGGS }),
          });
          const total = typeof response.hits.total === 'number' ? response.hits.total : (response.hits.total?.value ?? 0);
          const hits = response.hits.hits;
          const seen = (cursor?.n ?? 0) + hits.length;
          const last = hits.at(-1);
          const facets = q.facets === false ? [] : facetsOf(response.aggregations);
          return {
            total,
            hits: hits.map((h) => ({
              id: h._id!,
              score: Math.round((h._score ?? 0) * 1000) / 1000,
              highlights: highlightsOf(h.highlight ?? {}),
            })),
            facets,
            endCursor: last?.sort ? Buffer.from(JSON.stringify({ s: last.sort, n: seen })).toString('base64url') : null,
            hasNextPage: seen < total,
          };
        } catch (error) {
          if (notFound(error)) return { total: 0, hits: [], facets: [], endCursor: null, hasNextPage: false };
          throw error;
        }
      },
      async rebuild(tenant) {
        await ensure(tenant).catch((error: unknown) => {
          // An outdated mapping is exactly what a rebuild repairs.
          if (storeFailure(error) !== 'mapping-outdated') throw error;
        });
        const index = newIndexName(tenant, Date.now().toString(36));
        // From here on every write of the tenant reaches the new index too (writers resolve the
        // write alias after reading their documents), so the scan that follows misses nothing.
        await client.indices.create({
          index,
          settings: { ...SETTINGS, refresh_interval: '-1' },
          mappings: MAPPING,
          aliases: { [writeAlias(tenant)]: {} },
        });
        return {
          async add(docs) {
            await writes(tenant, [index], docs);
          },
          async commit() {
            await client.indices.putSettings({ index, settings: { refresh_interval: SETTINGS.refresh_interval } });
            await client.indices.refresh({ index });
            const old = Object.keys(
              await client.indices.getAlias({ name: aliasOf(tenant) }).catch((error: unknown) => {
                if (notFound(error)) return {};
                throw error;
              }),
            );
            // One atomic alias update: searches go from the old index to the new one with no gap.
            await client.indices.updateAliases({
              actions: [...old.map((o) => ({ remove_index: { index: o } })), { add: { index, alias: aliasOf(tenant) } }],
            });
            ready.delete(tenant);
          },
          async abort() {
            await client.indices.delete({ index }).catch((error: unknown) => {
              if (!notFound(error)) throw error;
            });
          },
        };
      },
      async checkpoint(name) {
        try {
          const doc = await client.get<{ position: number }>({ index: `${prefix}-checkpoints`, id: name });
          return doc._source?.position ?? null;
        } catch (error) {
          if (notFound(error)) return null;
          throw error;
        }
      },
      async saveCheckpoint(name, position) {
        await client.index({ index: `${prefix}-checkpoints`, id: name, document: { position }, refresh: false });
      },
      async refresh(tenant) {
        await client.indices.refresh({ index: writeAlias(tenant) }).catch((error: unknown) => {
          if (!notFound(error)) throw error;
        });
      },
      async ping() {
        // The test distribution has no `GET /` (rest-root module): ask for cluster health.
        await client.cluster.health({ timeout: '5s' });
      },
      async close() {
        await client.close();
      },
    },
    translate,
  );
}

/** The tenant filter and the query's own filters. */
function filtersOf(tenant: string, q: IndexQuery): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { tenant } }];
  if (q.kinds?.length) filter.push({ terms: { kind: [...q.kinds] } });
  if (q.classifications?.length) {
    filter.push({
      terms: { [q.classificationScope === 'DIRECT' ? 'classifications' : 'effectiveClassifications']: [...q.classifications] },
    });
  }
  if (q.owners?.length) filter.push({ terms: { owners: [...q.owners] } });
  if (q.qualifiedNamePrefix) filter.push({ prefix: { qualifiedName: q.qualifiedNamePrefix } });
  if (q.hasOpenIncident !== undefined) filter.push({ term: { hasOpenIncident: q.hasOpenIncident } });
  return filter;
}

const WORD_FIELDS = [
  'name^10',
  'nameParts^6',
  'qualifiedName.text^4',
  'qualifiedNameParts^2',
  'description',
  'columns^3',
  'columnParts^2',
  'owners.text',
  'tags.text^2',
];
const PREFIX_FIELDS = ['name^6', 'nameParts^4', 'qualifiedNameParts^2', 'columns^2', 'columnParts', 'description'];

/**
 * Every word anywhere, or the text as a phrase being typed, or its words as prefixes of the name;
 * an exact name (any case) far above the rest.
 */
function queryOf(tenant: string, q: IndexQuery): estypes.QueryDslQueryContainer {
  const filter = filtersOf(tenant, q);
  const text = q.text.trim();
  if (text.length === 0) return { bool: { filter } };
  const matches: estypes.QueryDslQueryContainer[] = [
    { multi_match: { query: text, type: 'best_fields', operator: 'and', fields: WORD_FIELDS } },
    { multi_match: { query: text, type: 'phrase_prefix', fields: PREFIX_FIELDS } },
    { match_bool_prefix: { nameParts: { query: text, boost: 3 } } },
  ];
  return {
    bool: {
      filter,
      must: [{ bool: { should: matches, minimum_should_match: 1 } }],
      should: [{ term: { 'name.keyword': { value: text, case_insensitive: true, boost: 100 } } }],
    },
  };
}

interface Cursor {
  /** The last hit's sort values. */
  s: (string | number)[];
  /** Hits seen up to it. */
  n: number;
}

function decodeCursor(after: string | null): Cursor | null {
  if (after === null) return null;
  let cursor: Cursor | null;
  try {
    cursor = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as Cursor | null;
  } catch {
    throw new RangeError('bad cursor');
  }
  if (!Array.isArray(cursor?.s) || typeof cursor.n !== 'number') throw new RangeError('bad cursor');
  return cursor;
}

const HIGHLIGHT: estypes.SearchHighlight = {
  encoder: 'html',
  pre_tags: ['<em>'],
  post_tags: ['</em>'],
  require_field_match: true,
  fields: Object.fromEntries(
    Object.keys(HIGHLIGHT_FIELDS).map((f) => [
      f,
      f === 'description' ? { fragment_size: 120, number_of_fragments: 2 } : { number_of_fragments: 0 },
    ]),
  ),
};

const FACETS = { kind: 'kind', classification: 'effectiveClassifications', owner: 'owners', database: 'database' } as const;
const FACET_AGGS: Record<string, estypes.AggregationsAggregationContainer> = Object.fromEntries(
  Object.entries(FACETS).map(([name, field]) => [name, { terms: { field, size: 20 } }]),
);

function facetsOf(aggregations: unknown): IndexPage['facets'] {
  const aggs = (aggregations ?? {}) as Record<string, estypes.AggregationsStringTermsAggregate | undefined>;
  return Object.keys(FACETS).map((field) => {
    const buckets = aggs[field]?.buckets;
    return { field, buckets: (Array.isArray(buckets) ? buckets : []).map((b) => ({ value: String(b.key), count: b.doc_count })) };
  });
}

function highlightsOf(highlight: Record<string, string[]>): { field: string; fragments: string[] }[] {
  const byField = new Map<string, string[]>();
  for (const [sub, fragments] of Object.entries(highlight)) {
    const field = HIGHLIGHT_FIELDS[sub] ?? sub;
    if (!byField.has(field)) byField.set(field, fragments);
  }
  return [...byField].map(([field, fragments]) => ({ field, fragments }));
}
