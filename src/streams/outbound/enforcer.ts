// The enforcer outputs: every classification change event becomes a CloudEvent on the
// classifications topic (and, when enabled, an Apache Atlas notification), for policy enforcers
// that read Kafka rather than subscribe over GraphQL. One consumer group shared by all replicas,
// offsets committed after the outputs are acknowledged; the CloudEvent id is the change event's
// id, so a redelivered output is recognisable as the same event.
import { hostname } from 'node:os';
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import { sendInOrder } from '../kafka/client.js';
import type { Logger } from 'pino';
import { type ChangeEvent, type ClassificationChangedEvent, type ClassificationsInEffect, inEffect } from '../../domain/events.js';
import type { GraphStore } from '../../store/ports/index.js';
import { binaryRecord } from '../cloudevents.js';
import type { Worker } from '../worker.js';
import { atlasNotification } from './atlas.js';

export const CLASSIFICATION_EVENT_TYPE = 'metalake.classification.changed.v1';

export interface EnforcerOptions {
  kafka: Kafka;
  store: GraphStore;
  changesTopic: string;
  classificationsTopic: string;
  /** Set to also publish Atlas ENTITY_NOTIFICATION_V2 messages there. */
  atlasTopic: string | null;
  /** The cluster of Hive assets' Atlas names (`db.table@cluster`); Atlas' default is `primary`. */
  atlasClusterName?: string;
  groupId: string;
  log: Logger;
  onPublished?: (count: number) => void;
}

/** The enforcer's view of a classification event (the CloudEvent data). */
export function classificationEventData(e: ClassificationChangedEvent) {
  const ref = (a: { id: string; qualifiedName: string; kind: string; name: string }) => ({
    id: a.id,
    qualifiedName: a.qualifiedName,
    kind: a.kind,
    name: a.name,
  });
  return {
    tenant: e.tenant,
    classification: e.classification,
    change: e.change,
    propagated: e.propagated,
    asset: ref(e.asset),
    source: e.source ? ref(e.source) : null,
    actor: e.actor,
    at: e.at,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function cloudEventMessage(e: ClassificationChangedEvent): Message {
  return binaryRecord({
    id: e.eventId,
    source: `metalake://${hostname()}`,
    type: CLASSIFICATION_EVENT_TYPE,
    subject: e.asset.qualifiedName,
    time: e.at,
    tenant: e.tenant,
    data: classificationEventData(e),
  });
}

export function createEnforcerWorker(options: EnforcerOptions): Worker {
  const { kafka, store, log } = options;
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;
  let running = false;
  let joined = false;

  /** Each message as of its own change; events written before they carried their state read the current one. */
  async function atlasMessages(events: ClassificationChangedEvent[]): Promise<Message[]> {
    const older = new Map<string, Map<string, ClassificationsInEffect | null>>();
    for (const [tenant, list] of groupBy(
      events.filter((e) => e.classificationsAfter === undefined),
      (e) => e.tenant,
    )) {
      const graph = store.tenant(tenant);
      const ids = [...new Set(list.map((e) => e.asset.id))];
      const [states, existing] = await Promise.all([graph.classificationStates(ids), graph.assetsByIds(ids)]);
      const alive = new Set(existing.map((a) => a.id));
      older.set(
        tenant,
        new Map(ids.map((id) => [id, alive.has(id) ? inEffect(states.get(id) ?? { direct: [], propagated: [], blocks: [] }) : null])),
      );
    }
    return events.map((e) => {
      const state = e.classificationsAfter !== undefined ? e.classificationsAfter : (older.get(e.tenant)?.get(e.asset.id) ?? null);
      return {
        key: e.tenant,
        value: JSON.stringify(atlasNotification(e, state, { sourceIp: hostname(), clusterName: options.atlasClusterName ?? 'primary' })),
        headers: { 'metalake-tenant': e.tenant, 'metalake-event-id': e.eventId },
      };
    });
  }

  return {
    async start() {
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 30_000 });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      await consumer.connect();
      // A new deployment starts from the beginning of the retained change topic: enforcers catch up.
      await consumer.subscribe({ topic: options.changesTopic, fromBeginning: true });
      running = true;
      await consumer.run({
        eachBatch: async (payload) => {
          const events = payload.batch.messages.flatMap((m) => {
            try {
              const e = JSON.parse(m.value?.toString() ?? 'null') as ChangeEvent | null;
              return e?.type === 'classification.changed' ? [e] : [];
            } catch {
              log.error({ offset: m.offset, partition: payload.batch.partition }, 'unreadable change event skipped');
              return [];
            }
          });
          if (events.length > 0) {
            const topicMessages = [{ topic: options.classificationsTopic, messages: events.map(cloudEventMessage) }];
            if (options.atlasTopic) topicMessages.push({ topic: options.atlasTopic, messages: await atlasMessages(events) });
            await sendInOrder(producer!, topicMessages);
            options.onPublished?.(events.length);
          }
          // Every message of the batch is handled: resolve the last one; kafkajs commits it.
          const last = payload.batch.messages[payload.batch.messages.length - 1];
          if (last) payload.resolveOffset(last.offset);
          await payload.heartbeat();
        },
        eachBatchAutoResolve: false,
      });
      log.info({ group: options.groupId, atlas: options.atlasTopic !== null }, 'enforcer output worker started');
    },
    async stop() {
      running = false;
      await consumer?.disconnect();
      await producer?.disconnect();
      consumer = null;
      producer = null;
    },
    ready: () => running && joined,
  };
}
