// npm run chaos — fault drills on loopback against the real engines (started by the engines
// harness unless NEO4J_URI / KAFKA_BROKERS / ELASTICSEARCH_URL are set), bounded in time:
//   1. ingest workers SIGKILLed in a loop during sustained ingest;
//   2. the Kafka broker SIGKILLed and restarted (same port and data) during ingest;
//   3. Neo4j frozen (SIGSTOP) for a while during ingest, then thawed;
//   4. Elasticsearch frozen for a while during ingest, then thawed;
//   5. the API server SIGKILLed right after each acknowledged mutation, before its relay may
//      have published the change event (the outbox rows still unpublished at the kill are counted).
// After each drill a consistency check compares the graph store (Neo4j), the search index
// (Elasticsearch, through GraphQL search) and the change events on the change topic: every asset
// sent is in the store and the index, with exactly one distinct CREATED event id (redeliveries of
// the same id are allowed: consumers drop them). The summary goes to bench/results/chaos.json.
import type { Consumer, Producer } from 'kafkajs';
import neo4j from 'neo4j-driver';
import { mintDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { type OutgoingEvent, toKafkaRecord } from '../src/streams/ingest/events.js';
import { createKafka, ensureTopics } from '../src/streams/kafka/client.js';
import { silentLog, tempDir } from '../test/support/fixtures.js';
import { gqlPost, loadEngines, machine, type ServerProcess, startServerProcess, writeResults } from './lib.js';
import { sleep } from '../src/streams/worker.js';

const RUN = Date.now().toString(36);
const RATE = Number(process.env.CHAOS_RATE ?? 200);
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 15);
const CONVERGE_MS = Number(process.env.CHAOS_CONVERGE_SECONDS ?? 120) * 1000;
/** CHAOS_ONLY=worker-sigkill,commit-then-kill runs a subset. */
const ONLY = process.env.CHAOS_ONLY ? new Set(process.env.CHAOS_ONLY.split(',')) : null;
const DRILLS = ['worker-sigkill', 'broker-restart', 'neo4j-outage', 'elasticsearch-outage', 'commit-then-kill'].filter(
  (d) => !ONLY || ONLY.has(d),
);
const KILLS = Number(process.env.CHAOS_KILLS ?? 6);
const SECRET = 'chaos-secret-0123456789-0123456789-0123456789';
const log = (line: string) => process.stdout.write(`[chaos] ${line}\n`);

interface DrillResult {
  drill: string;
  fault: string;
  sent: number;
  inStore: number;
  inIndex: number;
  withEvent: number;
  duplicateEventIds: number;
  /** From the drill's start. */
  convergedAfterSeconds: number | null;
  /** From the end of the faults (and of sending). */
  settledAfterFaultsSeconds: number | null;
  ok: boolean;
  notes: string[];
}

async function main() {
  const engines = await loadEngines();
  const wanted = (['neo4j', 'kafka', 'elasticsearch'] as const).filter(
    (e) => !process.env[{ neo4j: 'NEO4J_URI', kafka: 'KAFKA_BROKERS', elasticsearch: 'ELASTICSEARCH_URL' }[e]],
  );
  if (wanted.length < 3)
    throw new Error(
      'npm run chaos freezes and restarts the engines, so it starts its own: unset NEO4J_URI, KAFKA_BROKERS and ELASTICSEARCH_URL',
    );
  const { env } = await engines.up([...wanted]);
  const uri = env.NEO4J_URI!;
  const brokers = env.KAFKA_BROKERS!;
  const esUrl = env.ELASTICSEARCH_URL!;
  const dir = tempDir('metalake-chaos-');
  const topics = { ingest: `chaos.ingest.${RUN}`, bulk: `chaos.bulk.${RUN}`, changes: `chaos.changes.${RUN}`, dlq: `chaos.dlq.${RUN}` };
  const serverEnv = {
    STORE: 'neo4j',
    NEO4J_URI: uri,
    KAFKA_BROKERS: brokers,
    ELASTICSEARCH_URL: esUrl,
    ELASTICSEARCH_INDEX_PREFIX: `chaos-${RUN}`,
    DATA_DIR: dir.path,
    JWT_SECRET: SECRET,
    KAFKA_GROUP_PREFIX: `chaos-${RUN}`,
    KAFKA_TOPIC_INGEST: topics.ingest,
    KAFKA_TOPIC_INGEST_BULK: topics.bulk,
    KAFKA_TOPIC_CHANGES: topics.changes,
    KAFKA_TOPIC_DLQ: topics.dlq,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const jwt = loadConfig({ JWT_SECRET: SECRET, DATA_DIR: dir.path }).jwt;
  const driver = neo4j.driver(uri, undefined, { disableLosslessIntegers: true });
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'metalake-chaos' }, silentLog);
  await ensureTopics(kafka, Object.values(topics), 3);
  const results: DrillResult[] = [];
  const started = performance.now();

  // Every change event on the change topic: distinct event ids per (tenant, qualifiedName) creation.
  const created = new Map<string, Set<string>>();
  let redeliveries = 0;
  const seen = new Set<string>();
  const changes: Consumer = kafka.consumer({ groupId: `chaos-observer-${RUN}`, sessionTimeout: 10_000 });
  await changes.connect();
  await changes.subscribe({ topic: topics.changes, fromBeginning: true });
  await changes.run({
    eachMessage: async ({ message }) => {
      const e = JSON.parse(message.value?.toString() ?? '{}') as {
        eventId: string;
        tenant: string;
        type: string;
        change?: string;
        asset?: { qualifiedName: string };
      };
      if (seen.has(e.eventId)) redeliveries++;
      seen.add(e.eventId);
      if (e.type !== 'asset.changed' || e.change !== 'CREATED' || !e.asset) return;
      const key = `${e.tenant}|${e.asset.qualifiedName}`;
      const ids = created.get(key) ?? new Set<string>();
      ids.add(e.eventId);
      created.set(key, ids);
      await Promise.resolve();
    },
  });

  let producer: Producer = kafka.producer({ retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 3000 } });
  await producer.connect();
  /** The outside world keeps trying until the broker takes the records (at least once, same event ids). */
  const send = async (events: OutgoingEvent[]) => {
    for (;;) {
      try {
        await producer.send({ topic: topics.ingest, messages: events.map((e) => toKafkaRecord(e)) });
        return;
      } catch {
        await sleep(500);
      }
    }
  };
  const upsert = (tenant: string, i: number): OutgoingEvent => ({
    id: `${tenant}-${i}`,
    tenant,
    source: 'chaos',
    type: 'metalake.asset.upserted.v1',
    data: { qualifiedName: `chaos://h/db${i % 6}.s.t${i}`, kind: 'TABLE', description: `chaosdrill table ${i}` },
  });
  /** Sends `RATE` events per second for `SECONDS`, running `fault` alongside. */
  async function sustained(tenant: string, fault: () => Promise<string[]>): Promise<{ qualifiedNames: string[]; notes: string[] }> {
    const total = RATE * SECONDS;
    const events = Array.from({ length: total }, (_, i) => upsert(tenant, i));
    const feeding = (async () => {
      const t0 = performance.now();
      for (let tick = 0; tick < SECONDS * 10; tick++) {
        const wait = t0 + tick * 100 - performance.now();
        if (wait > 0) await sleep(wait);
        await send(events.slice(tick * (RATE / 10), (tick + 1) * (RATE / 10)));
      }
    })();
    const [, notes] = await Promise.all([feeding, fault()]);
    return { qualifiedNames: events.map((e) => (e.data as { qualifiedName: string }).qualifiedName), notes };
  }

  let api: ServerProcess = await startServerProcess({ ...serverEnv, WORKERS: 'propagation,indexer' });
  const workers: ServerProcess[] = [];
  for (let i = 0; i < 2; i++) workers.push(await startServerProcess({ ...serverEnv, WORKERS: 'ingest' }));

  async function check(
    drill: string,
    fault: string,
    tenant: string,
    qualifiedNames: string[],
    notes: string[],
    t0: number,
  ): Promise<DrillResult> {
    const viewer = await mintDevToken(jwt, { tenant, roles: ['viewer'] });
    const expected = new Set(qualifiedNames);
    let state = { inStore: 0, inIndex: 0, withEvent: 0, duplicateEventIds: 0 };
    let converged: number | null = null;
    let settled: number | null = null;
    const faultOver = performance.now();
    const deadline = faultOver + CONVERGE_MS;
    while (performance.now() < deadline) {
      const rows = await driver.executeQuery('MATCH (a:Asset {tenant: $t}) RETURN a.qualifiedName AS qn', { t: tenant }).catch(() => null);
      const inStore = rows ? rows.records.filter((r) => expected.has(r.get('qn') as string)).length : 0;
      const search = await gqlPost(api.url, viewer, 'query($q: String!) { search(query: $q, first: 1) { total } }', {
        q: 'chaosdrill',
      }).catch(() => null);
      const inIndex = (search?.data as { search?: { total: number } } | undefined)?.search?.total ?? 0;
      let withEvent = 0;
      let duplicateEventIds = 0;
      for (const qn of expected) {
        const ids = created.get(`${tenant}|${qn}`);
        if (ids) withEvent++;
        if (ids && ids.size > 1) duplicateEventIds++;
      }
      state = { inStore, inIndex, withEvent, duplicateEventIds };
      if (inStore === expected.size && inIndex === expected.size && withEvent === expected.size) {
        converged = (performance.now() - t0) / 1000;
        settled = (performance.now() - faultOver) / 1000;
        break;
      }
      await sleep(1000);
    }
    const ok = converged !== null && state.duplicateEventIds === 0;
    const result = {
      drill,
      fault,
      sent: expected.size,
      ...state,
      convergedAfterSeconds: converged === null ? null : Math.round(converged * 10) / 10,
      settledAfterFaultsSeconds: settled === null ? null : Math.round(settled * 10) / 10,
      ok,
      notes,
    };
    log(`${drill}: ${ok ? 'OK' : 'FAILED'} ${JSON.stringify(result)}`);
    return result;
  }

  async function drill(name: string, fault: string, run: (tenant: string) => Promise<string[]>) {
    if (!DRILLS.includes(name)) return;
    const tenant = `chaos-${name}-${RUN}`;
    log(`${name}: ${fault}`);
    const t0 = performance.now();
    const { qualifiedNames, notes } = await sustained(tenant, () => run(tenant));
    results.push(await check(name, fault, tenant, qualifiedNames, notes, t0));
  }

  try {
    await drill(
      'worker-sigkill',
      `${SECONDS} s of ${RATE} events/s while an ingest worker is SIGKILLed every 2 s (a replacement starts at once)`,
      async () => {
        let kills = 0;
        const replacements: Promise<void>[] = [];
        const end = performance.now() + SECONDS * 1000;
        while (performance.now() < end) {
          await sleep(2000);
          const victim = workers.shift();
          if (victim) {
            victim.child.kill('SIGKILL');
            kills++;
          }
          replacements.push(
            startServerProcess({ ...serverEnv, WORKERS: 'ingest' }).then((w) => {
              workers.push(w);
            }),
          );
        }
        await Promise.all(replacements);
        return [`${kills} workers killed mid-batch; at times no worker was running`];
      },
    );

    await drill(
      'broker-restart',
      `the Kafka broker SIGKILLed 3 s into ${SECONDS} s of ingest and restarted on the same port and data`,
      async () => {
        await sleep(3000);
        const t = performance.now();
        await engines.restartKafka(); // same port and data: every client keeps its broker address
        return [`broker back after ${((performance.now() - t) / 1000).toFixed(1)} s`];
      },
    );
    // The producer reconnects by itself; a fresh one avoids carrying a stale metadata cache into the next drills.
    await producer.disconnect().catch(() => undefined);
    producer = kafka.producer();
    await producer.connect();

    for (const engine of ['neo4j', 'elasticsearch'] as const) {
      await drill(`${engine}-outage`, `${engine} frozen (SIGSTOP) 3 s into ${SECONDS} s of ingest, for 12 s`, async () => {
        await sleep(3000);
        engines.signalEngine(engine, 'SIGSTOP');
        await sleep(12_000);
        engines.signalEngine(engine, 'SIGCONT');
        return ['frozen 12 s'];
      });
    }

    // 5. Kill between commit and publish.
    if (DRILLS.includes('commit-then-kill')) {
      const tenant = `chaos-commit-${RUN}`;
      const admin = await mintDevToken(jwt, { tenant, roles: ['admin'] });
      log('commit-then-kill: SIGKILL of the API server right after each acknowledged mutation');
      const t0 = performance.now();
      const qualifiedNames: string[] = [];
      let pendingAtKill = 0;
      for (let i = 0; i < KILLS; i++) {
        const qn = `chaos://commit/db.s.t${i}`;
        const r = await gqlPost(api.url, admin, 'mutation($i: [AssetInput!]!) { upsertAssets(input: $i) { created } }', {
          i: [{ qualifiedName: qn, kind: 'TABLE', description: `chaosdrill ${i}` }],
        });
        api.child.kill('SIGKILL');
        if (r.errors) throw new Error(`mutation failed: ${JSON.stringify(r.errors)}`);
        qualifiedNames.push(qn);
        const pending = await driver.executeQuery('MATCH (b:PendingBatch) RETURN coalesce(sum(b.last - b.upTo), 0) AS n');
        pendingAtKill += pending.records[0]?.get('n') as number;
        api = await startServerProcess({ ...serverEnv, WORKERS: 'propagation,indexer' });
      }
      results.push(
        await check(
          'commit-then-kill',
          `API server SIGKILLed right after each of ${KILLS} acknowledged mutations, then restarted`,
          tenant,
          qualifiedNames,
          [`${pendingAtKill} change events were committed but not yet published at the kills`],
          t0,
        ),
      );
    }
  } finally {
    const summary = {
      machine: machine(),
      setup: {
        store: 'neo4j 5.26',
        broker: 'kafka 3.9',
        search: 'elasticsearch 8.19',
        rate: RATE,
        seconds: SECONDS,
        ingestWorkers: 2,
        note: 'loopback only; engines, 3-4 metalake processes and the driver share 2 cores',
      },
      drills: results,
      redeliveredChangeEvents: redeliveries,
      allOk: results.length === DRILLS.length && results.every((r) => r.ok),
      totalSeconds: Math.round((performance.now() - started) / 1000),
    };
    log(`results: ${writeResults('chaos', summary)}`);
    await Promise.all([api, ...workers].map((p) => p.stop().catch(() => undefined)));
    await changes.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await driver.close();
    await engines.down([...wanted]);
    dir.remove();
    if (!summary.allOk) process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
