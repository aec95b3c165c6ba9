// npm run bench:ingest — end-to-end ingestion on the Neo4j store with the real broker (both
// started by the engines harness unless NEO4J_URI / KAFKA_BROKERS are set), measured in one run:
//  (a) sustained throughput, produce → visible in the graph store, for asset upserts and for
//      lineage edges, against the raw store write rate of the same batches (the adapter's
//      writeAssets / addEdges, no Kafka, no services), as a ratio. A warm-up round of both, then
//      BENCH_INGEST_ROUNDS (4) rounds alternating which side goes first; medians and spread;
//  (b) freshness at a steady 500 events/s: from the Kafka record timestamp to the asset's
//      creation in the store (stamped in the applying transaction), p50/p95/p99.
// The metalake server runs in its own process with WORKERS=ingest (2 cores shared with Neo4j and Kafka).
import neo4j from 'neo4j-driver';
import type { EdgeRecord } from '../src/domain/model.js';
import { createNeo4jStore } from '../src/store/neo4j/index.js';
import { type OutgoingEvent, toKafkaRecord } from '../src/streams/ingest/events.js';
import { createKafka, ensureTopics } from '../src/streams/kafka/client.js';
import { assetRecord, silentLog, tempDir } from '../test/support/fixtures.js';
import { chunks } from './estate.js';
import { latencyOf, loadEngines, machine, roundsOf, startServerProcess, writeResults } from './lib.js';
import { sleep } from '../src/streams/worker.js';

const RUN = Date.now().toString(36);
const ASSETS = Number(process.env.BENCH_INGEST_ASSETS ?? 20_000);
const EDGES = Number(process.env.BENCH_INGEST_EDGES ?? 20_000);
const STEADY_RPS = Number(process.env.BENCH_INGEST_RPS ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 20);
const CHUNK = Number(process.env.BENCH_INGEST_CHUNK ?? 1000);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 4);
const whole = (n: number) => Math.round(n);

// One tenant, its tables spread over 10 databases (events are keyed by tenant and database).
const tableName = (prefix: string, i: number) => `bench://${prefix}/db${i % 10}.s.t${i}`;

async function main() {
  const { up, down } = await loadEngines();
  const { env, started } = await up(['neo4j', 'kafka']);
  const uri = env.NEO4J_URI!;
  const brokers = env.KAFKA_BROKERS!;
  const dir = tempDir('metalake-bench-ingest-');
  const topics = { ingest: `bench.ingest.${RUN}`, bulk: `bench.bulk.${RUN}`, changes: `bench.changes.${RUN}`, dlq: `bench.dlq.${RUN}` };
  const driver = neo4j.driver(uri, undefined, { disableLosslessIntegers: true });
  const count = async (cypher: string, tenant: string): Promise<number> => {
    const r = await driver.executeQuery(cypher, { t: tenant });
    return r.records[0]?.get('n') as number;
  };
  const assetsOf = (tenant: string) => count('MATCH (a:Asset {tenant: $t}) RETURN count(a) AS n', tenant);
  const edgesOf = (tenant: string) => count('MATCH (:Asset {tenant: $t})-[r:FLOWS_TO]->() RETURN count(r) AS n', tenant);
  const edgePairs = Array.from({ length: EDGES }, (_, i) => [i % ASSETS, (i * 7919 + 1) % ASSETS] as const).filter(([a, b]) => a !== b);

  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'metalake-bench' }, silentLog);
  await ensureTopics(kafka, Object.values(topics), 3);
  const producer = kafka.producer();
  await producer.connect();
  const store = await createNeo4jStore({ uri });
  const server = await startServerProcess({
    STORE: 'neo4j',
    NEO4J_URI: uri,
    KAFKA_BROKERS: brokers,
    DATA_DIR: dir.path,
    JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
    WORKERS: 'ingest',
    KAFKA_GROUP_PREFIX: `bench-${RUN}`,
    KAFKA_TOPIC_INGEST: topics.ingest,
    KAFKA_TOPIC_INGEST_BULK: topics.bulk,
    KAFKA_TOPIC_CHANGES: topics.changes,
    KAFKA_TOPIC_DLQ: topics.dlq,
    INGEST_CHUNK_PRIORITY: String(CHUNK),
  });
  try {
    const upsert = (tenant: string, i: number, prefix: string): OutgoingEvent => ({
      id: `${tenant}-a${prefix}${i}`,
      tenant,
      source: 'bench',
      type: 'metalake.asset.upserted.v1',
      data: { qualifiedName: tableName(prefix, i), kind: 'TABLE' },
    });
    const send = async (events: OutgoingEvent[]) => {
      for (const batch of chunks(events, 1000)) await producer.send({ topic: topics.ingest, messages: batch.map((e) => toKafkaRecord(e)) });
    };
    const waitFor = async (probe: () => Promise<number>, target: number) => {
      for (;;) {
        const n = await probe();
        if (n >= target) return performance.now();
        await sleep(50);
      }
    };

    /** The same batches straight into the adapter (writeAssets, addEdges): no Kafka, no services. */
    const raw = async (round: number): Promise<{ assets: number; edges: number }> => {
      const tenant = `raw-${RUN}-${round}`;
      const at = new Date().toISOString();
      const records = Array.from({ length: ASSETS }, (_, i) => assetRecord('TABLE', tableName(`raw${round}`, i)));
      let t0 = performance.now();
      for (const batch of chunks(records, CHUNK)) await store.tenant(tenant).transaction((tx) => tx.writeAssets(batch));
      const assets = ASSETS / ((performance.now() - t0) / 1000);
      const edges: EdgeRecord[] = edgePairs.map(([a, b]) => ({
        fromId: records[a]!.id,
        toId: records[b]!.id,
        processId: null,
        masking: false,
      }));
      t0 = performance.now();
      for (const batch of chunks(edges, CHUNK)) await store.tenant(tenant).transaction((tx) => tx.addEdges(batch, 'bench', at));
      return { assets, edges: edges.length / ((performance.now() - t0) / 1000) };
    };

    /** Produce → visible in the graph store, through the server's ingest workers. */
    const endToEnd = async (round: number): Promise<{ assets: number; edges: number }> => {
      const tenant = `bench-${RUN}-${round}`;
      const prefix = `e2e${round}`;
      let t0 = performance.now();
      await send(Array.from({ length: ASSETS }, (_, i) => upsert(tenant, i, prefix)));
      const assets = ASSETS / (((await waitFor(() => assetsOf(tenant), ASSETS)) - t0) / 1000);
      t0 = performance.now();
      await send(
        edgePairs.map(([a, b], k) => ({
          id: `${tenant}-e${k}`,
          tenant,
          source: 'bench',
          type: 'metalake.lineage.added.v1',
          data: { from: tableName(prefix, a), to: tableName(prefix, b) },
        })),
      );
      return { assets, edges: edgePairs.length / (((await waitFor(() => edgesOf(tenant), edgePairs.length)) - t0) / 1000) };
    };

    // (a) Round 0 warms both sides up (JIT, Neo4j's page cache and query plans, the consumer
    // group's join) and is not counted; then the two sides alternate which goes first.
    const measured: { raw: { assets: number; edges: number }; endToEnd: { assets: number; edges: number } }[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const first = round % 2 === 0 ? 'raw' : 'endToEnd';
      const result =
        first === 'raw'
          ? { raw: await raw(round), endToEnd: await endToEnd(round) }
          : { endToEnd: await endToEnd(round), raw: await raw(round) };
      process.stdout.write(
        `round ${round}${round === 0 ? ' (warm-up)' : ''}, ${first} first: raw ${whole(result.raw.assets)} assets/s ${whole(result.raw.edges)} edges/s; ` +
          `end to end ${whole(result.endToEnd.assets)} assets/s ${whole(result.endToEnd.edges)} edges/s\n`,
      );
      if (round > 0) measured.push(result);
    }
    const figure = (side: 'raw' | 'endToEnd', what: 'assets' | 'edges') => roundsOf(measured.map((m) => m[side][what]));
    const pair = (what: 'assets' | 'edges') => {
      const endToEnd = figure('endToEnd', what);
      const rawStore = figure('raw', what);
      return {
        endToEndPerSecond: endToEnd,
        rawStorePerSecond: rawStore,
        ratioRawToEndToEnd: roundsOf(
          measured.map((m) => m.raw[what] / m.endToEnd[what]),
          2,
        ),
      };
    };
    const throughput = { assetUpserts: pair('assets'), lineageEdges: pair('edges') };

    // (b) freshness at a steady rate: each record's timestamp against its asset's creation time.
    {
      const tenant = `bench-${RUN}-steady`;
      const steadyTotal = STEADY_RPS * STEADY_SECONDS;
      const start = performance.now();
      const sentAt = new Map<string, number>();
      for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
        const due = start + tick * 100;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const batch = Array.from({ length: STEADY_RPS / 10 }, (_, j) => upsert(tenant, tick * (STEADY_RPS / 10) + j, 'steady'));
        const now = Date.now();
        await producer.send({ topic: topics.ingest, messages: batch.map((e) => ({ ...toKafkaRecord(e), timestamp: String(now) })) });
        for (const e of batch) sentAt.set((e.data as { qualifiedName: string }).qualifiedName, now);
      }
      await waitFor(
        () => count('MATCH (a:Asset {tenant: $t}) WHERE a.qualifiedName STARTS WITH "bench://steady/" RETURN count(a) AS n', tenant),
        steadyTotal,
      );
      const rows = await driver.executeQuery(
        'MATCH (a:Asset {tenant: $t}) WHERE a.qualifiedName STARTS WITH "bench://steady/" RETURN a.qualifiedName AS qn, a.createdAt AS at',
        { t: tenant },
      );
      const freshness = rows.records
        .map((r) => Date.parse(r.get('at') as string) - sentAt.get(r.get('qn') as string)!)
        .sort((a, b) => a - b);
      const fresh = latencyOf(freshness);
      process.stdout.write(
        `freshness at ${STEADY_RPS} events/s for ${STEADY_SECONDS} s: p50 ${fresh.p50Ms} ms, p95 ${fresh.p95Ms} ms, p99 ${fresh.p99Ms} ms\n`,
      );

      const results = {
        machine: machine(),
        setup: {
          store: 'neo4j 5.26',
          broker: 'kafka 3.9',
          partitions: 3,
          chunk: CHUNK,
          assets: ASSETS,
          edges: edgePairs.length,
          note: 'server in its own process (WORKERS=ingest); Neo4j, Kafka, server and producer share 2 cores. Each figure: the median of ROUNDS rounds after a warm-up round, with min, max and every round; the raw adapter and the full path alternate which goes first, each round into fresh tenants (the graph grows across rounds)',
        },
        rounds: ROUNDS,
        throughput,
        freshness: {
          rate: STEADY_RPS,
          seconds: STEADY_SECONDS,
          events: freshness.length,
          ...fresh,
          definition: 'Kafka record timestamp → createdAt stamped in the applying store transaction',
        },
      };
      process.stdout.write(`results: ${writeResults('ingest', results)}\n`);
    }
  } finally {
    await server.stop();
    await producer.disconnect();
    await store.close();
    await driver.close();
    dir.remove();
    if (started.length > 0) await down(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ingest failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
