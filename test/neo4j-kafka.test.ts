// @engines neo4j:exclusive kafka
// Everything that runs against the real Neo4j the engines harness starts: the graph store
// contract, the propagation rules, the whole GraphQL API with STORE=neo4j, and two API replicas
// sharing Neo4j and Kafka. Neo4j Community has a single database, and these suites' servers drain
// its outbox and claim its propagation jobs: the file holds Neo4j alone (the runner enforces the
// declaration above), and its suites run one after the other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSuite } from './e2e/api.suite.js';
import { graphPropertiesContract } from './contract/graph-properties.contract.js';
import { graphStoreContract } from './contract/graph-store.contract.js';
import { propagationContract } from './contract/propagation.contract.js';
import neo4j from 'neo4j-driver';
import { changeEvent, kafkaEnv, neo4jFactory, uniqueTenant } from './support/fixtures.js';
import { type TestServer, startTestServer } from './support/server.js';

const neo4jEnv = () => {
  if (!process.env.NEO4J_URI)
    throw new Error('NEO4J_URI is not set: run the tests with `npm test` (it starts Neo4j) or point NEO4J_URI at a server');
  return { STORE: 'neo4j', NEO4J_URI: process.env.NEO4J_URI };
};

graphStoreContract(neo4jFactory);
propagationContract(neo4jFactory);
graphPropertiesContract(neo4jFactory, 30);
apiSuite('neo4j', neo4jEnv);

describe('an outbox written before batches (one node per event)', () => {
  it('is moved into batches at start: the pending event still pending, the published one not, both readable by position', async () => {
    const uri = neo4jEnv().NEO4J_URI;
    const t = uniqueTenant('legacy');
    const [waiting, sent] = [changeEvent(t), changeEvent(t)];
    const driver = neo4j.driver(uri, undefined, { disableLosslessIntegers: true });
    let top: number;
    try {
      const r = await driver.executeQuery(
        `MATCH (s:OutboxSequence {name: 'outbox'}) SET s.value = s.value + 2 WITH s.value AS top
        CREATE (:OutboxEvent {seq: top - 1, tenant: $t, eventId: $sent.eventId, type: $sent.type, payload: $sentPayload, createdAt: $at, publishedAt: $at}),
          (:OutboxEvent:PendingEvent {seq: top, tenant: $t, eventId: $waiting.eventId, type: $waiting.type, payload: $waitingPayload, createdAt: $at})
        RETURN top`,
        { t, sent, waiting, sentPayload: JSON.stringify(sent), waitingPayload: JSON.stringify(waiting), at: new Date().toISOString() },
      );
      top = r.records[0]!.get('top') as number;
    } finally {
      await driver.close();
    }
    const handle = await neo4jFactory.open();
    try {
      const { outbox } = handle.store;
      const pending = (await outbox.pending(100_000)).filter((e) => e.event.tenant === t);
      assert.deepEqual(pending, [{ seq: top, event: waiting }]);
      const since = (await outbox.since(top - 2, 100_000)).filter((e) => e.event.tenant === t);
      assert.deepEqual(since, [
        { seq: top - 1, event: sent },
        { seq: top, event: waiting },
      ]);
      await outbox.markPublished([top]);
      assert.deepEqual(
        (await outbox.pending(100_000)).filter((e) => e.event.tenant === t),
        [],
      );
    } finally {
      await handle.close();
    }
  });
});

describe('two API replicas behind a load balancer (Neo4j + Kafka)', () => {
  let replicas: TestServer[];
  before(async () => {
    const shared = kafkaEnv(neo4jEnv());
    replicas = [await startTestServer(shared), await startTestServer(shared)];
  });
  after(async () => Promise.all(replicas.map((r) => r.close())));

  it('both deliver every subscription event, once each, whichever replica took the write', async () => {
    const t = uniqueTenant();
    const [a, b] = replicas as [TestServer, TestServer];
    const query = 'subscription { classificationChanged { eventId classification propagated asset { qualifiedName } } }';
    type Event = { classificationChanged: { eventId: string; propagated: boolean; asset: { qualifiedName: string } } };
    const onA = a.ws(await a.token(t, 'viewer')).subscribe<Event>(query);
    const onB = b.ws(await b.token(t, 'viewer')).subscribe<Event>(query);
    await Promise.all([a.subscribed(t, 1), b.subscribed(t, 1)]);
    const viaA = a.http(await a.token(t, 'steward'));
    const viaB = b.http(await b.token(t, 'steward'));
    await viaA.request(
      'mutation { upsertAssets(input: [{ qualifiedName: "pg://h/src", kind: TABLE }, { qualifiedName: "pg://h/dst", kind: TABLE }]) { results { status } } }',
    );
    await viaB.request('mutation { addLineage(edges: [{ from: "pg://h/src", to: "pg://h/dst" }]) { changed } }');
    await viaA.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
    await viaB.request('mutation { classify(qualifiedName: "pg://h/src", classification: "PII") { added } }');
    await viaA.request('mutation { declassify(qualifiedName: "pg://h/src", classification: "PII") { removed } }');
    // The control, written after the four: each replica's fifth event is it, so none of the four came twice.
    await viaB.request('mutation { upsertAssets(input: [{ qualifiedName: "pg://h/control", kind: TABLE }]) { results { status } } }');
    await viaA.request('mutation { classify(qualifiedName: "pg://h/control", classification: "PII") { added } }');
    const [allA, allB] = await Promise.all([onA.waitFor(5, 20_000), onB.waitFor(5, 20_000)]);
    assert.deepEqual(
      [allA[4]?.classificationChanged.asset.qualifiedName, allB[4]?.classificationChanged.asset.qualifiedName],
      ['pg://h/control', 'pg://h/control'],
    );
    const [eventsA, eventsB] = [allA.slice(0, 4), allB.slice(0, 4)];
    const ids = (events: Event[]) => events.map((e) => e.classificationChanged.eventId);
    assert.equal(eventsA.length, 4);
    assert.deepEqual(ids(eventsA), ids(eventsB));
    assert.equal(new Set(ids(eventsA)).size, 4);
    assert.deepEqual(
      eventsA
        .map((e) => [e.classificationChanged.asset.qualifiedName, e.classificationChanged.propagated])
        .slice(0, 2)
        .sort(),
      [
        ['pg://h/dst', true],
        ['pg://h/src', false],
      ],
    );
  });
});
