// An ingestion worker: one consumer group per lane, reading CloudEvents and applying them through
// the ingest service in batches. Offsets are resolved and committed only after the store has
// acknowledged the write (or the event is safely on the dead-letter topic), so a crash replays
// at most the batch in flight, and replays are skipped by event id.
//
// Failures, by kind:
// - invalid event (not a CloudEvent, unknown type, data off-schema) → dead letter at once;
// - refused by the rules (BAD_USER_INPUT, CONFLICT, …)                → dead letter at once;
// - refers to something not there yet (a column before its table)    → retried with backoff, bounded, then dead letter;
// - the store is unreachable                                           → consumption pauses (heartbeats go on) and resumes when it answers.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { IngestItem, IngestOutcome, IngestService } from '../../services/ingest.js';
import { type Worker, pauseReport, sleep, untilAvailable } from '../worker.js';
import type { DeadLetter, DeadLetters } from './dead-letters.js';
import { InvalidEventError, decodeKafkaRecord } from './events.js';
import type { LaneGate } from './lane-gate.js';

export type Lane = 'priority' | 'bulk';

export interface IngestMetrics {
  outcome(lane: Lane, outcome: IngestOutcome['status'] | 'invalid', count: number): void;
  /** Seconds from the record's Kafka timestamp to the store commit. */
  freshness(lane: Lane, seconds: number): void;
  paused(lane: Lane, paused: boolean): void;
}

export interface IngestWorkerOptions {
  kafka: Kafka;
  lane: Lane;
  topic: string;
  groupId: string;
  ingest: Pick<IngestService, 'apply'>;
  deadLetters: DeadLetters;
  log: Logger;
  metrics?: IngestMetrics;
  sessionTimeoutMs?: number;
  /** Events per store transaction. */
  chunkSize: number;
  /** Partitions applied at once (each in its own store transactions). */
  concurrency?: number;
  /** Fetch tuning: the bulk lane waits for fuller fetches. */
  minBytes?: number;
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /** How long a deferred event is retried before it is dead-lettered. */
  deferralMs?: number;
  /** Backoff between attempts while the store is down, capped. */
  outageBackoffMs?: { initial: number; max: number };
  /** Shared by the two lanes of a process: the bulk lane yields the store to the core lane. */
  gate?: LaneGate;
}

export function createIngestWorker(options: IngestWorkerOptions): Worker {
  const { kafka, lane, topic, log, metrics } = options;
  const deferralMs = options.deferralMs ?? 30_000;
  const backoff = options.outageBackoffMs ?? { initial: 250, max: 5000 };
  let consumer: Consumer | null = null;
  let running = false;
  let joined = false;

  /** Applies until the store answers; a failure that is not the items' fault never drops them. */
  function applyWhileAvailable(items: IngestItem[], payload: EachBatchPayload): Promise<IngestOutcome[] | null> {
    return untilAvailable(() => options.ingest.apply(items), {
      initialMs: backoff.initial,
      maxMs: backoff.max,
      keepTrying: () => payload.isRunning() && !payload.isStale(),
      onPause: (error) => {
        const { level, failure, hint } = pauseReport(error);
        log[level]({ err: error, lane, failure }, `store write failed (${failure}): ingestion paused, ${hint}`);
        metrics?.paused(lane, true);
      },
      onResume: (pausedMs) => {
        log.info({ lane, pausedMs }, 'store reachable again: ingestion resumed');
        metrics?.paused(lane, false);
      },
      betweenAttempts: () => payload.heartbeat(),
    });
  }

  async function processChunk(messages: KafkaMessage[], payload: EachBatchPayload): Promise<boolean> {
    const { partition } = payload.batch;
    const dead: DeadLetter[] = [];
    const letter = (m: KafkaMessage, code: string, reason: string): DeadLetter => ({
      key: m.key,
      value: m.value,
      headers: m.headers,
      topic,
      partition,
      offset: m.offset,
      code,
      reason,
    });
    let pending: { message: KafkaMessage; item: IngestItem }[] = [];
    for (const message of messages) {
      try {
        pending.push({ message, item: decodeKafkaRecord(message) });
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        dead.push(letter(message, error.code, error.message));
      }
    }
    metrics?.outcome(lane, 'invalid', dead.length);
    const deferredSince = Date.now();
    let wait = 250;
    while (pending.length > 0) {
      // The core lane holds the gate while it writes, not while it waits to retry deferred events.
      const write = () =>
        applyWhileAvailable(
          pending.map((p) => p.item),
          payload,
        );
      const outcomes = await (lane === 'priority' && options.gate ? options.gate.priority(write) : write());
      if (outcomes === null) return false;
      const committedAt = Date.now();
      const retry: typeof pending = [];
      pending.forEach(({ message, item }, i) => {
        const outcome = outcomes[i]!;
        metrics?.outcome(lane, outcome.status, 1);
        switch (outcome.status) {
          case 'applied':
            metrics?.freshness(lane, Math.max(0, committedAt - Number(message.timestamp)) / 1000);
            break;
          case 'duplicate':
            break;
          case 'rejected':
            log.warn(
              { lane, eventId: item.eventId, tenant: item.tenant, code: outcome.code, reason: outcome.message },
              'event refused: dead-lettered',
            );
            dead.push(letter(message, outcome.code, outcome.message));
            break;
          case 'deferred':
            if (Date.now() - deferredSince >= deferralMs) {
              dead.push(letter(message, 'DEPENDENCY_MISSING', `${outcome.reason}; gave up after ${deferralMs} ms`));
            } else retry.push({ message, item });
            break;
        }
      });
      pending = retry;
      if (pending.length > 0) {
        if (!payload.isRunning() || payload.isStale()) return false;
        await sleep(wait);
        wait = Math.min(wait * 2, 4000);
        await payload.heartbeat();
      }
    }
    await options.deadLetters.send(dead);
    return true;
  }

  return {
    async start() {
      consumer = kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
        ...(options.minBytes !== undefined ? { minBytes: options.minBytes } : {}),
        ...(options.maxWaitTimeInMs !== undefined ? { maxWaitTimeInMs: options.maxWaitTimeInMs } : {}),
        ...(options.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
      });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      consumer.on(consumer.events.CRASH, (event) => log.error({ lane, error: String(event.payload.error) }, 'ingest consumer crashed'));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      running = true;
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: true,
        // Commit whenever an offset was resolved, i.e. after every acknowledged chunk.
        autoCommitThreshold: 1,
        // Partitions hold different databases (events are keyed by tenant and database): apply them side by side.
        partitionsConsumedConcurrently: options.concurrency ?? 1,
        eachBatch: async (payload) => {
          const { messages } = payload.batch;
          for (let i = 0; i < messages.length; i += options.chunkSize) {
            if (!payload.isRunning() || payload.isStale()) return;
            const chunk = messages.slice(i, i + options.chunkSize);
            if (lane === 'bulk') await options.gate?.yieldToPriority(() => payload.heartbeat());
            if (!(await processChunk(chunk, payload))) return;
            payload.resolveOffset(chunk[chunk.length - 1]!.offset);
            await payload.commitOffsetsIfNecessary();
            await payload.heartbeat();
          }
        },
      });
      log.info({ lane, topic, groupId: options.groupId, chunkSize: options.chunkSize }, 'ingest worker started');
    },
    async stop() {
      running = false;
      // Disconnect waits for the chunk in flight to be written and committed (the loop checks isRunning between chunks).
      await consumer?.disconnect();
      consumer = null;
    },
    ready: () => running && joined,
  };
}
