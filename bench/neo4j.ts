// npm run bench:neo4j — on the synthetic estate (bench/estate.ts, 110k assets) in a real Neo4j
// 5.26 (started by the engines harness unless NEO4J_URI is set), measured in one run:
//  (a) upsert throughput: the adapter's own batched Cypher (writeAssets, 1,000 per transaction)
//      against the full path through GraphQL (validation, versions, history, outbox events), as a
//      ratio; both warmed up first, the raw pass measured before and after the GraphQL one;
//  (b) lineage depth 5: a raw variable-length Cypher query against the GraphQL `lineage` query,
//      paired per root (order alternating), as a ratio;
//  (c) propagation of one classification to 10,000 downstream assets through GraphQL.
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import type { AssetKind, AssetRecord, JsonObject } from '../src/domain/model.js';
import type { AssetInput } from '../src/services/assets.js';
import { defaultName } from '../src/domain/validation.js';
import { createNeo4jStore } from '../src/store/neo4j/index.js';
import { tempDir } from '../test/support/fixtures.js';
import { FANOUT, LEAVES, chunks, fanout, pick, pq, warehouses } from './estate.js';
import { gqlPost, latencyOf, loadEngines, machine, measurePropagation, roundsOf, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const RUN = Date.now().toString(36);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const round = (n: number) => Math.round(n);

/** The estate as whole records, the way the adapter's writeAssets receives them. */
function records(inputs: readonly AssetInput[], ids: Map<string, string>): AssetRecord[] {
  const at = new Date().toISOString();
  for (const i of inputs) if (!ids.has(i.qualifiedName)) ids.set(i.qualifiedName, randomUUID());
  return inputs.map((i) => ({
    id: ids.get(i.qualifiedName)!,
    qualifiedName: i.qualifiedName,
    kind: i.kind as AssetKind,
    name: i.name ?? defaultName(i.qualifiedName),
    description: i.description ?? null,
    owners: [...(i.owners ?? [])],
    attributes: (i.attributes ?? {}) as JsonObject,
    parentId: i.parentQualifiedName ? (ids.get(i.parentQualifiedName) ?? null) : null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  }));
}

async function main() {
  // The harness is plain JavaScript in scripts/ (it runs before any build); loaded from the project root.
  const { up, down } = await loadEngines();
  const { env, started } = await up(['neo4j']);
  const uri = env.NEO4J_URI!;
  const dir = tempDir('metalake-bench-neo4j-');
  const estate = [...warehouses(), fanout()];
  const assetCount = estate.reduce((n, w) => n + w.assets.length, 0);
  const store = await createNeo4jStore({ uri });
  const server = await startServerProcess({ STORE: 'neo4j', NEO4J_URI: uri, DATA_DIR: dir.path, JWT_SECRET: SECRET });
  try {
    const tenant = `bench-${RUN}`;
    const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
    const check = (r: { errors?: unknown[] }) => {
      if (r.errors) throw new Error(JSON.stringify(r.errors).slice(0, 500));
    };
    const adminOf = (t: string) => mintDevToken(jwt, { tenant: t, roles: ['admin'] });
    const admin = await adminOf(tenant);
    const viewer = await mintDevToken(jwt, { tenant, roles: ['viewer'] });
    /** The adapter's own upsert Cypher (writeAssets, 1,000 per transaction), no service around it; seconds. */
    const rawUpsert = async (t: string, assets: readonly AssetInput[]) => {
      const ids = new Map<string, string>();
      const t0 = performance.now();
      for (const batch of chunks(records(assets, ids), 1000)) await store.tenant(t).transaction((tx) => tx.writeAssets(batch));
      return (performance.now() - t0) / 1000;
    };
    /** The same assets through GraphQL: validation, idempotency check, versions, history, outbox; seconds. */
    const graphqlUpsert = async (token: string, assets: readonly AssetInput[]) => {
      const t0 = performance.now();
      for (const batch of chunks(assets, 1000))
        check(await gqlPost(server.url, token, 'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', { i: batch }));
      return (performance.now() - t0) / 1000;
    };
    const all = estate.flatMap((w) => w.assets);
    // (a) Warm-up of both paths (JIT, page cache, plans) on a slice, in throwaway tenants; then the
    // raw adapter before and after the GraphQL pass, so that neither side has the warmer store.
    const slice = all.slice(0, 10_000);
    await rawUpsert(`warm-raw-${RUN}`, slice);
    await graphqlUpsert(await adminOf(`warm-gql-${RUN}`), slice);
    const rawBefore = await rawUpsert(`raw-${RUN}-a`, all);
    const graphqlSeconds = await graphqlUpsert(admin, all);
    const rawAfter = await rawUpsert(`raw-${RUN}-b`, all);
    const rawSeconds = (rawBefore + rawAfter) / 2;
    process.stdout.write(
      `upsert of ${assetCount} assets: raw adapter ${rawBefore.toFixed(1)} s before and ${rawAfter.toFixed(1)} s after GraphQL's ${graphqlSeconds.toFixed(1)} s\n`,
    );
    {
      const t0 = performance.now();
      let edges = 0;
      for (const w of estate) {
        for (const batch of chunks(w.lineage, 1000)) {
          check(await gqlPost(server.url, admin, 'mutation($e: [LineageEdgeInput!]!) { addLineage(edges: $e) { changed } }', { e: batch }));
          edges += batch.length;
        }
      }
      const lineageSeconds = (performance.now() - t0) / 1000;
      process.stdout.write(`GraphQL addLineage: ${edges} edges in ${lineageSeconds.toFixed(1)} s\n`);

      // (b) lineage depth 5, one client, the same roots: raw Cypher against GraphQL.
      const driver = neo4j.driver(uri, undefined, { disableLosslessIntegers: true });
      const session = driver.session({ defaultAccessMode: neo4j.session.READ });
      const raw = async (qn: string) =>
        (
          await session.run(
            'MATCH (a:Asset {tenant: $t, qualifiedName: $qn})-[:FLOWS_TO*1..5]->(b:Asset) RETURN DISTINCT b.qualifiedName AS qn',
            { t: tenant, qn },
          )
        ).records.length;
      const query =
        'query($qn: String!) { lineage(qualifiedName: $qn, depth: 5) { truncated nodes { qualifiedName kind } edges { from { qualifiedName } to { qualifiedName } } } }';
      const viaGraphql = async (qn: string) => {
        const r = await gqlPost(server.url, viewer, query, { qn });
        check(r);
        return (r.data as { lineage: { nodes: unknown[] } }).lineage.nodes.length - 1;
      };
      // Paired samples: each root through both, the order alternating, after a warm-up of both.
      for (let i = 0; i < 30; i++) {
        await raw(pick(i));
        await viaGraphql(pick(i));
      }
      const timed = async (f: (qn: string) => Promise<number>, qn: string) => {
        const s = performance.now();
        const nodes = await f(qn);
        return { ms: performance.now() - s, nodes };
      };
      const rawSamples: number[] = [];
      const graphqlSamples: number[] = [];
      const pairRatios: number[] = [];
      let nodes = 0;
      for (let i = 0; i < SAMPLES; i++) {
        const qn = pick(i);
        let r: { ms: number; nodes: number };
        let g: { ms: number; nodes: number };
        if (i % 2 === 0) {
          r = await timed(raw, qn);
          g = await timed(viaGraphql, qn);
        } else {
          g = await timed(viaGraphql, qn);
          r = await timed(raw, qn);
        }
        rawSamples.push(r.ms);
        graphqlSamples.push(g.ms);
        pairRatios.push(g.ms / r.ms);
        nodes = g.nodes;
      }
      const rawLineage = { ...latencyOf(rawSamples), samples: SAMPLES };
      const graphqlLineage = { ...latencyOf(graphqlSamples), samples: SAMPLES, downstreamNodesOfLast: nodes };
      const pairRatio = roundsOf(pairRatios, 2);
      await session.close();
      await driver.close();
      process.stdout.write(
        `lineage depth 5: raw Cypher ${JSON.stringify(rawLineage)}\n                 GraphQL    ${JSON.stringify(graphqlLineage)}\n`,
      );

      // (c) propagation to 10,000 downstream.
      check(await gqlPost(server.url, admin, 'mutation { defineClassification(input: { name: "PII" }) { name } }', {}));
      const propagation = await measurePropagation(server.url, viewer, admin, pq(0), FANOUT * (LEAVES + 1));
      process.stdout.write(`propagation: ${JSON.stringify(propagation)}\n`);

      const file = writeResults('neo4j', {
        benchmark: 'bench:neo4j',
        machine: machine(),
        neo4j: '5.26.30 (engines harness, heap 768 MiB, page cache 128 MiB)',
        assets: assetCount,
        edges,
        upsert: {
          rawAdapterAssetsPerSecond: round(assetCount / rawSeconds),
          rawAdapterPasses: { beforeGraphqlPerSecond: round(assetCount / rawBefore), afterGraphqlPerSecond: round(assetCount / rawAfter) },
          graphqlAssetsPerSecond: round(assetCount / graphqlSeconds),
          ratioRawToGraphql: Math.round((graphqlSeconds / rawSeconds) * 100) / 100,
          graphqlLineageEdgesPerSecond: round(edges / lineageSeconds),
        },
        lineageDepth5: {
          rawCypher: rawLineage,
          graphql: graphqlLineage,
          ratioP50GraphqlToRaw: Math.round((graphqlLineage.p50Ms / rawLineage.p50Ms) * 100) / 100,
          ratioP95GraphqlToRaw: Math.round((graphqlLineage.p95Ms / rawLineage.p95Ms) * 100) / 100,
          pairedRatioGraphqlToRaw: { median: pairRatio.median, min: pairRatio.min, max: pairRatio.max },
          method: 'paired: each sampled root through raw Cypher and through GraphQL back to back, the order alternating',
        },
        propagation,
      });
      process.stdout.write(`results written to ${file}\n`);
    }
  } finally {
    await server.stop();
    await store.close();
    dir.remove();
    if (started.length > 0) await down(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:neo4j failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
