// @engines kafka
// Everything that runs against the real Kafka broker the engines harness starts (with the
// embedded graph store): the change feed contract, ingestion workers end to end, dead letters,
// idempotent redelivery, enforcer outputs (CloudEvents and Atlas), and a worker killed mid-batch.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka as CE } from 'cloudevents';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { createEmbeddedStore } from '../src/store/embedded/index.js';
import { DLQ_HEADERS } from '../src/streams/ingest/dead-letters.js';
import { type OutgoingEvent, toKafkaRecord } from '../src/streams/ingest/events.js';
import { createKafka, ensureTopics } from '../src/streams/kafka/client.js';
import { createKafkaChangeFeed } from '../src/streams/kafka/change-feed.js';
import type { AtlasNotification } from '../src/streams/outbound/atlas.js';
import { CLASSIFICATION_EVENT_TYPE } from '../src/streams/outbound/enforcer.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { changeFeedContract } from './contract/change-feed.contract.js';
import { kafkaBrokers, kafkaEnv, silentLog, tempDir, uniqueTenant, uniqueTopic, until } from './support/fixtures.js';
import { type TestServer, startTestServer } from './support/server.js';

changeFeedContract({
  name: 'kafka',
  async open() {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'metalake-test' }, silentLog);
    const topic = uniqueTopic('changes');
    await ensureTopics(kafka, [topic], 3);
    const feed = await createKafkaChangeFeed({ kafka, topic, groupPrefix: 'metalake-test', log: silentLog });
    return { feed, close: () => feed.close() };
  },
});

/** Reads `count` records of a topic (those `keep` keeps) from the beginning (or what there is after `ms`). */
async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  ms = 20_000,
  keep: (m: KafkaMessage) => boolean = () => true,
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      if (keep(message)) messages.push(message);
      return Promise.resolve();
    },
  });
  for (const deadline = Date.now() + ms; messages.length < count && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  return messages;
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  let value = await probe();
  for (const deadline = Date.now() + ms; !done(value) && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

const headerText = (m: KafkaMessage, name: string): string | undefined => m.headers?.[name]?.toString();

describe('ingestion and outputs through Kafka', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let kafka: Kafka;
  let producer: Producer;
  before(async () => {
    env = kafkaEnv({ ATLAS_NOTIFICATIONS: 'true', INGEST_DEFERRAL_MS: '2000' });
    server = await startTestServer(env);
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'metalake-test-client' }, silentLog);
    producer = kafka.producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await server.close();
  });

  const produce = (topic: string, events: OutgoingEvent[]) => producer.send({ topic, messages: events.map((e) => toKafkaRecord(e)) });
  const upsert = (
    tenant: string,
    qualifiedName: string,
    kind: string,
    extra: Record<string, unknown> = {},
    id: string = randomUUID(),
  ): OutgoingEvent => ({
    id,
    tenant,
    source: 'test-extractor',
    type: 'metalake.asset.upserted.v1',
    data: { qualifiedName, kind, ...extra },
  });

  it('round trip: a produced event is readable through GraphQL, and a subscriber hears it through the change topic', async () => {
    const t = uniqueTenant();
    const viewer = await server.token(t, 'viewer');
    const ws = server.ws(viewer);
    const live = ws.subscribe<{ assetChanged: { asset: { qualifiedName: string }; change: string } }>(
      'subscription { assetChanged { change asset { qualifiedName } } }',
    );
    await server.subscribed(t, 1);
    await produce(env['KAFKA_TOPIC_INGEST']!, [
      upsert(t, 'pg://h/db', 'DATABASE'),
      upsert(t, 'pg://h/db.s', 'SCHEMA', { parentQualifiedName: 'pg://h/db' }),
    ]);
    const [first, second] = await live.waitFor(2, 20_000);
    assert.deepEqual([first?.assetChanged.asset.qualifiedName, second?.assetChanged.asset.qualifiedName], ['pg://h/db', 'pg://h/db.s']);
    const result = await server
      .http(viewer)
      .request<{ asset: { parent: { qualifiedName: string } } }>('{ asset(qualifiedName: "pg://h/db.s") { parent { qualifiedName } } }');
    assert.equal(result.data?.asset.parent.qualifiedName, 'pg://h/db');
    // The search indexer follows the change topic (its own consumer group) into the search index.
    const found = await eventually(
      () => server.http(viewer).request<{ search: { total: number } }>('{ search(query: "db") { total } }'),
      (r) => r.data?.search.total === 2,
    );
    assert.equal(found.data?.search.total, 2);
  });

  it('dead-letters invalid events with the original payload, source position and reason, and goes on with the partition', async () => {
    const t = uniqueTenant();
    const topic = env['KAFKA_TOPIC_INGEST']!;
    await producer.send({ topic, messages: [{ key: t, value: 'this is not json', headers: { ce_specversion: '1.0' } }] });
    await produce(topic, [
      {
        id: 'bad-data',
        tenant: t,
        source: 'x',
        type: 'metalake.asset.upserted.v1',
        data: { qualifiedName: 'pg://h/x', kind: 'SPACESHIP' },
      },
      upsert(t, 'pg://h/after', 'TABLE'),
    ]);
    const viewer = server.http(await server.token(t, 'viewer'));
    const after = await eventually(
      () => viewer.request<{ asset: { name: string } | null }>('{ asset(qualifiedName: "pg://h/after") { name } }'),
      (r) => r.data?.asset !== null,
    );
    assert.equal(after.data?.asset?.name, 'after');
    // Records are keyed by tenant (and database, when the event names an asset): a letter keeps its record's key.
    const letters = (await readTopic(kafka, env['KAFKA_TOPIC_DLQ']!, 2)).filter((m) => m.key?.toString().split('|')[0] === t);
    assert.deepEqual(letters.map((m) => m.key?.toString()).sort(), [t, `${t}|pg://h/x`]);
    const garbage = letters.find((m) => m.key?.toString() === t);
    const refused = letters.find((m) => m.key?.toString() !== t);
    assert.equal(garbage?.value?.toString(), 'this is not json');
    assert.equal(headerText(garbage, DLQ_HEADERS.code), 'INVALID_EVENT');
    assert.equal(headerText(garbage, DLQ_HEADERS.topic), topic);
    assert.match(headerText(garbage, DLQ_HEADERS.offset) ?? '', /^\d+$/);
    assert.equal(headerText(refused!, DLQ_HEADERS.code), 'BAD_USER_INPUT');
    assert.match(headerText(refused!, DLQ_HEADERS.reason) ?? '', /SPACESHIP/);
    assert.equal(headerText(refused!, 'ce_id'), 'bad-data');
    assert.deepEqual(JSON.parse(refused!.value!.toString()), { qualifiedName: 'pg://h/x', kind: 'SPACESHIP' });
  });

  it('changes nothing on redelivery: the same event id twice is applied once, even with other data', async () => {
    const t = uniqueTenant();
    const event = upsert(t, 'pg://h/db.once', 'TABLE', { description: 'v1' }, `once-${t}`);
    // Idempotent upserts would absorb an identical copy; a copy with other data is only refused by its id.
    const redelivered = { ...event, data: { ...(event.data as Record<string, unknown>), description: 'v2 under the same id' } };
    await produce(env['KAFKA_TOPIC_INGEST']!, [event, redelivered, upsert(t, 'pg://h/db.marker', 'TABLE')]);
    const viewer = server.http(await server.token(t, 'viewer'));
    // The marker is in the same database, so on the same partition (records are keyed by tenant and database), behind both copies.
    await eventually(
      () => viewer.request<{ asset: { name: string } | null }>('{ asset(qualifiedName: "pg://h/db.marker") { name } }'),
      (r) => r.data?.asset !== null,
    );
    const once = await viewer.request<{ asset: { version: number; description: string; history: { edges: unknown[] } } }>(
      '{ asset(qualifiedName: "pg://h/db.once") { version description history { edges { cursor } } } }',
    );
    assert.deepEqual([once.data?.asset.version, once.data?.asset.description, once.data?.asset.history.edges.length], [1, 'v1', 1]);
    // The control: a new id with the same data as the refused copy is applied.
    await produce(env['KAFKA_TOPIC_INGEST']!, [{ ...redelivered, id: `twice-${t}` }]);
    const changed = await eventually(
      () =>
        viewer.request<{ asset: { version: number; description: string } }>(
          '{ asset(qualifiedName: "pg://h/db.once") { version description } }',
        ),
      (r) => r.data?.asset.version === 2,
    );
    assert.deepEqual(changed.data?.asset, { version: 2, description: 'v2 under the same id' });
  });

  it('puts columns on the bulk lane behind their table on the core lane, and they converge', async () => {
    const t = uniqueTenant();
    // The column arrives first, on the other lane: it waits for its table instead of failing.
    await produce(env['KAFKA_TOPIC_INGEST_BULK']!, [upsert(t, 'pg://h/t.c', 'COLUMN', { parentQualifiedName: 'pg://h/t' })]);
    const metricsText = async () => (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    await until(
      'the column to be deferred on the bulk lane',
      async () => /metalake_ingest_events_total\{lane="bulk",outcome="deferred"\} [1-9]/.test(await metricsText()),
      20_000,
      50,
    );
    await produce(env['KAFKA_TOPIC_INGEST']!, [upsert(t, 'pg://h/t', 'TABLE')]);
    const viewer = server.http(await server.token(t, 'viewer'));
    const column = await eventually(
      () =>
        viewer.request<{ asset: { parent: { qualifiedName: string } } | null }>(
          '{ asset(qualifiedName: "pg://h/t.c") { parent { qualifiedName } } }',
        ),
      (r) => r.data?.asset !== null,
    );
    assert.equal(column.data?.asset?.parent.qualifiedName, 'pg://h/t');
    const metrics = await metricsText();
    assert.match(metrics, /metalake_ingest_freshness_seconds_count\{lane="bulk"\} [1-9]/);
    assert.match(metrics, /metalake_ingest_freshness_seconds_count\{lane="priority"\} [1-9]/);
  });

  it('publishes classification events for enforcers as CloudEvents and as Atlas notifications (N+1 for a propagation)', async () => {
    const t = uniqueTenant();
    const steward = server.http(await server.token(t, 'steward'));
    await steward.request(
      `mutation { upsertAssets(input: [{ qualifiedName: "pg://h/src", kind: TABLE }, { qualifiedName: "pg://h/mid", kind: TABLE }, { qualifiedName: "pg://h/end", kind: TABLE }]) { results { status } } }`,
    );
    await steward.request(
      'mutation { addLineage(edges: [{ from: "pg://h/src", to: "pg://h/mid" }, { from: "pg://h/mid", to: "pg://h/end" }]) { changed } }',
    );
    await steward.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
    const classified = await steward.request<{ classify: { asset: { id: string } } }>(
      'mutation { classify(qualifiedName: "pg://h/src", classification: "PII") { asset { id } } }',
    );
    const srcId = classified.data!.classify.asset.id;

    const cloud = (await readTopic(kafka, env['KAFKA_TOPIC_CLASSIFICATIONS']!, 3)).filter((m) => m.key?.toString() === t);
    assert.equal(cloud.length, 3);
    const events = cloud.map(
      (m) =>
        CE.toEvent({
          headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
          body: m.value?.toString(),
          value: m.value?.toString(),
          key: t,
        } as never) as unknown as {
          type: string;
          id: string;
          data: { asset: { qualifiedName: string }; propagated: boolean; change: string; source: { id: string } | null };
        },
    );
    assert.ok(events.every((e) => e.type === CLASSIFICATION_EVENT_TYPE));
    assert.deepEqual(events.map((e) => [e.data.asset.qualifiedName, e.data.change, e.data.propagated]).sort(), [
      ['pg://h/end', 'ADDED', true],
      ['pg://h/mid', 'ADDED', true],
      ['pg://h/src', 'ADDED', false],
    ]);
    assert.equal(new Set(events.map((e) => e.id)).size, 3);

    const atlas = (await readTopic(kafka, env['KAFKA_TOPIC_ATLAS']!, 3))
      .filter((m) => m.key?.toString() === t)
      .map((m) => JSON.parse(m.value!.toString()) as AtlasNotification);
    assert.equal(atlas.length, 3);
    for (const n of atlas) {
      assert.equal(n.message.type, 'ENTITY_NOTIFICATION_V2');
      assert.equal(n.message.operationType, 'CLASSIFICATION_ADD');
      assert.deepEqual(n.version, { version: '1.0.0', versionParts: [1] });
      assert.deepEqual(n.message.entity.classificationNames, ['PII']);
      const [c] = n.message.entity.classifications;
      // Propagated: the classification's entityGuid is the source's, not the entity's own.
      const propagated = n.message.entity.guid !== srcId;
      assert.equal(c?.entityGuid, srcId);
      assert.equal(c?.entityGuid !== n.message.entity.guid, propagated);
    }
  });

  it('builds each Atlas notification as of its own change: a quick classify then declassify lists the tag in every ADD and in no DELETE', async () => {
    const t = uniqueTenant();
    const steward = server.http(await server.token(t, 'steward'));
    await steward.request(
      `mutation { upsertAssets(input: [{ qualifiedName: "pg://h/a", kind: TABLE }, { qualifiedName: "pg://h/b", kind: TABLE }, { qualifiedName: "pg://h/c", kind: TABLE }]) { results { status } } }`,
    );
    await steward.request(
      'mutation { addLineage(edges: [{ from: "pg://h/a", to: "pg://h/b" }, { from: "pg://h/b", to: "pg://h/c" }]) { changed } }',
    );
    await steward.request('mutation { defineClassification(input: { name: "PII" }) { name } }');
    // Three rounds back to back: by the time the enforcer publishes, the tag is long gone.
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(
        (await steward.request('mutation { classify(qualifiedName: "pg://h/a", classification: "PII") { asset { id } } }')).errors,
        undefined,
      );
      assert.deepEqual(
        (await steward.request('mutation { declassify(qualifiedName: "pg://h/a", classification: "PII") { removed } }')).errors,
        undefined,
      );
    }
    const atlas = (await readTopic(kafka, env['KAFKA_TOPIC_ATLAS']!, 18, 30_000, (m) => m.key?.toString() === t)).map(
      (m) => JSON.parse(m.value!.toString()) as AtlasNotification,
    );
    assert.equal(atlas.length, 18);
    const ops = atlas.map((n) => [n.message.operationType, n.message.entity.classificationNames.join(',')].join(' '));
    assert.deepEqual(
      ops.filter((o) => o.startsWith('CLASSIFICATION_ADD')),
      Array(9).fill('CLASSIFICATION_ADD PII'),
    );
    assert.deepEqual(
      ops.filter((o) => o.startsWith('CLASSIFICATION_DELETE')),
      Array(9).fill('CLASSIFICATION_DELETE '),
    );
  });

  it('turns OpenLineage runs into lineage through the lanes only once they moved data: START→FAIL leaves none', async () => {
    const t = uniqueTenant('ol');
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${await server.token(t, 'ingest')}` };
    const schema = (fields: string[]) => ({
      _producer: 'https://example.com/p',
      _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
      fields: fields.map((name) => ({ name })),
    });
    const columnLineage = {
      _producer: 'https://example.com/p',
      _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
      fields: { id: { inputFields: [{ namespace: 'postgres://db:5432', name: 'shop.src', field: 'id' }] } },
    };
    const src = { namespace: 'postgres://db:5432', name: 'shop.src', facets: { schema: schema(['id']) } };
    const out = (name: string) => ({ namespace: 'postgres://db:5432', name, facets: { schema: schema(['id']), columnLineage } });
    const send = async (runId: string, eventType: string, outputs: unknown[]) => {
      const r = await fetch(server.url.replace('/graphql', '/api/v1/lineage'), {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          eventType,
          eventTime: new Date().toISOString(),
          run: { runId },
          job: { namespace: 'airflow', name: 'nightly' },
          inputs: [src],
          outputs,
          producer: 'https://example.com/p',
          schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        }),
      });
      assert.equal(r.status, 201, await r.text());
    };
    // One job: all its runs' events share partitions, so the completed run's edges are a positive control for the failed one.
    const failed = randomUUID();
    await send(failed, 'START', [out('shop.failed')]);
    await send(failed, 'FAIL', []);
    const completed = randomUUID();
    await send(completed, 'START', [out('shop.done')]);
    await send(completed, 'COMPLETE', [out('shop.done')]);
    const viewer = server.http(await server.token(t, 'viewer'));
    const upstream = async (qn: string) =>
      (
        (
          await viewer.request<{ lineage: { edges: { from: { qualifiedName: string } }[] } | null }>(
            'query($q: String!) { lineage(qualifiedName: $q, direction: UPSTREAM, depth: 1) { edges { from { qualifiedName } } } }',
            { q: qn },
          )
        ).data?.lineage?.edges ?? []
      ).map((e) => e.from.qualifiedName);
    const done = await eventually(
      async () => ({ table: await upstream('postgres://db:5432/shop.done'), column: await upstream('postgres://db:5432/shop.done.id') }),
      (d) => d.table.length === 1 && d.column.length === 1,
    );
    assert.deepEqual(done, { table: ['postgres://db:5432/shop.src'], column: ['postgres://db:5432/shop.src.id'] });
    assert.deepEqual(await upstream('postgres://db:5432/shop.failed'), []);
    assert.deepEqual(await upstream('postgres://db:5432/shop.failed.id'), []);
  });

  it('accepts a Monte Carlo notification with 202 and applies it through the lane', async () => {
    const t = uniqueTenant('mc');
    const steward = server.http(await server.token(t, 'steward'));
    await steward.request(
      'mutation { upsertAssets(input: [{ qualifiedName: "montecarlo://sales.public.orders", kind: TABLE }]) { results { status } } }',
    );
    const body = JSON.stringify({
      action: 'incident',
      type: 'open_anomaly_incident',
      payload: {
        incident_id: 'i-1',
        group_id: 'sales:public',
        event_list: [{ table_name: 'orders', event_details: 'late', type: 'fresh_anom' }],
      },
    });
    const response = await fetch(server.url.replace('/graphql', `/webhooks/monte-carlo/${t}`), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token(t, 'ingest')}` },
    });
    assert.equal(response.status, 202);
    const incidents = await eventually(
      () => steward.request<{ incidents: { totalCount: number } }>('{ incidents { totalCount } }'),
      (r) => r.data?.incidents.totalCount === 1,
    );
    assert.equal(incidents.data?.incidents.totalCount, 1);
  });
});

describe('a worker killed with SIGKILL mid-batch', () => {
  it('loses nothing and duplicates nothing visible once restarted', async () => {
    const env = kafkaEnv({
      ATLAS_NOTIFICATIONS: 'true',
      INGEST_DEFERRAL_MS: '2000',
      WORKERS: 'ingest',
      INGEST_CHUNK_PRIORITY: '50',
      LOG_LEVEL: 'warn',
      EMBEDDED_SYNC: 'normal',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    const dir = tempDir('metalake-kill-');
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'metalake-test-killer' }, silentLog);
    await ensureTopics(
      kafka,
      [
        env['KAFKA_TOPIC_INGEST']!,
        env['KAFKA_TOPIC_INGEST_BULK']!,
        env['KAFKA_TOPIC_DLQ']!,
        env['KAFKA_TOPIC_CHANGES']!,
        env['KAFKA_TOPIC_CLASSIFICATIONS']!,
        env['KAFKA_TOPIC_ATLAS']!,
      ],
      3,
    );
    const producer = kafka.producer();
    await producer.connect();
    const t = uniqueTenant('kill');
    const total = 3000;
    const events = Array.from({ length: total }, (_, i): OutgoingEvent => ({
      id: `${t}-${i}`,
      tenant: t,
      source: 'test',
      type: 'metalake.asset.upserted.v1',
      data: { qualifiedName: `pg://h/t${i}`, kind: 'TABLE' },
    }));
    for (let i = 0; i < total; i += 500)
      await producer.send({ topic: env['KAFKA_TOPIC_INGEST']!, messages: events.slice(i, i + 500).map((e) => toKafkaRecord(e)) });
    await producer.disconnect();

    const workerEnv = { ...process.env, ...env, DATA_DIR: dir.path, JWT_SECRET: 'x'.repeat(40) };
    const startWorker = (): ChildProcess =>
      spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/cli/main.js'), 'worker'], {
        env: workerEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    const store = createEmbeddedStore({ path: join(dir.path, 'metalake.db') });
    const count = async () => await store.tenant(t).countAssets({});
    try {
      const first = startWorker();
      await eventually(count, (n) => n >= 300, 60_000);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const atKill = await count();
      assert.ok(atKill > 0 && atKill < total, `killed mid-way (at ${atKill})`);
      const second = startWorker();
      const final = await eventually(count, (n) => n >= total, 90_000);
      // A replay, if there were one, would come before a marker sent to the end of each partition.
      const markers = kafka.producer();
      await markers.connect();
      const markerTenant = `${t}-marker`;
      await markers.send({
        topic: env['KAFKA_TOPIC_INGEST']!,
        messages: [0, 1, 2].map((partition) => ({
          ...toKafkaRecord({
            id: `${markerTenant}-${partition}`,
            tenant: markerTenant,
            source: 'test',
            type: 'metalake.asset.upserted.v1',
            data: { qualifiedName: `pg://marker/p${partition}`, kind: 'TABLE' },
          }),
          partition,
        })),
      });
      await markers.disconnect();
      const markerCount = async () => store.tenant(markerTenant).countAssets({});
      assert.equal(await eventually(markerCount, (n) => n === 3, 60_000), 3);
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
      assert.equal(final, total);
      assert.equal(await count(), total);
      // Nothing visible twice: each asset was created once (version 1, one history entry, one change event).
      const all = await store.tenant(t).listAssets({}, { first: total + 1, after: null });
      assert.ok(all.items.every((i) => i.node.version === 1));
      // The change topic: one CREATED event per asset; a record published twice (relay killed
      // before it marked it published) carries the same event id.
      const changes = (await readTopic(kafka, env['KAFKA_TOPIC_CHANGES']!, total, 30_000))
        .filter((m) => m.key?.toString() === t)
        .map((m) => JSON.parse(m.value!.toString()) as { eventId: string; change: string; asset: { qualifiedName: string } });
      const idsByName = new Map<string, Set<string>>();
      for (const c of changes) idsByName.set(c.asset.qualifiedName, (idsByName.get(c.asset.qualifiedName) ?? new Set()).add(c.eventId));
      assert.equal(idsByName.size, total);
      assert.ok([...idsByName.values()].every((ids) => ids.size === 1));
      assert.ok(changes.every((c) => c.change === 'CREATED'));
      const histories = await Promise.all(
        all.items.slice(0, 200).map((i) => store.tenant(t).history(i.node.id, { first: 5, after: null })),
      );
      assert.ok(histories.every((h) => h.items.length === 1));
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
