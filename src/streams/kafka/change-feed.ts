// The change feed over Kafka: the outbox relay (one publisher, see outbox-relay.ts) writes every
// committed change event to one topic, keyed by tenant so a tenant's events stay in order; every
// API replica reads the whole topic with a consumer group of its own and feeds its subscriptions.
// Delivery is at-least-once, so each replica drops events whose id it has already delivered.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ChangeEvent } from '../../domain/events.js';
import type { ChangeFeed } from '../../store/ports/index.js';
import { sendInOrder, within } from './client.js';

export interface KafkaChangeFeedOptions {
  kafka: Kafka;
  topic: string;
  groupPrefix: string;
  log: Logger;
  /** How many recent event ids each replica remembers to drop duplicates. */
  dedupeWindow?: number;
}

/** Remembers the last `capacity` ids (insertion order), forgetting the oldest. */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  /** True when the id is new (and now remembered). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

export async function createKafkaChangeFeed(options: KafkaChangeFeedOptions): Promise<ChangeFeed> {
  const { kafka, topic, log } = options;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const recent = new RecentIds(options.dedupeWindow ?? 100_000);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  // A group of its own: this replica must see every event, not a share of them.
  const groupId = `${options.groupPrefix}.feed.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`;
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 50 });
  const admin = kafka.admin();
  let closed = false;
  const disconnect = () => Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  try {
    await Promise.all([producer.connect(), consumer.connect(), admin.connect()]);
    await follow();
  } catch (error) {
    // Half-connected clients would keep the process alive.
    await disconnect();
    throw error;
  }

  async function follow(): Promise<void> {
    // Start exactly at the end of the topic as it is now, so nothing published after start is missed
    // (a new group's "latest" is only resolved after the join, which takes a moment).
    const start = await admin.fetchTopicOffsets(topic);
    const { GROUP_JOIN } = consumer.events;
    const joined = new Promise<void>((resolve) => {
      consumer.on(GROUP_JOIN, () => resolve());
    });
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        for (const message of batch.messages) {
          if (!message.value) continue;
          let event: ChangeEvent;
          try {
            event = JSON.parse(message.value.toString()) as ChangeEvent;
          } catch (error) {
            log.error({ err: error, partition: batch.partition, offset: message.offset }, 'unreadable change event skipped');
            continue;
          }
          if (recent.add(event.eventId)) emitter.emit(event.tenant, event);
        }
        await payload.heartbeat();
      },
    });
    for (const p of start) consumer.seek({ topic, partition: p.partition, offset: p.offset });
    await within(joined, 30_000, `joining consumer group ${groupId}`);
    log.info({ topic, groupId }, 'change feed consumer joined');
  }

  return {
    kind: 'kafka',
    async publish(events) {
      if (closed) throw new Error('the change feed is closed');
      if (events.length === 0) return;
      await sendInOrder(producer, [
        {
          topic,
          messages: events.map((e) => ({
            key: e.tenant,
            value: JSON.stringify(e),
            headers: { 'metalake-event-id': e.eventId, 'metalake-event-type': e.type },
          })),
        },
      ]);
    },
    listen(tenant, listener: (event: ChangeEvent) => void) {
      emitter.on(tenant, listener);
      return () => emitter.off(tenant, listener);
    },
    async ping() {
      if (closed) throw new Error('the change feed is closed');
      await within(admin.fetchTopicMetadata({ topics: [topic] }), 3000, 'Kafka metadata');
    },
    async close() {
      closed = true;
      emitter.removeAllListeners();
      await disconnect();
    },
  };
}
