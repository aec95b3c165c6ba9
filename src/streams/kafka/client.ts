// The Kafka connection (kafkajs): one client per process, its log routed to pino, and the topics
// metalake uses created at start when missing.
import { connect } from 'node:net';
import { type IHeaders, Kafka, type KafkaConfig, type ISocketFactory, type Message, type Producer, logLevel } from 'kafkajs';
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

/**
 * The most one produce request carries. A send puts all of a partition's messages in one record
 * batch, and the broker refuses a batch over its `message.max.bytes` (1 MiB by default) with
 * MESSAGE_TOO_LARGE, which no retry fixes: 1,000 lineage events of one tenant (one key, one
 * partition) are over it, and a relay that sent them in one request would be stuck on them for
 * good. The input bounds keep any single event well under it (an asset's record is at most ~120 KB).
 */
export const MAX_SEND_BYTES = 512 * 1024;

const bytesOf = (v: Message['key'] | IHeaders[string]): number =>
  v === null || v === undefined ? 0 : Array.isArray(v) ? v.reduce((n, x) => n + bytesOf(x), 0) : Buffer.byteLength(v);

/** A record's size in a batch: key, value, headers and about 70 bytes of framing. */
function recordBytes(m: Message): number {
  let n = 70 + bytesOf(m.key) + bytesOf(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += Buffer.byteLength(k) + bytesOf(v);
  return n;
}

/**
 * Sends messages to their topics in order, in as many requests as MAX_SEND_BYTES needs, one after
 * the other: each topic's messages keep their order, and a request refused leaves the later ones
 * unsent (the caller retries the whole call; consumers deduplicate by event id).
 */
export async function sendInOrder(
  producer: Producer,
  topicMessages: readonly { topic: string; messages: readonly Message[] }[],
  maxBytes = MAX_SEND_BYTES,
): Promise<void> {
  let chunk = new Map<string, Message[]>();
  let bytes = 0;
  const flush = async () => {
    if (chunk.size === 0) return;
    await producer.sendBatch({ acks: -1, topicMessages: [...chunk].map(([topic, messages]) => ({ topic, messages })) });
    chunk = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = recordBytes(message);
      if (bytes > 0 && bytes + size > maxBytes) await flush();
      const list = chunk.get(topic) ?? [];
      list.push(message);
      chunk.set(topic, list);
      bytes += size;
    }
  }
  await flush();
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
