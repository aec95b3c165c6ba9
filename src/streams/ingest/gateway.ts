// Where the sources (OpenLineage and Monte Carlo endpoints, the import CLI) hand their events:
// validated first (so a caller hears about a bad event at once), then either published to the
// lane's Kafka topic for the workers, or, in embedded mode, applied in-process through the same
// ingest service the workers use.
import type { Producer } from 'kafkajs';
import type { IngestService } from '../../services/ingest.js';
import { type OutgoingEvent, laneOf, toKafkaRecord, validate } from './events.js';
import type { Lane } from './worker.js';
import { sendInOrder } from '../kafka/client.js';

export interface Refusal {
  id: string;
  code: string;
  message: string;
}

export interface Submission {
  /** Accepted for processing (published, or applied in embedded mode). */
  accepted: number;
  /** Applied already (embedded mode); 0 when published to Kafka. */
  applied: number;
  refused: Refusal[];
}

export interface IngestGateway {
  readonly mode: 'kafka' | 'in-process';
  /** Validates every event; publishes or applies the valid ones. A lane may be forced (column lineage is bulk). */
  submit(events: readonly (OutgoingEvent & { lane?: Lane })[]): Promise<Submission>;
}

export function kafkaGateway(producer: Producer, topics: { priority: string; bulk: string }): IngestGateway {
  return {
    mode: 'kafka',
    async submit(events) {
      const byTopic = new Map<string, ReturnType<typeof toKafkaRecord>[]>();
      for (const { lane, ...e } of events) {
        // The lane chooses the topic; it is not an attribute of the event.
        const item = validate(e);
        const topic = topics[lane ?? laneOf(item)];
        const list = byTopic.get(topic) ?? [];
        list.push(toKafkaRecord(e, item));
        byTopic.set(topic, list);
      }
      await sendInOrder(
        producer,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      );
      return { accepted: events.length, applied: 0, refused: [] };
    },
  };
}

/**
 * Embedded mode: applied at once. Atomic (HTTP sources): all or nothing, so the caller's answer
 * says what happened. Otherwise (the import CLI): each event on its own, refusals reported.
 */
export function inProcessGateway(ingest: Pick<IngestService, 'apply'>, options: { atomic?: boolean } = {}): IngestGateway {
  const atomic = options.atomic ?? true;
  return {
    mode: 'in-process',
    async submit(events) {
      const items = events.map(({ lane: _lane, ...e }) => validate(e));
      const outcomes = await ingest.apply(items, { atomic });
      const refused: Refusal[] = [];
      outcomes.forEach((o, i) => {
        if (o.status === 'rejected') refused.push({ id: items[i]!.eventId, code: o.code, message: o.message });
        // In one process events apply in order: what is missing now will not appear by waiting.
        if (o.status === 'deferred') refused.push({ id: items[i]!.eventId, code: 'DEPENDENCY_MISSING', message: o.reason });
      });
      const applied = atomic && refused.length > 0 ? 0 : events.length - refused.length;
      return { accepted: applied, applied, refused };
    },
  };
}
