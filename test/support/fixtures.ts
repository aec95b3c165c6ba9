import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Role, Viewer } from '../../src/domain/auth.js';
import type { ChangeEvent } from '../../src/domain/events.js';
import type { AssetKind, AssetRecord } from '../../src/domain/model.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createEmbeddedFeed } from '../../src/store/embedded/feed.js';
import { createEmbeddedStore } from '../../src/store/embedded/index.js';
import type { ChangeFeed, GraphStore } from '../../src/store/ports/index.js';

export const silentLog = pino({ level: 'silent' });

/**
 * Waits until `condition` holds, checking every `everyMs`; fails with `what` after `timeoutMs`. A
 * barrier, not a sleep: it returns as soon as the condition holds, and the deadline only decides a
 * failure.
 */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 10): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every test owns its tenant, so tests never collide and may run in parallel on one store. */
export const uniqueTenant = (label = 't'): string => `${label}-${randomUUID().slice(0, 8)}`;

export const viewerOf = (tenant: string, ...roles: Role[]): Viewer => ({
  subject: `test:${roles.join('+')}@${tenant}`,
  tenant,
  roles,
  expiresAt: null,
});

export function tempDir(prefix = 'metalake-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface StoreHandle {
  store: GraphStore;
  close(): Promise<void>;
}

/** A named way to open a fresh store: the contract suites run once per adapter. */
export interface StoreFactory {
  name: string;
  open(): Promise<StoreHandle>;
}

export const embeddedFactory: StoreFactory = {
  name: 'embedded',
  open() {
    const dir = tempDir();
    const store = createEmbeddedStore({ path: join(dir.path, 'metalake.db'), synchronous: 'normal' });
    return Promise.resolve({
      store,
      async close() {
        await store.close();
        dir.remove();
      },
    });
  },
};

export function servicesFor(store: GraphStore, feed: ChangeFeed = createEmbeddedFeed(), maxBatch = 1000): Services {
  return createServices({
    store,
    feed,
    limits: { maxBatch, maxLineageDepth: 10, maxLineageNodes: 5000, maxLineageEdges: 10_000 },
    log: silentLog,
  });
}

let counter = 0;
export function assetRecord(kind: AssetKind, qualifiedName: string, extra: Partial<AssetRecord> = {}): AssetRecord {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, counter++)).toISOString();
  return {
    id: randomUUID(),
    qualifiedName,
    kind,
    name: qualifiedName.split(/[./]/).pop() ?? qualifiedName,
    description: null,
    owners: [],
    attributes: {},
    parentId: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

/** A change event for tests of what carries events (outbox, relay, feed): what it describes does not matter. */
export const changeEvent = (tenant: string): ChangeEvent => ({
  type: 'asset.changed',
  eventId: randomUUID(),
  tenant,
  at: new Date().toISOString(),
  actor: 'test',
  change: 'CREATED',
  asset: assetRecord('TABLE', qn(randomUUID())),
  version: 1,
});

/** Short qualified names for graph-shaped tests: qn('a') = test://g/a */
export const qn = (name: string): string => `test://g/${name}`;

/** The Neo4j adapter against the server the engines harness started (NEO4J_URI). */
export const neo4jFactory: StoreFactory = {
  name: 'neo4j',
  async open() {
    const uri = process.env.NEO4J_URI;
    if (!uri) throw new Error('NEO4J_URI is not set: run the tests with `npm test` (it starts Neo4j) or point NEO4J_URI at a server');
    const { createNeo4jStore } = await import('../../src/store/neo4j/index.js');
    const store = await createNeo4jStore({
      uri,
      user: process.env.NEO4J_USER,
      password: process.env.NEO4J_PASSWORD,
      database: process.env.NEO4J_DATABASE,
      // Small, so that the contracts' larger commits span several outbox batch nodes.
      outboxBatchEvents: 3,
    });
    return { store, close: () => store.close() };
  },
};

/** The Kafka cluster the engines harness started (KAFKA_BROKERS). */
export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test` (it starts Kafka) or point KAFKA_BROKERS at a broker');
  return brokers.split(',');
}

/** Topic names of one test's own, so tests on one broker never read each other's records. */
export const uniqueTopic = (label: string): string => `test.${label}.${randomUUID().slice(0, 8)}`;

/** Topics and consumer groups of one test server's own on the shared broker, plus `extra`. */
export function kafkaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_GROUP_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    KAFKA_TOPIC_CHANGES: uniqueTopic('changes'),
    KAFKA_TOPIC_INGEST: uniqueTopic('ingest'),
    KAFKA_TOPIC_INGEST_BULK: uniqueTopic('bulk'),
    KAFKA_TOPIC_DLQ: uniqueTopic('dlq'),
    KAFKA_TOPIC_CLASSIFICATIONS: uniqueTopic('classifications'),
    KAFKA_TOPIC_ATLAS: uniqueTopic('atlas'),
    ...extra,
  };
}
