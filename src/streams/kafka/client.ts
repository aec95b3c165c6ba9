// The Kafka connection (kafkajs): one client per process, its log routed to pino, and the topics
// metalake uses created at start when missing.
import { connect } from 'node:net';
import { Kafka, type KafkaConfig, type ISocketFactory, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSettings } from '../../config.js';

export type { KafkaSettings, KafkaTopics } from '../../config.js';

/**
 * kafkajs' own sockets keep Nagle's algorithm on, so the tail of a request can wait for the
 * broker's delayed acknowledgement; the same plain TCP socket with TCP_NODELAY (metalake
 * configures no TLS or SASL for Kafka).
 */
const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
  const socket = connect({ host, port, noDelay: true }, onConnect);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'clientId'>, log: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 5000,
    socketFactory,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, ...rest } = entry;
        const fields = { component: 'kafkajs', namespace, ...rest };
        if (level === logLevel.ERROR) log.error(fields, message);
        else if (level === logLevel.WARN) log.warn(fields, message);
        else log.debug(fields, message);
      },
  };
  return new Kafka(config);
}

/** Creates missing topics (existing ones are left as they are). */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // kafkajs' own waitForLeaders can reject outside the returned promise on a fresh broker
      // (UNKNOWN_TOPIC_OR_PARTITION while metadata propagates), so the wait for leaders is ours.
      await admin.createTopics({ waitForLeaders: false, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
      for (const deadline = Date.now() + 30_000; ;) {
        // Ready means the leaders answer offset requests, not only that metadata names them.
        const led = await admin
          .fetchTopicMetadata({ topics: missing })
          .then(
            async (m) =>
              m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) &&
              (await Promise.all(missing.map((t) => admin.fetchTopicOffsets(t)))).length === missing.length,
          )
          .catch(() => false);
        if (led) break;
        if (Date.now() > deadline) throw new Error(`Kafka topics without leaders after 30 s: ${missing.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** Rejects after `ms`: kafkajs retries for a long time when a broker is down, a probe must not. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
