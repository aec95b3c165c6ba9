// The events port: the transactional outbox, inbound event claims, and the change feed.
// Adapters: store/embedded/index.ts and feed.ts, store/neo4j/index.ts, streams/kafka/change-feed.ts.
// Contracts: test/contract/store/events.contract.ts, test/contract/change-feed.contract.ts.
import type { ChangeEvent } from '../../domain/events.js';

export interface EventWriter {
  /** Transactional outbox: committed together with the change they describe. */
  appendEvents(events: readonly ChangeEvent[]): Promise<void>;
  /**
   * Idempotent ingestion: records these inbound event ids as applied, in this transaction, and
   * returns the ones that were already recorded (redeliveries to skip).
   */
  claimEvents(eventIds: readonly string[], at: string): Promise<string[]>;
}

export interface OutboxEntry {
  seq: number;
  event: ChangeEvent;
}

/** Infrastructure view of the outbox for the relay worker (all tenants). */
export interface Outbox {
  pending(limit: number): Promise<OutboxEntry[]>;
  /** Committed events after `seq`, published or not, in commit order (readers that keep their own position). */
  since(seq: number, limit: number): Promise<OutboxEntry[]>;
  markPublished(seqs: readonly number[]): Promise<void>;
  purgePublished(olderThan: string): Promise<number>;
  /**
   * One relay publishes at a time, so events leave in commit order whatever the number of
   * replicas: acquires or renews the lease for `owner`; false while another owner holds it.
   */
  lease(owner: string, ttlMs: number): Promise<boolean>;
}

/** The change feed every API replica listens to (in-process when embedded, Kafka when distributed). */
export interface ChangeFeed {
  readonly kind: string;
  publish(events: readonly ChangeEvent[]): Promise<void>;
  listen(tenant: string, listener: (event: ChangeEvent) => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
