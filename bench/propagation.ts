// npm run bench:propagation — one classification reaching 100,000 downstream assets in a real
// Neo4j 5.26 (started by the engines harness unless NEO4J_URI is set), through GraphQL:
//  - how fast `classify` answers (it hands the propagation to the background worker),
//  - how long the worker takes to apply it (rows/s, rows per transaction) and how progress shows,
//  - when the last of the 100,001 subscription events arrives,
//  - the server's peak memory while doing it; then the same for `declassify`.
// The estate (root → 100 tables → 1,000 columns each) is written through the adapter directly.
// Before anything is measured, a unit of ~7,000 assets in a tenant of its own is classified and
// declassified (BENCH_PROPAGATION_WARM_ROUNDS, 2), so that Neo4j has planned every statement of
// the path and its JIT is warm; then BENCH_PROPAGATION_ROUNDS (3) rounds of classify and
// declassify, reported as medians with the spread, and each run. BENCH_PROPAGATION_MIDS=10 gives
// the 10,000-asset unit (results in propagation-10000.json; the default size in propagation.json).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import type { AssetRecord } from '../src/domain/model.js';
import { createNeo4jStore } from '../src/store/neo4j/index.js';
import { tempDir } from '../test/support/fixtures.js';
import { chunks } from './estate.js';
import { gqlPost, loadEngines, machine, roundsOf, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const MIDS = Number(process.env.BENCH_PROPAGATION_MIDS ?? 100);
const LEAVES = Number(process.env.BENCH_PROPAGATION_LEAVES ?? 999);
const CHUNK = process.env.BENCH_PROPAGATION_CHUNK ?? '5000';
/** Measured rounds (classify, then declassify); medians and the spread are reported. */
const ROUNDS = Number(process.env.BENCH_PROPAGATION_ROUNDS ?? 3);
/** Warm-up rounds on a unit of WARM_MIDS × LEAVES assets in its own tenant, over the sync limit so that the job path runs. */
const WARM_ROUNDS = Number(process.env.BENCH_PROPAGATION_WARM_ROUNDS ?? 2);
const WARM_MIDS = Number(process.env.BENCH_PROPAGATION_WARM_MIDS ?? 7);
const qn = (path: string) => `snowflake://bench/fan100k.${path}`;

function asset(qualifiedName: string, kind: AssetRecord['kind'], at: string): AssetRecord {
  return {
    id: randomUUID(),
    qualifiedName,
    kind,
    name: qualifiedName.split('.').pop()!,
    description: null,
    owners: [],
    attributes: {},
    parentId: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/** Peak resident memory of a process, sampled from /proc. */
function rssSampler(pid: number) {
  let peak = 0;
  const read = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  const timer = setInterval(() => (peak = Math.max(peak, read())), 250);
  return { now: read, reset: () => (peak = read()), peakMiB: () => Math.round(peak / 2 ** 20), stop: () => clearInterval(timer) };
}

interface Job {
  id: string;
  status: string;
  total: number | null;
  applied: number;
}

/** root → mids tables → leaves columns each, in `tenant`, through the adapter. */
async function writeFanout(uri: string, tenant: string, mids: number, leaves: number) {
  const at = new Date().toISOString();
  const root = asset(qn(`${tenant}.root`), 'TABLE', at);
  const tables = Array.from({ length: mids }, (_, i) => asset(qn(`${tenant}.t${i}`), 'TABLE', at));
  const columns = tables.flatMap((m, i) =>
    Array.from({ length: leaves }, (_, j) => ({ mid: m, leaf: asset(qn(`${tenant}.t${i}.c${j}`), 'COLUMN', at) })),
  );
  const store = await createNeo4jStore({ uri });
  try {
    const graph = store.tenant(tenant);
    for (const batch of chunks([root, ...tables, ...columns.map((l) => l.leaf)], 5000))
      await graph.transaction((tx) => tx.writeAssets(batch));
    const edges = [
      ...tables.map((m) => ({ fromId: root.id, toId: m.id, processId: null, masking: false })),
      ...columns.map((l) => ({ fromId: l.mid.id, toId: l.leaf.id, processId: null, masking: false })),
    ];
    for (const batch of chunks(edges, 5000)) await graph.transaction((tx) => tx.addEdges(batch, 'bench', at));
    await graph.transaction((tx) =>
      tx.putClassificationType({ name: 'PII', description: null, propagateByDefault: true, maskable: false, createdAt: at }),
    );
    return { root, downstream: tables.length + columns.length, edges: edges.length };
  } finally {
    await store.close();
  }
}

/** A websocket subscriber to a tenant's PII events, counting what arrives. */
function subscriber(url: string, token: string) {
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
  });
  const state = { received: 0, lastEventAt: 0 };
  ws.subscribe(
    { query: 'subscription { classificationChanged(classifications: ["PII"]) { eventId } }' },
    {
      next: () => {
        state.received++;
        state.lastEventAt = performance.now();
      },
      error: (e) => process.stderr.write(`subscription error: ${JSON.stringify(e)}\n`),
      complete: () => {},
    },
  );
  return { state, dispose: () => ws.dispose() };
}

type Mutation = 'classify' | 'declassify';

async function main() {
  const { up, down } = await loadEngines();
  const { env, started } = await up(['neo4j']);
  const uri = env.NEO4J_URI!;
  const dir = tempDir('metalake-bench-propagation-');
  const stamp = Date.now().toString(36);
  const tenant = `prop-${stamp}`;
  // A smaller unit over the sync limit, in a tenant of its own: its rounds plan every statement
  // of the path and warm Neo4j's JIT before anything is measured (a cold server measured the
  // compilation of each statement's first run as part of the propagation).
  const warmTenant = `prop-warm-${stamp}`;
  try {
    let t0 = performance.now();
    const estate = await writeFanout(uri, tenant, MIDS, LEAVES);
    const warm = await writeFanout(uri, warmTenant, WARM_MIDS, LEAVES);
    process.stdout.write(
      `estate: ${estate.downstream + 1} assets, ${estate.edges} edges; warm-up unit ${warm.downstream + 1} assets; written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    const server = await startServerProcess({
      STORE: 'neo4j',
      NEO4J_URI: uri,
      DATA_DIR: dir.path,
      JWT_SECRET: SECRET,
      PROPAGATION_CHUNK: CHUNK,
    });
    const rss = rssSampler(server.child.pid!);
    try {
      const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
      const tokens = async (t: string) => ({
        steward: await mintDevToken(jwt, { tenant: t, roles: ['steward'] }),
        viewer: await mintDevToken(jwt, { tenant: t, roles: ['viewer'] }),
      });
      const main = { ...estate, ...(await tokens(tenant)) };
      const warmUp = { ...warm, ...(await tokens(warmTenant)) };
      const subscribers = [subscriber(server.url, main.viewer), subscriber(server.url, warmUp.viewer)];
      await new Promise((r) => setTimeout(r, 500));

      const measure = async (unit: typeof main, mutation: Mutation, events: { received: number; lastEventAt: number }) => {
        events.received = 0;
        rss.reset();
        const expected = unit.downstream + 1;
        t0 = performance.now();
        const r = await gqlPost(
          server.url,
          unit.steward,
          `mutation($qn: String!) { ${mutation}(qualifiedName: $qn, classification: "PII") { added removed propagations { id status } } }`,
          { qn: unit.root.qualifiedName },
        );
        const answeredMs = performance.now() - t0;
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const payload = (r.data as Record<string, { added: number; removed: number; propagations: Job[] }>)[mutation]!;
        const jobId = payload.propagations[0]?.id;
        if (!jobId) throw new Error(`${mutation} applied synchronously: ${JSON.stringify(payload)}`);
        // Progress as a client sees it, polled every half second.
        const progress: { atMs: number; applied: number; total: number | null; status: string }[] = [];
        let job: Job | undefined;
        do {
          await new Promise((res) => setTimeout(res, 500));
          const q = await gqlPost(server.url, unit.viewer, 'query($id: ID!) { propagationJob(id: $id) { id status total applied } }', {
            id: jobId,
          });
          job = (q.data as { propagationJob: Job }).propagationJob;
          progress.push({ atMs: Math.round(performance.now() - t0), applied: job.applied, total: job.total, status: job.status });
        } while (job.status !== 'DONE' && performance.now() - t0 < 600_000);
        const jobMs = progress.at(-1)!.atMs;
        while (events.received < expected && performance.now() - t0 < 600_000) await new Promise((res) => setTimeout(res, 100));
        return {
          mutationAnsweredMs: Math.round(answeredMs),
          syncPart: { added: payload.added, removed: payload.removed },
          jobDoneWithinMs: jobMs,
          rowsApplied: job.applied,
          rowsPerSecond: Math.round(job.applied / (jobMs / 1000)),
          rowsPerTransaction: Number(CHUNK),
          lastEventMs: Math.round(events.lastEventAt - t0),
          eventsReceived: events.received,
          eventsExpected: expected,
          serverPeakRssMiB: rss.peakMiB(),
          progressSamples: progress.length > 8 ? [...progress.slice(0, 4), ...progress.slice(-4)] : progress,
        };
      };
      for (let i = 0; i < WARM_ROUNDS; i++)
        for (const m of ['classify', 'declassify'] as const) {
          const r = await measure(warmUp, m, subscribers[1]!.state);
          process.stdout.write(`warm-up ${m}: job done ${r.jobDoneWithinMs} ms, last event ${r.lastEventMs} ms\n`);
        }
      const rounds: { classify: Awaited<ReturnType<typeof measure>>; declassify: Awaited<ReturnType<typeof measure>> }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const classify = await measure(main, 'classify', subscribers[0]!.state);
        process.stdout.write(`round ${i + 1} classify: ${JSON.stringify(classify)}\n`);
        const declassify = await measure(main, 'declassify', subscribers[0]!.state);
        process.stdout.write(`round ${i + 1} declassify: ${JSON.stringify(declassify)}\n`);
        rounds.push({ classify, declassify });
      }
      for (const s of subscribers) await s.dispose();
      const summary = (m: Mutation) => {
        const of = (f: (r: (typeof rounds)[number][Mutation]) => number) => roundsOf(rounds.map((r) => f(r[m])));
        return {
          mutationAnsweredMs: of((r) => r.mutationAnsweredMs),
          jobDoneWithinMs: of((r) => r.jobDoneWithinMs),
          lastEventMs: of((r) => r.lastEventMs),
          allEventsDelivered: rounds.every((r) => r[m].eventsReceived === r[m].eventsExpected),
        };
      };
      const results = {
        benchmark: 'bench:propagation',
        machine: machine(),
        neo4j: '5.26 (engines harness, heap 768 MiB, page cache 128 MiB)',
        estate: { downstreamAssets: estate.downstream, shape: `root → ${MIDS} tables → ${LEAVES} columns each` },
        warmUp: { downstreamAssets: warm.downstream, rounds: WARM_ROUNDS },
        settings: { PROPAGATION_SYNC_LIMIT: 5000, PROPAGATION_CHUNK: Number(CHUNK) },
        rounds: ROUNDS,
        classify: summary('classify'),
        declassify: summary('declassify'),
        runs: rounds,
      };
      process.stdout.write(`classify: ${JSON.stringify(results.classify)}\ndeclassify: ${JSON.stringify(results.declassify)}\n`);
      // The default estate (100,000 downstream) is the documented one; other sizes keep a file of their own.
      const file = writeResults(MIDS === 100 && LEAVES === 999 ? 'propagation' : `propagation-${estate.downstream}`, results);
      process.stdout.write(`results written to ${file}\n`);
    } finally {
      rss.stop();
      await server.stop();
    }
  } finally {
    dir.remove();
    if (started.length > 0) await down(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
