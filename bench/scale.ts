// npm run bench:scale — how metalake holds as the estate grows: estates of BENCH_SCALE_SIZES assets
// (default 100,000, 300,000 and 1,000,000; bench/scale-estate.ts: tables of 20 columns, table and
// column lineage, a fan-out of a tenth of the estate), each loaded through the real path (the
// `metalake import` CLI: in embedded mode straight into the store, with Neo4j it publishes to Kafka
// and the server's ingest workers apply it), then, against the server in its own process:
//  - load: import time, until every table is in the graph (the core lane), until every asset and
//    edge is (columns trail on the bulk lane), until all are searchable; the server's and the
//    importer's peak RSS;
//  - asset by qualifiedName at 300 req/s, lineage depth 5 and search at 100 req/s (open loop);
//  - one classification reaching the fan-out: answered, every event at a websocket subscriber,
//    every asset searchable by it;
//  - disk bytes per asset: SQLite files and their tables, Neo4j's store and transaction logs,
//    Elasticsearch's index, Kafka's topics.
// BENCH_SCALE_STORES picks embedded and/or neo4j (Neo4j + Elasticsearch + Kafka, started by the
// engines harness). Results go to bench/results/scale.json after every run, so a partial run keeps
// what it measured.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import neo4j from 'neo4j-driver';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { tempDir } from '../test/support/fixtures.js';
import { sleep } from '../src/streams/worker.js';
import {
  type ColumnMode,
  type ScaleShape,
  SCALE_COLUMNS,
  SCALE_DBS,
  fanTable,
  scaleShape,
  scaleTable,
  writeScaleEstate,
} from './scale-estate.js';
import {
  type LatencyStats,
  gqlPost,
  latencyOf,
  loadEngines,
  machine,
  measurePropagation,
  openLoop,
  startServerProcess,
  writeResults,
} from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const RUN = Date.now().toString(36);
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '100000,300000,1000000').split(',').map(Number);
const STORES = (process.env.BENCH_SCALE_STORES ?? 'embedded,neo4j').split(',');
const COLUMNS = (process.env.BENCH_SCALE_COLUMNS ?? 'inline') as ColumnMode;
if (COLUMNS !== 'inline' && COLUMNS !== 'events') throw new Error('BENCH_SCALE_COLUMNS is inline or events');
/** A name for runs of a code variant, kept beside the others' (a before/after of one change). */
const VARIANT = process.env.BENCH_SCALE_VARIANT ?? '';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ASSET_RPS = 300,
  LINEAGE_RPS = 100,
  SEARCH_RPS = 100;
const LOAD_DEADLINE_MS = 60 * 60_000;
const MiB = 2 ** 20;
const s1 = (ms: number) => Math.round(ms / 100) / 10;

const ASSET =
  'query($qn: String!) { asset(qualifiedName: $qn) { id qualifiedName kind name description owners version parent { qualifiedName } classifications { name propagated } } }';
const LINEAGE =
  'query($qn: String!) { lineage(qualifiedName: $qn, depth: 5) { truncated nodes { qualifiedName kind } edges { from { qualifiedName } to { qualifiedName } } } }';
const SEARCH =
  'query($q: String!, $f: SearchFilter) { search(query: $q, filter: $f, first: 20) { total hits { asset { qualifiedName } score } facets { field buckets { value count } } } }';

/** A table or column anywhere in the layered warehouses, spread so caches do not flatter. */
const anyAsset = (shape: ScaleShape, i: number) => {
  const table = scaleTable((i * 7) % SCALE_DBS, (i * 3) % 10, (i * 7919) % shape.tablesPerSchema);
  return i % 2 === 0 ? table : `${table}.c${i % SCALE_COLUMNS}`;
};
/** A table in one of the first five layers, so that depth-5 lineage has room to go. */
const lineageRoot = (shape: ScaleShape, i: number) => scaleTable((i * 7) % SCALE_DBS, (i * 3) % 5, (i * 13) % shape.tablesPerSchema);
function searchOf(shape: ScaleShape, i: number): { q: string; f?: Record<string, unknown> } {
  const t = (i * 13) % shape.tablesPerSchema,
    d = (i * 7) % SCALE_DBS,
    s = (i * 3) % 10;
  switch (i % 6) {
    case 0:
      return { q: `t${t}` };
    case 1:
      return { q: `model ${t} warehouse ${d}` };
    case 2:
      return { q: 'mod' };
    case 3:
      return { q: `layer ${s}`, f: { kinds: ['TABLE'], owners: [`group:team${t % 7}@scale.io`] } };
    case 4:
      return { q: `c${t % SCALE_COLUMNS}`, f: { qualifiedNamePrefix: `snowflake://scale/db${d}.s${s}.` } };
    default:
      return { q: 'measure', f: { kinds: ['COLUMN'] } };
  }
}

/** The highest resident set of a process (VmHWM), read every half second until stopped. */
function peakRss(pid: number): () => number {
  let peak = 0;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // the process has ended: its last reading stands
    }
  };
  read();
  const timer = setInterval(read, 500);
  return () => {
    read();
    clearInterval(timer);
    return Math.round(peak / MiB);
  };
}
/** The resident set of a process and its descendants (an engine's launcher and its JVM). */
const rssMiB = (pid: number): number => {
  let kB = 0;
  const visit = (p: number) => {
    try {
      kB += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${p}/task`))
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(child));
    } catch {
      // gone meanwhile
    }
  };
  visit(pid);
  return Math.round(kB / 1024);
};

function duBytes(path: string, filter: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const name of readdirSync(path)) {
    if (!filter(name)) continue;
    const p = join(path, name);
    const st = statSync(p);
    total += st.isDirectory() ? duBytes(p) : st.blocks * 512;
  }
  return total;
}

/** Directories called `name` anywhere under `root`. */
function dirsNamed(root: string, name: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => (e.name === name ? [join(root, e.name)] : dirsNamed(join(root, e.name), name)));
}

/** `metalake import` in its own process; wall time and peak RSS. */
async function runImport(file: string, tenant: string, env: Record<string, string>): Promise<{ seconds: number; peakRssMiB: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'import', file, '--tenant', tenant, '--batch', '1000', '--no-progress'],
    {
      env: { ...process.env, NEO4J_URI: '', KAFKA_BROKERS: '', ELASTICSEARCH_URL: '', JWT_SECRET: SECRET, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const peak = peakRss(child.pid!);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const peakRssMiB = peak();
  if (code !== 0) throw new Error(`metalake import exited with ${code}: ${out.slice(-500)}`);
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as { accepted: number; invalid: number; refused: number };
  if (report.invalid + report.refused > 0) throw new Error(`import refused lines: ${out.slice(0, 500)}`);
  return { seconds: s1(performance.now() - t0), peakRssMiB };
}

async function waitUntil(what: string, since: number, probe: () => Promise<boolean>, every = 1000): Promise<number> {
  for (;;) {
    if (await probe()) return s1(performance.now() - since);
    if (performance.now() - since > LOAD_DEADLINE_MS) throw new Error(`${what}: not reached in ${LOAD_DEADLINE_MS / 60_000} min`);
    await sleep(every);
  }
}

interface Api {
  assetByQualifiedName: LatencyStats;
  lineageDepth5: LatencyStats & { nodesInTypicalAnswer: number };
  search: LatencyStats & { totalOfTypicalAnswer: number };
  assetPages: Record<string, ReturnType<typeof latencyOf>>;
  propagation: Record<string, unknown>;
}

/** The API figures at this size, through GraphQL, against the running server. */
async function measureApi(url: string, tenant: string, shape: ScaleShape, dataDir: string): Promise<Api> {
  const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir }).jwt;
  const viewer = await mintDevToken(jwt, { tenant, roles: ['viewer'] });
  const steward = await mintDevToken(jwt, { tenant, roles: ['steward'] });
  let firstError: unknown = null;
  const ok = (r: { data?: unknown; errors?: unknown[] }) => {
    const good = r.errors === undefined && r.data !== undefined;
    if (!good) firstError ??= r.errors ?? r;
    return good;
  };
  const report = (label: string, stats: LatencyStats) => {
    process.stdout.write(
      `  ${label}: ${JSON.stringify(stats)}${firstError ? ` first error ${JSON.stringify(firstError).slice(0, 300)}` : ''}\n`,
    );
    firstError = null;
  };
  await openLoop(100, 3, (i) => gqlPost(url, viewer, ASSET, { qn: anyAsset(shape, i + 50_000) }).then(ok)); // warm-up
  const asset = await openLoop(ASSET_RPS, SECONDS, (i) => gqlPost(url, viewer, ASSET, { qn: anyAsset(shape, i) }).then(ok));
  report(`asset by qualifiedName at ${ASSET_RPS} req/s`, asset);
  const sample = await gqlPost(url, viewer, LINEAGE, { qn: lineageRoot(shape, 1) });
  const nodes = (sample.data as { lineage: { nodes: unknown[] } }).lineage.nodes.length;
  await openLoop(50, 3, (i) => gqlPost(url, viewer, LINEAGE, { qn: lineageRoot(shape, i + 5000) }).then(ok));
  const lineage = await openLoop(LINEAGE_RPS, SECONDS, (i) => gqlPost(url, viewer, LINEAGE, { qn: lineageRoot(shape, i) }).then(ok));
  report(`lineage depth 5 at ${LINEAGE_RPS} req/s (${nodes} nodes)`, lineage);
  const typical = await gqlPost(url, viewer, SEARCH, { q: 'model 7 warehouse 3' });
  await openLoop(50, 3, (i) => gqlPost(url, viewer, SEARCH, searchOf(shape, i + 7)).then(ok));
  const search = await openLoop(SEARCH_RPS, SECONDS, (i) => gqlPost(url, viewer, SEARCH, searchOf(shape, i)).then(ok));
  report(`search at ${SEARCH_RPS} req/s`, search);

  // A page of the catalogue (the web's listing) with and without its total, one request at a time.
  const listing = async (withTotal: boolean) => {
    const query = `query($after: String) { assets(filter: { kinds: [COLUMN] }, first: 50, after: $after) { ${withTotal ? 'totalCount ' : ''}edges { node { qualifiedName kind } } pageInfo { endCursor } } }`;
    const samples: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      const r = await gqlPost(url, viewer, query, { after });
      samples.push(performance.now() - t);
      if (!ok(r)) throw new Error(JSON.stringify(r.errors));
      after = (r.data as { assets: { pageInfo: { endCursor: string | null } } }).assets.pageInfo.endCursor;
    }
    return latencyOf(samples);
  };
  const assetPages = { withoutTotal: await listing(false), withTotalCount: await listing(true) };
  process.stdout.write(`  a page of 50 columns: ${JSON.stringify(assetPages)}\n`);

  // A classification reaching the fan-out: every event at a subscriber, then every asset searchable by it.
  const t0 = performance.now();
  const delivered = await measurePropagation(url, viewer, steward, fanTable(0), shape.fanout, { timeoutMs: 15 * 60_000 });
  const classified = async () =>
    (
      (await gqlPost(url, viewer, SEARCH, { q: '', f: { classifications: ['PII'], qualifiedNamePrefix: 'snowflake://scale/prop.fan.' } }))
        .data as { search: { total: number } }
    ).search.total;
  const searchableS = await waitUntil('classification searchable', t0, async () => (await classified()) >= shape.fanout + 1, 250);
  const propagation = { ...delivered, allSearchableS: searchableS };
  process.stdout.write(`  propagation to ${shape.fanout}: ${JSON.stringify(propagation)}\n`);
  return {
    assetByQualifiedName: asset,
    lineageDepth5: { ...lineage, nodesInTypicalAnswer: nodes },
    search: { ...search, totalOfTypicalAnswer: (typical.data as { search: { total: number } }).search.total },
    assetPages,
    propagation,
  };
}

async function defineClassification(url: string, tenant: string, dataDir: string) {
  const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dataDir }).jwt;
  const admin = await mintDevToken(jwt, { tenant, roles: ['admin'] });
  const r = await gqlPost(url, admin, 'mutation { defineClassification(input: { name: "PII", propagateByDefault: true }) { name } }', {});
  if (r.errors) throw new Error(JSON.stringify(r.errors));
}

const searchTotal = async (url: string, token: string) =>
  (
    (await gqlPost(url, token, SEARCH, { q: '', f: { qualifiedNamePrefix: 'snowflake://scale/' } })).data as
      { search: { total: number } } | undefined
  )?.search.total ?? 0;

/** Bytes per table of a SQLite file (each index counted with its table), from the dbstat virtual table. */
function sqliteTables(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT coalesce(m.tbl_name, s.name) AS t, sum(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY t ORDER BY bytes DESC`,
      )
      .all() as { t: string; bytes: number }[];
    return Object.fromEntries(rows.filter((r) => r.bytes >= MiB).map((r) => [r.t, r.bytes]));
  } finally {
    db.close();
  }
}

async function embeddedRun(size: number, shape: ScaleShape, file: string) {
  const dir = tempDir('metalake-bench-scale-');
  const tenant = `scale-${RUN}-${size}`;
  try {
    const server = await startServerProcess({ DATA_DIR: dir.path, JWT_SECRET: SECRET });
    try {
      const serverPeak = peakRss(server.child.pid!);
      await defineClassification(server.url, tenant, dir.path);
      const viewer = await mintDevToken(loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt, { tenant, roles: ['viewer'] });
      const t0 = performance.now();
      const imported = await runImport(file, tenant, { DATA_DIR: dir.path });
      const db = new Database(join(dir.path, 'metalake.db'), { readonly: true });
      const [assets, edges] = [
        (db.prepare('SELECT count(*) AS n FROM assets WHERE tenant = ?').get(tenant) as { n: number }).n,
        (db.prepare('SELECT count(*) AS n FROM edges WHERE tenant = ?').get(tenant) as { n: number }).n,
      ];
      db.close();
      if (assets !== shape.assets || edges !== shape.edges)
        throw new Error(`after the import: ${assets}/${shape.assets} assets, ${edges}/${shape.edges} edges`);
      const searchableS = await waitUntil('all searchable', t0, async () => (await searchTotal(server.url, viewer)) >= shape.assets);
      const load = {
        importS: imported.seconds,
        assetsPerSecond: Math.round(shape.assets / imported.seconds),
        eventsPerSecond: Math.round(shape.events / imported.seconds),
        allSearchableS: searchableS,
        importerPeakRssMiB: imported.peakRssMiB,
        serverPeakRssMiB: serverPeak(),
      };
      process.stdout.write(`  load: ${JSON.stringify(load)}\n`);
      const api = await measureApi(server.url, tenant, shape, dir.path);
      const files = Object.fromEntries(
        readdirSync(dir.path)
          .filter((f) => /\.db(-wal)?$/.test(f))
          .map((f) => [f, statSync(join(dir.path, f)).blocks * 512]),
      );
      const disk = {
        files,
        bytesPerAsset: Math.round(Object.values(files).reduce((a, b) => a + b, 0) / shape.assets),
        graphTables: sqliteTables(join(dir.path, 'metalake.db')),
        searchTables: sqliteTables(join(dir.path, 'search.db')),
      };
      process.stdout.write(`  disk: ${JSON.stringify(disk)}\n`);
      return { load, ...api, serverRssAfterMiB: rssMiB(server.child.pid!), disk };
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

/** Per ingest lane: events applied, and their mean time from the Kafka record to the store (metalake_ingest_freshness_seconds). */
function laneFreshness(metrics: string): Record<string, { applied: number; deferred: number; meanFreshnessS: number }> {
  const value = (name: string, lane: string, extra = '') =>
    Number(new RegExp(`^${name}\\{lane="${lane}"${extra}\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? 0);
  return Object.fromEntries(
    ['priority', 'bulk'].map((lane) => [
      lane,
      {
        applied: value('metalake_ingest_events_total', lane, ',outcome="applied"'),
        deferred: value('metalake_ingest_events_total', lane, ',outcome="deferred"'),
        meanFreshnessS:
          Math.round(
            (10 * value('metalake_ingest_freshness_seconds_sum', lane)) /
              Math.max(1, value('metalake_ingest_freshness_seconds_count', lane)),
          ) / 10,
      },
    ]),
  );
}

interface EngineState {
  pid: number;
  runDir: string;
}
const engineState = (): Record<string, EngineState> =>
  (JSON.parse(readFileSync(join(PROJECT_ROOT, '.engines/state.json'), 'utf8')) as { engines: Record<string, EngineState> }).engines;

async function neo4jRun(size: number, shape: ScaleShape, file: string, env: Record<string, string>) {
  const dir = tempDir('metalake-bench-scale-neo4j-');
  const tenant = `scale-${RUN}-${size}`;
  const prefix = `scale-${RUN}-${size}`;
  const topics = {
    KAFKA_TOPIC_INGEST: `${prefix}.ingest`,
    KAFKA_TOPIC_INGEST_BULK: `${prefix}.bulk`,
    KAFKA_TOPIC_CHANGES: `${prefix}.changes`,
    KAFKA_TOPIC_DLQ: `${prefix}.dlq`,
  };
  const engines = engineState();
  const neo4jData = join(engines.neo4j!.runDir, 'neo4j-data');
  const kafkaData = join(engines.kafka!.runDir, 'kafka-data');
  /** Neo4j's store files, without its transaction logs. */
  const storeBytes = () => duBytes(neo4jData) - dirsNamed(neo4jData, 'transactions').reduce((n, d) => n + duBytes(d), 0);
  const neo4jBefore = storeBytes();
  const driver = neo4j.driver(env.NEO4J_URI!, undefined, { disableLosslessIntegers: true });
  const count = async (cypher: string, params: Record<string, unknown> = {}) =>
    (await driver.executeQuery(cypher, { t: tenant, ...params })).records[0]?.get('n') as number;
  const server = await startServerProcess({
    STORE: 'neo4j',
    NEO4J_URI: env.NEO4J_URI!,
    KAFKA_BROKERS: env.KAFKA_BROKERS!,
    ELASTICSEARCH_URL: env.ELASTICSEARCH_URL!,
    ELASTICSEARCH_INDEX_PREFIX: prefix,
    KAFKA_GROUP_PREFIX: prefix,
    DATA_DIR: dir.path,
    JWT_SECRET: SECRET,
    ...topics,
  });
  try {
    const serverPeak = peakRss(server.child.pid!);
    await defineClassification(server.url, tenant, dir.path);
    const viewer = await mintDevToken(loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt, { tenant, roles: ['viewer'] });
    const lastTables = [
      ...Array.from({ length: SCALE_DBS }, (_, d) => scaleTable(d, 9, shape.tablesPerSchema - 1)),
      fanTable(shape.fanout),
    ];
    const t0 = performance.now();
    const imported = await runImport(file, tenant, {
      STORE: 'neo4j',
      NEO4J_URI: env.NEO4J_URI!,
      KAFKA_BROKERS: env.KAFKA_BROKERS!,
      DATA_DIR: dir.path,
      ...topics,
    });
    process.stdout.write(`  published in ${imported.seconds} s\n`);
    // Events of one database keep their order on their lane: its last table there means all of its tables are.
    const tablesS = await waitUntil('tables in the graph', t0, async () => {
      const n = await count('UNWIND $qns AS qn MATCH (a:Asset {tenant: $t, qualifiedName: qn}) RETURN count(a) AS n', { qns: lastTables });
      return n === lastTables.length;
    });
    const assetsS = await waitUntil(
      'assets in the graph',
      t0,
      async () => (await count('MATCH (a:Asset {tenant: $t}) RETURN count(a) AS n')) >= shape.assets,
      2000,
    );
    const edgesS = await waitUntil(
      'edges in the graph',
      t0,
      async () => (await count('MATCH (:Asset {tenant: $t})-[r:FLOWS_TO]->() RETURN count(r) AS n')) >= shape.edges,
      2000,
    );
    const searchableS = await waitUntil('all searchable', t0, async () => (await searchTotal(server.url, viewer)) >= shape.assets, 2000);
    const lanes = laneFreshness(await (await fetch(server.url.replace('/graphql', '/metrics'))).text());
    const load = {
      publishS: imported.seconds,
      lanes,
      allTablesS: tablesS,
      allAssetsS: assetsS,
      allEdgesS: edgesS,
      allSearchableS: searchableS,
      assetsPerSecond: Math.round(shape.assets / assetsS),
      eventsPerSecond: Math.round(shape.events / Math.max(assetsS, edgesS)),
      importerPeakRssMiB: imported.peakRssMiB,
      serverPeakRssMiB: serverPeak(),
      neo4jRssMiB: rssMiB(engines.neo4j!.pid),
      elasticsearchRssMiB: rssMiB(engines.elasticsearch!.pid),
    };
    process.stdout.write(`  load: ${JSON.stringify(load)}\n`);
    const api = await measureApi(server.url, tenant, shape, dir.path);
    const es = (await (
      await fetch(`${env.ELASTICSEARCH_URL}/${prefix}-*/_stats/store,docs`, { headers: { accept: 'application/json' } })
    ).json()) as { _all: { primaries: { store: { size_in_bytes: number }; docs: { count: number } } } };
    const history = await count('MATCH (h:History {tenant: $t}) RETURN count(h) AS n');
    // Store files are written at Neo4j's periodic checkpoints (Community has no checkpoint procedure):
    // the last minutes' changes may be in the transaction logs only.
    const neo4jBytes = storeBytes() - neo4jBefore;
    const kafkaBytes = duBytes(kafkaData, (name) => name.startsWith(prefix));
    const disk = {
      neo4jBytes,
      neo4jTransactionLogsBytesInAll: dirsNamed(neo4jData, 'transactions').reduce((n, d) => n + duBytes(d), 0),
      elasticsearchBytes: es._all.primaries.store.size_in_bytes,
      elasticsearchDocs: es._all.primaries.docs.count,
      kafkaBytes,
      historyNodes: history,
      bytesPerAsset: {
        neo4j: Math.round(neo4jBytes / shape.assets),
        elasticsearch: Math.round(es._all.primaries.store.size_in_bytes / shape.assets),
        kafka: Math.round(kafkaBytes / shape.assets),
      },
    };
    process.stdout.write(`  disk: ${JSON.stringify(disk)}\n`);
    return { load, ...api, serverRssAfterMiB: rssMiB(server.child.pid!), neo4jRssAfterMiB: rssMiB(engines.neo4j!.pid), disk };
  } finally {
    await server.stop();
    await driver.close();
    dir.remove();
  }
}

const storeLabel = (store: string): string => (store === 'neo4j' ? 'neo4j + elasticsearch + kafka' : 'embedded (SQLite, FTS5)');
function previousRuns(): Record<string, unknown>[] {
  try {
    return (
      (JSON.parse(readFileSync(join(PROJECT_ROOT, 'bench/results/scale.json'), 'utf8')) as { runs?: Record<string, unknown>[] }).runs ?? []
    );
  } catch {
    return [];
  }
}

async function main() {
  const work = tempDir('metalake-bench-scale-files-');
  const measured = (r: Record<string, unknown>) => {
    const estate = r.estate as { columns?: string; assets?: number } | undefined;
    return (
      STORES.map(storeLabel).includes(String(r.store)) &&
      (estate?.columns ?? 'inline') === COLUMNS &&
      (typeof r.variant === 'string' ? r.variant : '') === VARIANT &&
      SIZES.some((size) => scaleShape(size, COLUMNS).assets === estate?.assets)
    );
  };
  // Runs this invocation does not repeat (another store, size or column mode) are kept from the last file.
  const kept = previousRuns().filter((r) => !measured(r));
  const results: Record<string, unknown>[] = [];
  const save = () =>
    writeResults('scale', {
      benchmark: 'bench:scale',
      machine: machine(),
      load: { assetRps: ASSET_RPS, lineageRps: LINEAGE_RPS, searchRps: SEARCH_RPS, seconds: SECONDS },
      runs: [...kept, ...results],
      engines: STORES.includes('neo4j')
        ? {
            neo4jHeapMiB: Number(process.env.METALAKE_NEO4J_HEAP_MIB),
            neo4jPageCacheMiB: Number(process.env.METALAKE_NEO4J_PAGECACHE_MIB),
            elasticsearchHeapMiB: Number(process.env.METALAKE_ES_HEAP_MIB),
          }
        : undefined,
      targets: { embeddedLoadS: 300, embeddedPeakRssMiB: 2048, assetP95MsAt300Rps: 20, elasticsearchSearchP95MsAt100Rps: 100 },
    });
  // The engines sized for an estate of a million on a 24 GiB box (the harness's defaults are for tests sharing 2 cores).
  process.env.METALAKE_NEO4J_HEAP_MIB ??= '2048';
  process.env.METALAKE_NEO4J_PAGECACHE_MIB ??= '3072';
  process.env.METALAKE_ES_HEAP_MIB ??= '2048';
  const engines = STORES.includes('neo4j') ? await loadEngines() : null;
  const up = engines ? await engines.up(['neo4j', 'kafka', 'elasticsearch']) : null;
  try {
    for (const size of SIZES) {
      const shape = scaleShape(size, COLUMNS);
      const file = join(work.path, `estate-${size}.jsonl`);
      const t0 = performance.now();
      const written = await writeScaleEstate(file, shape);
      process.stdout.write(
        `estate of ${shape.assets} assets, ${shape.edges} edges: ${written.lines} events, ${Math.round(written.bytes / MiB)} MiB of JSON lines in ${s1(performance.now() - t0)} s\n`,
      );
      for (const store of STORES) {
        process.stdout.write(`${store} at ${shape.assets} assets …\n`);
        const run = store === 'neo4j' ? await neo4jRun(size, shape, file, up!.env) : await embeddedRun(size, shape, file);
        results.push({
          store: storeLabel(store),
          measuredAt: new Date().toISOString(),
          ...(VARIANT ? { variant: VARIANT } : {}),
          estate: { ...shape, fileBytes: written.bytes },
          ...run,
        });
        process.stdout.write(`results written to ${save()}\n`);
      }
    }
  } finally {
    work.remove();
    if (up && up.started.length > 0) await engines!.down(up.started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
