// npm run bench:load — mixed traffic against one server in its own process (the default embedded
// store and index): 1,000 idle websocket connections with a subscription each, 100 active
// subscribers, and an open-loop mix of queries (asset by name, search, lineage, asset pages) and
// mutations (asset updates, each delivered to all 100 active subscribers). Reports throughput,
// p50/p95/p99 per operation, errors, the server's memory per websocket connection, and the
// delivery latency of subscription events (mutation sent → event received by a subscriber).
import { readFileSync } from 'node:fs';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { tempDir } from '../test/support/fixtures.js';
import { chunks } from './estate.js';
import { freePort, gqlPost, latencyOf, machine, openLoop, retainedMemory, startServerProcess, writeResults } from './lib.js';
import { sleep } from '../src/streams/worker.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const IDLE = Number(process.env.BENCH_LOAD_IDLE ?? 1000);
const ACTIVE = Number(process.env.BENCH_LOAD_ACTIVE ?? 100);
const RPS = Number(process.env.BENCH_LOAD_RPS ?? 200);
const MUTATION_SHARE = Number(process.env.BENCH_LOAD_MUTATIONS ?? 0.1);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const ASSETS = 2000;
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function main() {
  const dir = tempDir('metalake-bench-load-');
  // The inspector lets the benchmark collect the server's garbage before reading its heap.
  const inspectPort = await freePort();
  const server = await startServerProcess({ DATA_DIR: dir.path, JWT_SECRET: SECRET }, { inspectPort });
  const sockets: Client[] = [];
  try {
    const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
    const admin = await mintDevToken(jwt, { tenant: 'load', roles: ['admin'] });
    const viewer = await mintDevToken(jwt, { tenant: 'load', roles: ['viewer'] });
    const idleViewer = await mintDevToken(jwt, { tenant: 'load-idle', roles: ['viewer'] });
    const qn = (i: number) => `pg://load/db${i % 10}.public.t${i}`;
    process.stdout.write(`seeding ${ASSETS} tables with lineage …\n`);
    for (const db of Array.from({ length: 10 }, (_, d) => d)) {
      await gqlPost(server.url, admin, 'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', {
        i: [
          { qualifiedName: `pg://load/db${db}`, kind: 'DATABASE' },
          { qualifiedName: `pg://load/db${db}.public`, kind: 'SCHEMA', parentQualifiedName: `pg://load/db${db}` },
        ],
      });
    }
    for (const batch of chunks(
      Array.from({ length: ASSETS }, (_, i) => i),
      500,
    )) {
      const r = await gqlPost(server.url, admin, 'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', {
        i: batch.map((i) => ({
          qualifiedName: qn(i),
          kind: 'TABLE',
          parentQualifiedName: `pg://load/db${i % 10}.public`,
          description: `orders table number ${i}`,
          owners: [`team${i % 7}@load.example`],
        })),
      });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }
    for (const batch of chunks(
      Array.from({ length: ASSETS - 1 }, (_, i) => i),
      500,
    )) {
      await gqlPost(server.url, admin, 'mutation($e: [LineageEdgeInput!]!) { addLineage(edges: $e) { changed } }', {
        e: batch.filter((i) => i % 10 !== 9).map((i) => ({ from: qn(i), to: qn(i + 1) })),
      });
    }
    await sleep(2000);

    const connect = (token: string) =>
      createClient({
        url: server.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => {},
      });
    const before = rssKiB(server.child.pid!);
    const heapBefore = await retainedMemory(inspectPort);
    process.stdout.write(`opening ${IDLE} idle connections (one subscription each) …\n`);
    let subscriptionErrors = 0;
    for (const group of chunks(
      Array.from({ length: IDLE }, (_, i) => i),
      100,
    )) {
      await Promise.all(
        group.map(async () => {
          const client = connect(idleViewer);
          sockets.push(client);
          client.subscribe(
            { query: 'subscription { assetChanged { eventId } }' },
            {
              next: () => {},
              error: () => {
                subscriptionErrors++;
              },
              complete: () => {},
            },
          );
          await new Promise<void>((resolve) => client.on('connected', () => resolve()));
        }),
      );
    }
    await sleep(2000);
    const afterIdle = rssKiB(server.child.pid!);
    const memoryPerConnectionKiB = Math.round(((afterIdle - before) / IDLE) * 10) / 10;
    const heapAfter = await retainedMemory(inspectPort);
    const retained = (k: 'heapUsed' | 'external' | 'arrayBuffers') => Math.round(((heapAfter[k] - heapBefore[k]) / 1024 / IDLE) * 10) / 10;
    const retainedPerConnectionKiB = { heap: retained('heapUsed'), external: retained('external'), arrayBuffers: retained('arrayBuffers') };
    process.stdout.write(
      `server RSS ${Math.round(before / 1024)} → ${Math.round(afterIdle / 1024)} MiB: ${memoryPerConnectionKiB} KiB per idle connection; ` +
        `retained after GC: ${retainedPerConnectionKiB.heap} KiB heap + ${retainedPerConnectionKiB.external} KiB outside it\n`,
    );

    // Active subscribers: every asset update reaches each of them; the description carries the send time.
    const delivery: number[] = [];
    let delivered = 0;
    for (let i = 0; i < ACTIVE; i++) {
      const client = connect(viewer);
      sockets.push(client);
      client.subscribe<{ assetChanged: { asset: { description: string | null } } }>(
        { query: 'subscription { assetChanged(qualifiedNamePrefix: "pg://load/") { eventId asset { description } } }' },
        {
          next: (r) => {
            const sent = Number(/sent=(\d+(\.\d+)?)/.exec(r.data?.assetChanged.asset.description ?? '')?.[1]);
            if (Number.isFinite(sent)) {
              delivered++;
              delivery.push(performance.timeOrigin + performance.now() - sent);
            }
          },
          error: () => {
            subscriptionErrors++;
          },
          complete: () => {},
        },
      );
    }
    await sleep(2000);

    const perOp: Record<string, number[]> = { asset: [], search: [], lineage: [], assets: [], mutation: [] };
    const errorsByOp: Record<string, number> = { asset: 0, search: 0, lineage: 0, assets: 0, mutation: 0 };
    let mutations = 0;
    const ops = {
      asset: (i: number) =>
        gqlPost(
          server.url,
          viewer,
          'query($q: String!) { asset(qualifiedName: $q) { id name description owners parent { qualifiedName } } }',
          { q: qn(i % ASSETS) },
        ),
      search: (i: number) =>
        gqlPost(server.url, viewer, 'query($q: String!) { search(query: $q, first: 10) { total hits { asset { qualifiedName } } } }', {
          q: ['orders', `t${i % ASSETS}`, `team${i % 7}`, 'number 42'][i % 4]!,
        }),
      lineage: (i: number) =>
        gqlPost(
          server.url,
          viewer,
          'query($q: String!) { lineage(qualifiedName: $q, direction: BOTH, depth: 3) { nodes { qualifiedName } } }',
          { q: qn(i % ASSETS) },
        ),
      assets: (i: number) =>
        gqlPost(
          server.url,
          viewer,
          'query { assets(first: 20, filter: { kinds: [TABLE] }) { totalCount edges { node { qualifiedName } } } }',
          { i },
        ),
      mutation: (i: number) => {
        mutations++;
        return gqlPost(server.url, admin, 'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { updated } }', {
          i: [
            {
              qualifiedName: qn((i * 7) % ASSETS),
              kind: 'TABLE',
              parentQualifiedName: `pg://load/db${((i * 7) % ASSETS) % 10}.public`,
              description: `updated sent=${performance.timeOrigin + performance.now()} #${i}`,
            },
          ],
        });
      },
    };
    const pickOp = (i: number): keyof typeof ops =>
      ((i * 7919) % 1000) / 1000 < MUTATION_SHARE ? 'mutation' : (['asset', 'search', 'lineage', 'assets'] as const)[i % 4]!;
    process.stdout.write(`mixed traffic at ${RPS} req/s for ${SECONDS} s (${MUTATION_SHARE * 100}% mutations) …\n`);
    const overall = await openLoop(RPS, SECONDS, async (i) => {
      const op = pickOp(i);
      const t0 = performance.now();
      const r = await ops[op](i).catch(() => ({ errors: ['network'] }));
      perOp[op]!.push(performance.now() - t0);
      const ok = !r.errors;
      if (!ok) errorsByOp[op]!++;
      return ok;
    });
    await sleep(3000);
    const peak = rssKiB(server.child.pid!);
    const expectedDeliveries = mutations * ACTIVE;
    const results = {
      machine: machine(),
      setup: {
        store: 'embedded (SQLite + FTS5)',
        assets: ASSETS,
        idleConnections: IDLE,
        activeSubscribers: ACTIVE,
        rps: RPS,
        seconds: SECONDS,
        mutationShare: MUTATION_SHARE,
        note: 'server in its own process; the load generator and its 1,100 websocket clients share the 2 cores',
      },
      overall,
      operations: Object.fromEntries(
        Object.entries(perOp).map(([op, samples]) => [op, { requests: samples.length, errors: errorsByOp[op], ...latencyOf(samples) }]),
      ),
      websockets: {
        memoryPerIdleConnectionKiB: memoryPerConnectionKiB,
        retainedPerIdleConnectionKiB: retainedPerConnectionKiB,
        serverRssMiB: {
          beforeConnections: Math.round(before / 1024),
          withIdleConnections: Math.round(afterIdle / 1024),
          afterLoad: Math.round(peak / 1024),
        },
        subscriptionErrors,
      },
      delivery: {
        mutations,
        expected: expectedDeliveries,
        delivered,
        lost: expectedDeliveries - delivered,
        ...latencyOf(delivery),
        definition: 'mutation sent → event received by one of the active subscribers (includes the mutation itself)',
      },
    };
    process.stdout.write(`${JSON.stringify({ overall, operations: results.operations, delivery: results.delivery }, null, 1)}\n`);
    process.stdout.write(`results: ${writeResults('load', results)}\n`);
  } finally {
    for (const s of sockets) void s.dispose();
    await server.stop();
    dir.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
