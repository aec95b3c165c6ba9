// The dead-letter topic: an event that cannot be applied goes here with its original key, value
// and headers, where it came from (topic, partition, offset) and why, so it can be inspected,
// fixed and replayed. Nothing is dropped silently.
import type { IHeaders, Producer } from 'kafkajs';
import { sendInOrder } from '../kafka/client.js';

export interface DeadLetter {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: IHeaders | undefined;
  topic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
}

export const DLQ_HEADERS = {
  topic: 'metalake-dlq-source-topic',
  partition: 'metalake-dlq-source-partition',
  offset: 'metalake-dlq-source-offset',
  code: 'metalake-dlq-error-code',
  reason: 'metalake-dlq-error',
  failedAt: 'metalake-dlq-failed-at',
} as const;

export interface DeadLetters {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

export function kafkaDeadLetters(producer: Producer, topic: string): DeadLetters {
  return {
    async send(letters) {
      if (letters.length === 0) return;
      const failedAt = new Date().toISOString();
      await sendInOrder(producer, [
        {
          topic,
          messages: letters.map((l) => ({
            key: l.key,
            value: l.value,
            headers: {
              ...(l.headers ?? {}),
              [DLQ_HEADERS.topic]: l.topic,
              [DLQ_HEADERS.partition]: String(l.partition),
              [DLQ_HEADERS.offset]: l.offset,
              [DLQ_HEADERS.code]: l.code,
              [DLQ_HEADERS.reason]: l.reason.slice(0, 4000),
              [DLQ_HEADERS.failedAt]: failedAt,
            },
          })),
        },
      ]);
    },
  };
}
