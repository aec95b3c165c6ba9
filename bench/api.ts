// npm run bench:api — the synthetic estate (bench/estate.ts: 110k assets, 109k lineage edges) in the embedded
// store, then, against the server in its own process: asset-by-qualifiedName and lineage
// (depth 5) latency under open-loop load, and propagation of one classification to 10,000
// downstream assets (commit time, and time until a websocket subscriber has every event).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { tempDir } from '../test/support/fixtures.js';
import { COLUMNS, FANOUT, LEAVES, buildEmbeddedEstate, pick, pq } from './estate.js';
import { gqlPost, machine, measurePropagation, openLoop, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const TENANT = 'bench';
const RPS = Number(process.env.BENCH_RPS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

async function main() {
  // BENCH_DATA_DIR keeps the estate between runs (for profiling); by default a fresh temp dir.
  const kept = process.env.BENCH_DATA_DIR;
  const dir = kept ? { path: kept, remove: () => {} } : tempDir('metalake-bench-');
  try {
    let estate: Awaited<ReturnType<typeof buildEmbeddedEstate>> | 'reused' = 'reused';
    if (!kept || !existsSync(join(kept, 'metalake.db'))) {
      process.stdout.write(`building the estate in ${dir.path} …\n`);
      estate = await buildEmbeddedEstate(dir.path, TENANT);
      process.stdout.write(`  ${estate.assets} assets, ${estate.edges} edges in ${estate.seconds} s\n`);
    }
    const server = await startServerProcess({
      DATA_DIR: dir.path,
      JWT_SECRET: SECRET,
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    });
    try {
      const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
      const viewer = await mintDevToken(jwt, { tenant: TENANT, roles: ['viewer'] });
      const steward = await mintDevToken(jwt, { tenant: TENANT, roles: ['steward'] });
      const ok = (r: { data?: unknown; errors?: unknown[] }) => r.errors === undefined && r.data !== undefined;
      const assetQuery =
        'query($qn: String!) { asset(qualifiedName: $qn) { id qualifiedName kind name description owners version parent { qualifiedName } classifications { name propagated } } }';
      const lineageQuery =
        'query($qn: String!) { lineage(qualifiedName: $qn, depth: 5) { truncated nodes { qualifiedName kind } edges { from { qualifiedName } to { qualifiedName } } } }';
      // Warm-up: JIT, statement caches, SQLite page cache.
      await openLoop(100, 3, (i) => gqlPost(server.url, viewer, assetQuery, { qn: `${pick(i)}.c${i % COLUMNS}` }).then(ok));
      process.stdout.write(`asset by qualifiedName at ${RPS} req/s for ${SECONDS} s …\n`);
      const asset = await openLoop(RPS, SECONDS, (i) =>
        gqlPost(server.url, viewer, assetQuery, { qn: i % 2 ? pick(i) : `${pick(i)}.c${i % COLUMNS}` }).then(ok),
      );
      process.stdout.write(`  ${JSON.stringify(asset)}\nlineage depth 5 at ${RPS} req/s for ${SECONDS} s …\n`);
      const sample = await gqlPost(server.url, viewer, lineageQuery, { qn: pick(0) });
      const lineageNodes = (sample.data as { lineage: { nodes: unknown[] } }).lineage.nodes.length;
      const lineage = await openLoop(RPS, SECONDS, (i) => gqlPost(server.url, viewer, lineageQuery, { qn: pick(i) }).then(ok));
      process.stdout.write(
        `  ${JSON.stringify(lineage)} (${lineageNodes} nodes in a typical answer)\npropagation to 10,000 downstream …\n`,
      );
      const prop = await measurePropagation(server.url, viewer, steward, pq(0), FANOUT * (LEAVES + 1));
      process.stdout.write(`  ${JSON.stringify(prop)}\n`);
      const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
      const rssMiB = Math.round(Number(/^metalake_process_resident_memory_bytes (\S+)/m.exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20);
      const file = writeResults('api', {
        benchmark: 'bench:api',
        machine: machine(),
        store: 'embedded',
        estate,
        load: { rps: RPS, seconds: SECONDS },
        assetByQualifiedName: asset,
        lineageDepth5: { ...lineage, nodesInTypicalAnswer: lineageNodes },
        propagation: prop,
        serverRssMiB: rssMiB,
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
