// The ingest pipeline without a broker: CloudEvents decoding (binary and structured mode), event
// schemas per version, idempotency by event id, batch isolation, deferral, and transforms, on the
// embedded store.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { compileTransformRules } from '../src/services/transforms.js';
import type { Services } from '../src/services/index.js';
import type { IngestItem } from '../src/services/ingest.js';
import { createServices } from '../src/services/index.js';
import { createEmbeddedFeed } from '../src/store/embedded/feed.js';
import type { GraphStore } from '../src/store/ports/index.js';
import { databaseOf } from '../src/domain/validation.js';
import {
  InvalidEventError,
  type OutgoingEvent,
  decodeKafkaRecord,
  decodeStructured,
  laneOf,
  toKafkaRecord,
  validate,
} from '../src/streams/ingest/events.js';
import { embeddedFactory, silentLog, uniqueTenant, viewerOf } from './support/fixtures.js';

const event = (tenant: string, type: OutgoingEvent['type'], data: unknown, id = randomUUID()): IngestItem =>
  validate({ id, tenant, source: 'test', type, data });

describe('inbound CloudEvents', () => {
  it('decode from a binary-mode Kafka record and from structured JSON alike', () => {
    const record = toKafkaRecord({
      id: 'e1',
      tenant: 'acme',
      source: 'test',
      type: 'metalake.asset.upserted.v1',
      data: { qualifiedName: 'pg://h/db', kind: 'DATABASE' },
    });
    const binary = decodeKafkaRecord({
      key: Buffer.from(record.key),
      value: Buffer.from(record.value),
      headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])),
    });
    assert.equal(binary.eventId, 'e1');
    assert.equal(binary.tenant, 'acme');
    assert.deepEqual(binary.commands, [{ op: 'upsertAsset', input: { qualifiedName: 'pg://h/db', kind: 'DATABASE' } }]);
    const structured = decodeKafkaRecord({
      key: 'acme',
      value: JSON.stringify({
        specversion: '1.0',
        id: 'e2',
        source: 'test',
        type: 'metalake.lineage.added.v1',
        tenant: 'acme',
        time: new Date().toISOString(),
        data: { from: 'pg://h/a', to: 'pg://h/b' },
      }),
      headers: { 'content-type': Buffer.from('application/cloudevents+json') },
    });
    assert.deepEqual(structured.commands, [{ op: 'addLineage', edge: { from: 'pg://h/a', to: 'pg://h/b' } }]);
    // Only the required attributes (no time, no datacontenttype), as librdkafka producers send them: both modes.
    const minimal = {
      specversion: '1.0',
      id: 'e3',
      source: 'kcat',
      type: 'metalake.lineage.added.v1',
      tenant: 'acme',
      data: { from: 'pg://h/a', to: 'pg://h/c' },
    };
    const structuredMinimal = decodeKafkaRecord({
      key: 'acme',
      value: JSON.stringify(minimal),
      headers: { 'content-type': Buffer.from('application/cloudevents+json; charset=utf-8') },
    });
    assert.deepEqual(
      [structuredMinimal.eventId, structuredMinimal.commands],
      ['e3', [{ op: 'addLineage', edge: { from: 'pg://h/a', to: 'pg://h/c' } }]],
    );
    const binaryMinimal = decodeKafkaRecord({
      key: 'acme',
      value: JSON.stringify(minimal.data),
      headers: {
        ce_specversion: Buffer.from('1.0'),
        ce_id: Buffer.from('e4'),
        ce_source: Buffer.from('kcat'),
        ce_type: Buffer.from(minimal.type),
        ce_tenant: Buffer.from('acme'),
      },
    });
    assert.equal(binaryMinimal.eventId, 'e4');
    assert.equal(decodeStructured(minimal).eventId, 'e3');
    assert.throws(
      () =>
        decodeKafkaRecord({ key: 'acme', value: '{not json', headers: { 'content-type': Buffer.from('application/cloudevents+json') } }),
      InvalidEventError,
    );
  });

  it('refuse, with the reason, what is not a valid event of a known type and version', () => {
    const invalid = (make: () => unknown, pattern: RegExp) =>
      assert.throws(make, (e: unknown) => e instanceof InvalidEventError && pattern.test(e.message));
    invalid(() => decodeKafkaRecord({ key: null, value: Buffer.from('{"hello":1}'), headers: {} }), /not a CloudEvent/);
    invalid(
      () => decodeStructured({ specversion: '1.0', id: 'x', source: 's', type: 'metalake.asset.upserted.v9', tenant: 't', data: {} }),
      /unknown event type/,
    );
    invalid(() => decodeStructured({ specversion: '1.0', id: 'x', source: 's', type: 'metalake.asset.upserted.v1', data: {} }), /tenant/);
    invalid(
      () =>
        decodeStructured({
          specversion: '1.0',
          id: 'x',
          source: 's',
          type: 'metalake.asset.upserted.v1',
          tenant: 't',
          data: { qualifiedName: 'a://b', kind: 'TABLE', color: 'red' },
        }),
      /data does not match.*color|Unrecognized key/,
    );
    invalid(
      () =>
        decodeStructured({
          specversion: '1.0',
          id: 'x',
          source: 's',
          type: 'metalake.incident.reported.v1',
          tenant: 't',
          data: { externalId: 'i' },
        }),
      /data does not match/,
    );
  });

  it('accept version 1 of a type after version 2 exists; both mean the same commands', () => {
    const v1 = event('t', 'metalake.asset.upserted.v1', {
      qualifiedName: 'pg://h/db.s.t',
      kind: 'TABLE',
      owners: ['ann'],
      parentQualifiedName: 'pg://h/db.s',
    });
    const v2 = event('t', 'metalake.asset.upserted.v2', {
      qualifiedName: 'pg://h/db.s.t',
      kind: 'TABLE',
      owners: [{ id: 'ann' }],
      parent: { qualifiedName: 'pg://h/db.s' },
    });
    assert.deepEqual(v1.commands, v2.commands);
    assert.equal(laneOf(v1), 'priority');
    assert.equal(laneOf(event('t', 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db.s.t.c', kind: 'COLUMN' })), 'bulk');
  });
});

describe('partitioning of inbound records', () => {
  it('keys a record by tenant and the database of the asset it is about, so a tenant spreads over partitions', () => {
    assert.equal(databaseOf('snowflake://acme/analytics.marts.orders.email'), 'snowflake://acme/analytics');
    assert.equal(databaseOf('pg://h/db'), 'pg://h/db');
    assert.equal(databaseOf('kafka://acme/orders'), 'kafka://acme/orders');
    assert.equal(databaseOf('no-platform.at.all'), 'no-platform');
    const key = (e: OutgoingEvent) => toKafkaRecord(e).key;
    const ev = (type: OutgoingEvent['type'], data: unknown): OutgoingEvent => ({
      id: randomUUID(),
      tenant: 'acme',
      source: 'test',
      type,
      data,
    });
    // A database, its schema and its tables share a key (their order holds); another database does not.
    assert.equal(key(ev('metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db', kind: 'DATABASE' })), 'acme|pg://h/db');
    assert.equal(key(ev('metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db.s.t', kind: 'TABLE' })), 'acme|pg://h/db');
    assert.equal(key(ev('metalake.asset.deleted.v1', { qualifiedName: 'pg://h/db.s.t' })), 'acme|pg://h/db');
    // An edge goes with its target; an incident with its first asset.
    assert.equal(key(ev('metalake.lineage.added.v1', { from: 'pg://h/db.s.t', to: 'bq://p/ds.t' })), 'acme|bq://p/ds');
    assert.equal(
      key(
        ev('metalake.incident.reported.v1', {
          externalId: 'x',
          source: 'mc',
          type: 'FRESHNESS',
          title: 't',
          assetQualifiedNames: ['bq://p/ds.t'],
        }),
      ),
      'acme|bq://p/ds',
    );
    // Every event of a run goes with its job, so one job's runs keep their order.
    assert.equal(
      key(
        ev('metalake.run.reported.v1', {
          run: 'openlineage:r',
          job: 'openlineage://airflow/dag.task',
          eventType: 'START',
          inputs: ['pg://h/db.s.t'],
        }),
      ),
      'acme|openlineage://airflow/dag',
    );
    // An invalid event is keyed by tenant alone (it is dead-lettered whatever its partition).
    assert.equal(key(ev('metalake.asset.upserted.v1', { kind: 'TABLE' })), 'acme');
  });
});

describe('ingest service (embedded store)', () => {
  let handle: { store: GraphStore; close(): Promise<void> };
  let services: Services;
  before(async () => {
    handle = await embeddedFactory.open();
    services = createServices({
      store: handle.store,
      feed: createEmbeddedFeed(),
      limits: { maxBatch: 1000, maxLineageDepth: 10, maxLineageNodes: 5000, maxLineageEdges: 10_000, maxRunEdges: 4 },
      log: silentLog,
      transforms: compileTransformRules({
        defaults: {
          dataTypes: { aliases: { 'CHARACTER VARYING': 'VARCHAR' }, stripParameters: true },
          classify: [{ name: 'pii-columns', classification: 'PII', columnName: '(^|_)(e_?mail|phone|ssn|iban)($|_)' }],
        },
        tenants: { shouty: { qualifiedNames: { lowercase: true }, owners: [{ match: '^pg://h/finance\\.', owners: ['finance-team'] }] } },
      }),
    });
  });
  after(async () => handle.close());

  const read = (tenant: string) => viewerOf(tenant, 'viewer');

  it('applies a batch in order, and a redelivered event changes nothing', async () => {
    const t = uniqueTenant();
    const batch = [
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db', kind: 'DATABASE' }),
      event(t, 'metalake.asset.upserted.v2', {
        qualifiedName: 'pg://h/db.orders',
        kind: 'TABLE',
        parent: { qualifiedName: 'pg://h/db' },
        columns: [{ name: 'id', dataType: 'BIGINT' }],
      }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db.report', kind: 'TABLE', parentQualifiedName: 'pg://h/db' }),
      event(t, 'metalake.lineage.added.v1', { from: 'pg://h/db.orders', to: 'pg://h/db.report' }),
    ];
    assert.deepEqual(
      (await services.ingest.apply(batch)).map((o) => o.status),
      ['applied', 'applied', 'applied', 'applied'],
    );
    // The same events again (a consumer restarted before committing its offsets), with a later update of the first.
    const update = event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/db', kind: 'DATABASE', description: 'main' });
    assert.deepEqual(
      (await services.ingest.apply([...batch, update])).map((o) => o.status),
      ['duplicate', 'duplicate', 'duplicate', 'duplicate', 'applied'],
    );
    const db = await services.assets.get(read(t), { qualifiedName: 'pg://h/db' });
    assert.equal(db?.version, 2);
    const orders = await services.assets.get(read(t), { qualifiedName: 'pg://h/db.orders' });
    assert.equal(orders?.version, 1);
    assert.equal((await services.assets.history(read(t), orders)).edges.length, 1);
    const column = await services.assets.get(read(t), { qualifiedName: 'pg://h/db.orders.id' });
    assert.deepEqual(column?.attributes, { dataType: 'BIGINT', ordinal: 1 });
    assert.equal((await services.lineage.graph(read(t), 'pg://h/db.orders', 'DOWNSTREAM', 1)).edges.length, 1);
  });

  it('carries an edge’s masking flag from the lineage and run events, and refuses one that is not a boolean', async () => {
    const t = uniqueTenant();
    const job = 'openlineage://airflow/hash';
    const outcome = await services.ingest.apply([
      ...['pg://h/a', 'pg://h/a.email', 'pg://h/b', 'pg://h/b.email_hash', 'pg://h/b.email_sha'].map((qualifiedName) =>
        event(t, 'metalake.asset.upserted.v1', { qualifiedName, kind: qualifiedName.includes('.') ? 'COLUMN' : 'TABLE' }),
      ),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: job, kind: 'PIPELINE' }),
      event(t, 'metalake.lineage.added.v1', { from: 'pg://h/a.email', to: 'pg://h/b.email_hash', masking: true }),
      event(t, 'metalake.run.reported.v1', {
        run: 'openlineage:r1',
        job,
        eventType: 'COMPLETE',
        edges: [{ from: 'pg://h/a.email', to: 'pg://h/b.email_sha', masking: true }],
      }),
    ]);
    assert.deepEqual(
      outcome.map((o) => o.status),
      Array(8).fill('applied'),
    );
    const edges = (await services.lineage.graph(read(t), 'pg://h/a.email', 'DOWNSTREAM', 1)).edges;
    assert.deepEqual(
      edges.map((e) => e.masking),
      [true, true],
    );
    assert.throws(
      () => event(t, 'metalake.lineage.added.v1', { from: 'pg://h/a', to: 'pg://h/b', masking: 'yes' }),
      (e: unknown) => e instanceof InvalidEventError && /masking/.test(e.message),
    );
  });

  it('withdraws a classification a rule assigned when its source no longer implies it, never one a person confirmed', async () => {
    const t = uniqueTenant();
    const names = ['pg://h/a', 'pg://h/b'];
    await services.ingest.apply([
      ...names.map((qualifiedName) => event(t, 'metalake.asset.upserted.v1', { qualifiedName, kind: 'TABLE' })),
      ...names.map((qualifiedName) => event(t, 'metalake.asset.classified.v1', { qualifiedName, classification: 'PII', rule: 'dbt-tag' })),
    ]);
    // A steward confirms b's: it is theirs now.
    await services.classification.classify(viewerOf(t, 'steward'), 'pg://h/b', 'PII');
    const withdrawn = await services.ingest.apply([
      ...[...names, 'pg://h/gone'].map((qualifiedName) =>
        event(t, 'metalake.asset.declassified.v1', { qualifiedName, classification: 'PII', rule: 'crawler:shop' }),
      ),
    ]);
    assert.deepEqual(
      withdrawn.map((o) => o.status),
      ['applied', 'applied', 'applied'],
      'an asset deleted since, or a classification already gone, is nothing to do',
    );
    const direct = async (qualifiedName: string) => {
      const asset = await services.assets.get(read(t), { qualifiedName });
      const state = (await handle.store.tenant(t).classificationStates([asset!.id])).get(asset!.id);
      return state?.direct.map((d) => `${d.classification}:${d.addedBy}`) ?? [];
    };
    assert.deepEqual(await direct('pg://h/a'), []);
    assert.deepEqual(await direct('pg://h/b'), [`PII:${viewerOf(t, 'steward').subject}`]);
    const history = await services.assets.history(read(t), (await services.assets.get(read(t), { qualifiedName: 'pg://h/a' }))!);
    assert.ok(
      history.edges.some((e) => e.node.actor === 'transform:crawler:shop'),
      JSON.stringify(history.edges.map((e) => e.node.actor)),
    );
  });

  it('refuses only the event the rules refuse; its neighbours apply', async () => {
    const t = uniqueTenant();
    await services.ingest.apply([event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/x', kind: 'TABLE' })]);
    const outcomes = await services.ingest.apply([
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/a', kind: 'TABLE' }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/x', kind: 'DASHBOARD' }), // a kind change: CONFLICT
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'not a name', kind: 'TABLE' }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/b', kind: 'TABLE' }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? o.code : o.status)),
      ['applied', 'CONFLICT', 'BAD_USER_INPUT', 'applied'],
    );
    assert.equal(await (await services.assets.list(read(t), null)).totalCount(), 3);
  });

  it('holds a reported run to its edge limit across its events: the event that passes it is refused and changes nothing', async () => {
    const t = uniqueTenant();
    const names = ['job', 'a', 'b', 'c', 'x', 'y'].map((n) => `pg://h/db.${n}`);
    await services.ingest.apply(
      names.map((qualifiedName, i) => event(t, 'metalake.asset.upserted.v1', { qualifiedName, kind: i === 0 ? 'PIPELINE' : 'TABLE' })),
    );
    const [job, a, b, c, x, y] = names as [string, string, string, string, string, string];
    const report = (eventType: string, inputs: string[], outputs: string[]) =>
      event(t, 'metalake.run.reported.v1', { run: 'openlineage:r', job, eventType, inputs, outputs });
    const outcomes = await services.ingest.apply([report('START', [a, b], [x, y]), report('START', [c], []), report('COMPLETE', [], [])]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? `${o.code}: ${o.message}` : o.status)),
      [
        'applied',
        'BAD_USER_INPUT: Run openlineage:r would mean more than 4 lineage edges (its inputs × outputs and column edges)',
        'applied',
      ],
    );
    const edges = await services.lineage.graph(read(t), x, 'UPSTREAM', 1);
    assert.deepEqual(edges.edges.map((e) => e.fromId).length, 2);
  });

  it('defers an event whose parent or lineage end does not exist yet, without claiming it', async () => {
    const t = uniqueTenant();
    const column = event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/t.c', kind: 'COLUMN', parentQualifiedName: 'pg://h/t' });
    const edge = event(t, 'metalake.lineage.added.v1', { from: 'pg://h/t.c', to: 'pg://h/u' });
    const [first, second] = await services.ingest.apply([column, edge]);
    assert.equal(first?.status, 'deferred');
    assert.equal(second?.status, 'deferred');
    await services.ingest.apply([
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/t', kind: 'TABLE' }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/u', kind: 'TABLE' }),
    ]);
    assert.deepEqual(
      (await services.ingest.apply([column, edge])).map((o) => o.status),
      ['applied', 'applied'],
    );
  });

  it('applies the tenant’s transforms: names, data types, owners, and PII on matching columns, which then propagates', async () => {
    const t = 'shouty';
    const id = randomUUID().slice(0, 6);
    const table = `pg://h/finance.${id}`;
    const outcomes = await services.ingest.apply([
      event(t, 'metalake.asset.upserted.v2', {
        qualifiedName: `PG://H/Finance.${id}`,
        kind: 'TABLE',
        columns: [
          { name: 'Customer_Email', dataType: 'character varying(255)' },
          { name: 'amount', dataType: 'numeric(10,2)' },
        ],
      }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: `${table}_copy`, kind: 'TABLE' }),
      event(t, 'metalake.asset.upserted.v1', {
        qualifiedName: `${table}_copy.email`,
        kind: 'COLUMN',
        parentQualifiedName: `${table}_copy`,
      }),
      event(t, 'metalake.lineage.added.v1', { from: `${table}.customer_email`, to: `${table}_copy.email` }),
      event(t, 'metalake.asset.upserted.v1', { qualifiedName: `${table}_job`, kind: 'PIPELINE' }),
      event(t, 'metalake.run.reported.v1', {
        run: `r-${id}`,
        job: `PG://H/Finance.${id}_JOB`,
        eventType: 'COMPLETE',
        inputs: [`PG://H/Finance.${id}`],
        outputs: [`PG://h/finance.${id}_COPY`],
      }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['applied', 'applied', 'applied', 'applied', 'applied', 'applied'],
    );
    // A run's names go through the same rules: its lineage joins the lowercased assets.
    assert.deepEqual((await services.lineage.graph(read(t), table, 'DOWNSTREAM', 1)).edges.length, 1);
    const email = await services.assets.get(read(t), { qualifiedName: `${table}.customer_email` });
    assert.equal(email?.attributes['dataType'], 'VARCHAR');
    assert.deepEqual((await services.assets.get(read(t), { qualifiedName: table }))?.owners, ['finance-team']);
    const amount = await services.assets.get(read(t), { qualifiedName: `${table}.amount` });
    assert.equal(amount?.attributes['dataType'], 'NUMERIC');
    const states = await handle.store.tenant(t).classificationStates([email.id, amount.id]);
    assert.deepEqual(
      states.get(email.id)?.direct.map((d) => [d.classification, d.addedBy]),
      [['PII', 'transform:pii-columns']],
    );
    assert.equal(states.get(amount.id), undefined);
    // The rule's classification propagates like any other: the copy's email column is PII too, from the source.
    const copy = await services.assets.get(read(t), { qualifiedName: `${table}_copy.email` });
    const copyState = (await handle.store.tenant(t).classificationStates([copy!.id])).get(copy!.id);
    assert.deepEqual(
      copyState?.propagated.map((p) => [p.classification, p.sourceId]),
      [['PII', email.id]],
    );
  });

  it('applies all or nothing when asked (HTTP sources in embedded mode)', async () => {
    const t = uniqueTenant();
    const outcomes = await services.ingest.apply(
      [
        event(t, 'metalake.asset.upserted.v1', { qualifiedName: 'pg://h/ok', kind: 'TABLE' }),
        event(t, 'metalake.lineage.added.v1', { from: 'pg://h/ok', to: 'pg://h/missing' }),
      ],
      { atomic: true },
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await services.assets.get(read(t), { qualifiedName: 'pg://h/ok' }), null);
  });
});
