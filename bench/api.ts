// npm run bench:api — the synthetic estate (bench/estate.ts: 110k assets, 109k lineage edges) in the embedded
// store, then, against the server in its own process: asset-by-qualifiedName and lineage
// (depth 5) latency under open-loop load, and propagation of one classification to 10,000
// downstream assets (commit time, and time until a websocket subscriber has every event).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import type { Viewer } from '../src/domain/auth.js';
import type { AssetInput } from '../src/services/assets.js';
import type { EdgeInput } from '../src/services/lineage.js';
import { createEmbeddedFeed } from '../src/store/embedded/feed.js';
import { createEmbeddedStore } from '../src/store/embedded/index.js';
import { createOutboxRelay } from '../src/streams/outbox-relay.js';
import { servicesFor, silentLog, tempDir } from '../test/support/fixtures.js';
import { COLUMNS, FANOUT, LEAVES, fanout, pick, pq, warehouses } from './estate.js';
import { gqlPost, machine, measurePropagation, openLoop, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const TENANT = 'bench';
const RPS = Number(process.env.BENCH_RPS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);


async function buildEstate(dataDir: string): Promise<{ assets: number; edges: number; seconds: number }> {
  const store = createEmbeddedStore({ path: join(dataDir, 'metalake.db'), synchronous: 'normal' });
  const feed = createEmbeddedFeed();
  const relay = createOutboxRelay({ store, feed, log: silentLog, retentionHours: 1 });
  await relay.start();
  const services = servicesFor(store, feed, 1000);
  const admin: Viewer = { subject: 'bench', tenant: TENANT, roles: ['admin'], expiresAt: null };
  const started = performance.now();
  let assets = 0, edges = 0;
  const upsert = async (batch: AssetInput[]) => {
    for (let i = 0; i < batch.length; i += 1000) {
      await services.assets.upsert(admin, batch.slice(i, i + 1000));
      assets += Math.min(1000, batch.length - i);
    }
  };
  const link = async (batch: EdgeInput[]) => {
    for (let i = 0; i < batch.length; i += 1000) {
      await services.lineage.add(admin, batch.slice(i, i + 1000));
      edges += Math.min(1000, batch.length - i);
    }
  };
  for (const warehouse of [...warehouses(), fanout()]) {
    await upsert(warehouse.assets);
    await link(warehouse.lineage);
  }
  await services.classification.define(admin, { name: 'PII', propagateByDefault: true });
  await relay.flush();
  await relay.stop();
  await store.close();
  return { assets, edges, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

async function main() {
  // BENCH_DATA_DIR keeps the estate between runs (for profiling); by default a fresh temp dir.
  const kept = process.env.BENCH_DATA_DIR;
  const dir = kept ? { path: kept, remove: () => {} } : tempDir('metalake-bench-');
  try {
    let estate: Awaited<ReturnType<typeof buildEstate>> | 'reused' = 'reused';
    if (!kept || !existsSync(join(kept, 'metalake.db'))) {
      process.stdout.write(`building the estate in ${dir.path} …\n`);
      estate = await buildEstate(dir.path);
      process.stdout.write(`  ${estate.assets} assets, ${estate.edges} edges in ${estate.seconds} s\n`);
    }
    const server = await startServerProcess({ DATA_DIR: dir.path, JWT_SECRET: SECRET, ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}) });
    try {
      const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
      const viewer = await mintDevToken(jwt, { tenant: TENANT, roles: ['viewer'] });
      const steward = await mintDevToken(jwt, { tenant: TENANT, roles: ['steward'] });
      const ok = (r: { data?: unknown; errors?: unknown[] }) => r.errors === undefined && r.data !== undefined;
      const assetQuery = 'query($qn: String!) { asset(qualifiedName: $qn) { id qualifiedName kind name description owners version parent { qualifiedName } classifications { name propagated } } }';
      const lineageQuery = 'query($qn: String!) { lineage(qualifiedName: $qn, depth: 5) { truncated nodes { qualifiedName kind } edges { from { qualifiedName } to { qualifiedName } } } }';
      // Warm-up: JIT, statement caches, SQLite page cache.
      await openLoop(100, 3, (i) => gqlPost(server.url, viewer, assetQuery, { qn: `${pick(i)}.c${i % COLUMNS}` }).then(ok));
      process.stdout.write(`asset by qualifiedName at ${RPS} req/s for ${SECONDS} s …\n`);
      const asset = await openLoop(RPS, SECONDS, (i) => gqlPost(server.url, viewer, assetQuery, { qn: i % 2 ? pick(i) : `${pick(i)}.c${i % COLUMNS}` }).then(ok));
      process.stdout.write(`  ${JSON.stringify(asset)}\nlineage depth 5 at ${RPS} req/s for ${SECONDS} s …\n`);
      const sample = await gqlPost(server.url, viewer, lineageQuery, { qn: pick(0) });
      const lineageNodes = (sample.data as { lineage: { nodes: unknown[] } }).lineage.nodes.length;
      const lineage = await openLoop(RPS, SECONDS, (i) => gqlPost(server.url, viewer, lineageQuery, { qn: pick(i) }).then(ok));
      process.stdout.write(`  ${JSON.stringify(lineage)} (${lineageNodes} nodes in a typical answer)\npropagation to 10,000 downstream …\n`);
      const prop = await measurePropagation(server.url, viewer, steward, pq(0), FANOUT * (LEAVES + 1));
      process.stdout.write(`  ${JSON.stringify(prop)}\n`);
      const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
      const rssMiB = Math.round(Number(/^metalake_process_resident_memory_bytes (\S+)/m.exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20);
      const file = writeResults('api', {
        benchmark: 'bench:api', machine: machine(), store: 'embedded', estate, load: { rps: RPS, seconds: SECONDS },
        assetByQualifiedName: asset, lineageDepth5: { ...lineage, nodesInTypicalAnswer: lineageNodes }, propagation: prop, serverRssMiB: rssMiB,
        targets: { assetP95Ms: 20, propagationCommittedMs: 1000, propagationDeliveredMs: 2000 },
      });
      process.stdout.write(`results written to ${file}\n`);
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
