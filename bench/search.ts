// npm run bench:search — the synthetic estate (bench/estate.ts: 110,113 assets) in the embedded
// graph store, indexed into Elasticsearch 8 (started by the engines harness unless
// ELASTICSEARCH_URL is set) and into the embedded SQLite FTS5 index, measured side by side:
//  (a) indexing throughput: a full `reindex` of the tenant (documents built from the graph store,
//      bulk-written beside the live index, then switched), in documents/s;
//  (b) search latency through GraphQL with open-loop load (arrivals do not wait for answers):
//      a mix of names, words of descriptions, prefixes as typed, filters and facets;
//  (c) freshness: `classify` on the root of the 10,000-table fan-out, until a search filtered on
//      the classification returns all 10,001 assets (propagation in the background, then indexing).
import { join } from 'node:path';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { reindexTenant } from '../src/services/reindex.js';
import { createEmbeddedSearchIndex } from '../src/store/embedded/search-index.js';
import { createEmbeddedStore } from '../src/store/embedded/index.js';
import { createElasticsearchIndex } from '../src/store/elasticsearch/index.js';
import type { SearchIndex } from '../src/store/ports/index.js';
import { tempDir } from '../test/support/fixtures.js';
import { DBS, FANOUT, LEAVES, SCHEMAS, TABLES, buildEmbeddedEstate, pq } from './estate.js';
import { gqlPost, loadEngines, machine, openLoop, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const TENANT = 'bench';
const RPS = Number(process.env.BENCH_RPS ?? 100);
/** The embedded index is measured at these rates too (its searches run on SEARCH_WORKERS threads; issue 17 aims at 200 req/s). */
const EMBEDDED_RATES = (process.env.BENCH_EMBEDDED_RATES ?? '50,200').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY ?? 'both';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PREFIX = `bench-${Date.now().toString(36)}`;

const SEARCH =
  'query($q: String!, $f: SearchFilter) { search(query: $q, filter: $f, first: 20) { total hits { asset { qualifiedName } score } facets { field buckets { value count } } } }';

/** The query mix: exact names, description words, a prefix as typed, filters; varied so caches do not flatter. */
function queryOf(i: number): { q: string; f?: Record<string, unknown> } {
  const t = (i * 13) % TABLES,
    d = (i * 7) % DBS,
    s = (i * 3) % SCHEMAS;
  switch (i % 6) {
    case 0:
      return { q: `t${t}` };
    case 1:
      return { q: `model ${t} warehouse ${d}` };
    case 2:
      return { q: `mod` };
    case 3:
      return { q: `layer ${s}`, f: { kinds: ['TABLE'], owners: [`team${t % 7}@bench.io`] } };
    case 4:
      return { q: `c${t % 9}`, f: { qualifiedNamePrefix: `snowflake://bench/db${d}.s${s}.` } };
    default:
      return { q: 'fan', f: { classifications: ['PII'] } };
  }
}

async function measure(label: string, index: SearchIndex, env: Record<string, string>, dataDir: string, rates: number[]) {
  // (a) a full rebuild of the tenant's index from the graph store.
  const store = createEmbeddedStore({ path: join(dataDir, 'metalake.db'), synchronous: 'normal' });
  let t0 = performance.now();
  const rebuilt = await reindexTenant(store, index, TENANT);
  const reindexSeconds = (performance.now() - t0) / 1000;
  // Everything committed so far is in the rebuilt index: the server's indexer starts after it.
  const last = (await store.outbox.since(0, 1_000_000)).at(-1)?.seq ?? 0;
  await index.saveCheckpoint('outbox', last);
  await index.refresh(TENANT);
  await store.close();
  await index.close();
  process.stdout.write(
    `${label}: reindexed ${rebuilt.done} documents in ${reindexSeconds.toFixed(1)} s (${Math.round(rebuilt.done / reindexSeconds)} docs/s)\n`,
  );

  const server = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: SECRET, ...env });
  try {
    const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir }).jwt;
    const viewer = await mintDevToken(jwt, { tenant: TENANT, roles: ['viewer'] });
    const steward = await mintDevToken(jwt, { tenant: TENANT, roles: ['steward'] });
    let firstError: unknown = null;
    const ok = (r: { data?: unknown; errors?: unknown[] }) => {
      const good = r.errors === undefined && r.data !== undefined;
      if (!good && firstError === null) firstError = r.errors ?? r;
      return good;
    };
    const sample = await gqlPost(server.url, viewer, SEARCH, { q: 'model 7 warehouse 3' });
    if (!ok(sample)) throw new Error(JSON.stringify(sample.errors));
    await openLoop(50, 3, (i) => gqlPost(server.url, viewer, SEARCH, queryOf(i)).then(ok)); // warm-up
    const latency: Record<string, unknown> = {};
    for (const rps of rates) {
      const stats = await openLoop(rps, SECONDS, (i) =>
        gqlPost(server.url, viewer, SEARCH, queryOf(i)).then(ok, (error: unknown) => {
          firstError ??= String(error);
          return false;
        }),
      );
      latency[`${rps}rps`] = { ...stats, ...(firstError === null ? {} : { firstError: JSON.stringify(firstError).slice(0, 300) }) };
      process.stdout.write(`${label}: search at ${rps} req/s for ${SECONDS} s: ${JSON.stringify(latency[`${rps}rps`])}\n`);
      firstError = null;
    }

    // (c) classify → 10,001 assets searchable by the classification.
    const expected = FANOUT * (LEAVES + 1) + 1;
    const count = async () =>
      (
        (
          await gqlPost(server.url, viewer, SEARCH, {
            q: '',
            f: { classifications: ['PII'], qualifiedNamePrefix: 'snowflake://bench/prop.fan.' },
          })
        ).data as { search: { total: number } }
      ).search.total;
    t0 = performance.now();
    const r = await gqlPost(
      server.url,
      steward,
      'mutation($qn: String!) { classify(qualifiedName: $qn, classification: "PII") { added propagations { id } } }',
      { qn: pq(0) },
    );
    if (!ok(r)) throw new Error(JSON.stringify(r.errors));
    const answeredMs = performance.now() - t0;
    let seen = 0;
    while ((seen = await count()) < expected && performance.now() - t0 < 180_000) await new Promise((res) => setTimeout(res, 100));
    const searchableMs = performance.now() - t0;
    const freshness = {
      propagatedAssets: expected - 1,
      mutationAnsweredMs: Math.round(answeredMs),
      allSearchableMs: Math.round(searchableMs),
      searchableCount: seen,
    };
    process.stdout.write(`${label}: classify → searchable: ${JSON.stringify(freshness)}\n`);
    return {
      indexing: {
        documents: rebuilt.done,
        seconds: Math.round(reindexSeconds * 10) / 10,
        docsPerSecond: Math.round(rebuilt.done / reindexSeconds),
      },
      latency,
      freshness,
      sampleHits: (sample.data as { search: { total: number } }).search.total,
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  const { up, down } = await loadEngines();
  const { env, started } = await up(['elasticsearch']);
  const url = env.ELASTICSEARCH_URL!;
  const dir = tempDir('metalake-bench-search-');
  try {
    process.stdout.write(`building the estate in ${dir.path} …\n`);
    const estate = await buildEmbeddedEstate(dir.path, TENANT);
    process.stdout.write(`  ${estate.assets} assets, ${estate.edges} edges in ${estate.seconds} s\n`);
    const results: Record<string, unknown> = {};
    if (ONLY !== 'embedded') {
      results.elasticsearch = {
        server: '8.19 (engines harness, 1 node, heap 512 MiB)',
        ...(await measure(
          'elasticsearch',
          createElasticsearchIndex({ url, prefix: PREFIX }),
          { ELASTICSEARCH_URL: url, ELASTICSEARCH_INDEX_PREFIX: PREFIX },
          dir.path,
          [RPS],
        )),
      };
    }
    if (ONLY !== 'elasticsearch') {
      // A fresh copy of the estate (the first run classified the fan-out).
      const embeddedDir = tempDir('metalake-bench-search-embedded-');
      try {
        if (ONLY !== 'embedded') await buildEmbeddedEstate(embeddedDir.path, TENANT);
        const where = ONLY === 'embedded' ? dir.path : embeddedDir.path;
        results.embedded = {
          index: 'SQLite FTS5, searches on 2 worker threads (SEARCH_WORKERS default)',
          ...(await measure(
            'embedded',
            createEmbeddedSearchIndex({ path: join(where, 'search.db') }),
            { SEARCH: 'embedded' },
            where,
            [...new Set([...EMBEDDED_RATES, RPS])].sort((a, b) => a - b),
          )),
        };
      } finally {
        embeddedDir.remove();
      }
    }
    const file = writeResults('search', {
      benchmark: 'bench:search',
      machine: machine(),
      estate,
      load: {
        seconds: SECONDS,
        mix: 'names, description words, a typed prefix, kind+owner filter, prefix filter, classification filter; facets and highlights on every query',
      },
      ...results,
      targets: { searchP95MsAt100Rps: 100, embeddedSearchP95MsAt200Rps: 100, propagatedSearchableMs: 3000 },
    });
    process.stdout.write(`results written to ${file}\n`);
  } finally {
    dir.remove();
    if (started.length > 0) await down(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:search failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
