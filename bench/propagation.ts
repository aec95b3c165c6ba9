// npm run bench:propagation — one classification reaching 100,000 downstream assets in a real
// Neo4j 5.26 (started by the engines harness unless NEO4J_URI is set), through GraphQL:
//  - how fast `classify` answers (it hands the propagation to the background worker),
//  - how long the worker takes to apply it (rows/s, rows per transaction) and how progress shows,
//  - when the last of the 100,001 subscription events arrives,
//  - the server's peak memory while doing it; then the same for `declassify`.
// The estate (root → 100 tables → 1,000 columns each) is written through the adapter directly.
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
import { gqlPost, loadEngines, machine, startServerProcess, writeResults } from './lib.js';

const SECRET = 'bench-secret-0123456789-0123456789-0123456789';
const MIDS = Number(process.env.BENCH_PROPAGATION_MIDS ?? 100);
const LEAVES = Number(process.env.BENCH_PROPAGATION_LEAVES ?? 999);
const CHUNK = process.env.BENCH_PROPAGATION_CHUNK ?? '5000';
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

async function main() {
  const { up, down } = await loadEngines();
  const { env, started } = await up(['neo4j']);
  const uri = env.NEO4J_URI!;
  const dir = tempDir('metalake-bench-propagation-');
  const tenant = `prop-${Date.now().toString(36)}`;
  try {
    // The estate, through the adapter: root → MIDS tables → LEAVES columns each.
    const at = new Date().toISOString();
    const root = asset(qn('root'), 'TABLE', at);
    const mids = Array.from({ length: MIDS }, (_, i) => asset(qn(`t${i}`), 'TABLE', at));
    const leaves = mids.flatMap((m, i) =>
      Array.from({ length: LEAVES }, (_, j) => ({ mid: m, leaf: asset(qn(`t${i}.c${j}`), 'COLUMN', at) })),
    );
    const downstream = mids.length + leaves.length;
    const store = await createNeo4jStore({ uri });
    let t0 = performance.now();
    const graph = store.tenant(tenant);
    for (const batch of chunks([root, ...mids, ...leaves.map((l) => l.leaf)], 5000)) await graph.transaction((tx) => tx.writeAssets(batch));
    const edges = [
      ...mids.map((m) => ({ fromId: root.id, toId: m.id, processId: null, masking: false })),
      ...leaves.map((l) => ({ fromId: l.mid.id, toId: l.leaf.id, processId: null, masking: false })),
    ];
    for (const batch of chunks(edges, 5000)) await graph.transaction((tx) => tx.addEdges(batch, 'bench', at));
    await graph.transaction((tx) =>
      tx.putClassificationType({ name: 'PII', description: null, propagateByDefault: true, maskable: false, createdAt: at }),
    );
    await store.close();
    process.stdout.write(
      `estate: ${downstream + 1} assets, ${edges.length} edges written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
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
      const steward = await mintDevToken(jwt, { tenant, roles: ['steward'] });
      const viewer = await mintDevToken(jwt, { tenant, roles: ['viewer'] });
      const ws = createClient({
        url: server.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${viewer}` },
        lazy: false,
        retryAttempts: 0,
      });
      let received = 0;
      let lastEventAt = 0;
      ws.subscribe(
        { query: 'subscription { classificationChanged(classifications: ["PII"]) { eventId } }' },
        {
          next: () => {
            received++;
            lastEventAt = performance.now();
          },
          error: (e) => process.stderr.write(`subscription error: ${JSON.stringify(e)}\n`),
          complete: () => {},
        },
      );
      await new Promise((r) => setTimeout(r, 500));

      const measure = async (mutation: 'classify' | 'declassify') => {
        received = 0;
        rss.reset();
        const expected = downstream + 1;
        t0 = performance.now();
        const r = await gqlPost(
          server.url,
          steward,
          `mutation($qn: String!) { ${mutation}(qualifiedName: $qn, classification: "PII") { added removed propagations { id status } } }`,
          { qn: root.qualifiedName },
        );
        const answeredMs = performance.now() - t0;
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        const payload = (r.data as Record<string, { added: number; removed: number; propagations: Job[] }>)[mutation]!;
        const jobId = payload.propagations[0]?.id;
        if (!jobId) throw new Error(`${mutation} applied synchronously: ${JSON.stringify(payload)}`);
        // Progress as a client sees it, polled once a second.
        const progress: { atMs: number; applied: number; total: number | null; status: string }[] = [];
        let job: Job | undefined;
        do {
          await new Promise((res) => setTimeout(res, 1000));
          const q = await gqlPost(server.url, viewer, 'query($id: ID!) { propagationJob(id: $id) { id status total applied } }', {
            id: jobId,
          });
          job = (q.data as { propagationJob: Job }).propagationJob;
          progress.push({ atMs: Math.round(performance.now() - t0), applied: job.applied, total: job.total, status: job.status });
        } while (job.status !== 'DONE' && performance.now() - t0 < 600_000);
        const jobMs = progress.at(-1)!.atMs;
        while (received < expected && performance.now() - t0 < 600_000) await new Promise((res) => setTimeout(res, 200));
        const result = {
          mutationAnsweredMs: Math.round(answeredMs),
          syncPart: { added: payload.added, removed: payload.removed },
          jobDoneWithinMs: jobMs,
          rowsApplied: job.applied,
          rowsPerSecond: Math.round(job.applied / (jobMs / 1000)),
          rowsPerTransaction: Number(CHUNK),
          lastEventMs: Math.round(lastEventAt - t0),
          eventsReceived: received,
          eventsExpected: expected,
          serverPeakRssMiB: rss.peakMiB(),
          progressSamples: progress.length > 8 ? [...progress.slice(0, 4), ...progress.slice(-4)] : progress,
        };
        process.stdout.write(`${mutation}: ${JSON.stringify(result)}\n`);
        return result;
      };
      const classify = await measure('classify');
      const declassify = await measure('declassify');
      await ws.dispose();
      const file = writeResults('propagation', {
        benchmark: 'bench:propagation',
        machine: machine(),
        neo4j: '5.26 (engines harness, heap 768 MiB, page cache 128 MiB)',
        estate: { downstreamAssets: downstream, shape: `root → ${MIDS} tables → ${LEAVES} columns each` },
        settings: { PROPAGATION_SYNC_LIMIT: 5000, PROPAGATION_CHUNK: Number(CHUNK) },
        classify,
        declassify,
      });
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
