// The ingest pipeline as the CLI's jobs (import, crawl) reach it: published to the Kafka lanes when
// KAFKA_BROKERS is set, else applied to the embedded store in DATA_DIR through the same ingest
// service a server uses (a server running on that directory publishes the change events from the
// outbox when its relay polls).
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openStore } from '../app.js';
import type { Config } from '../config.js';
import { createServices } from '../services/index.js';
import { NO_TRANSFORMS, type TransformRules, loadTransformRules } from '../services/transforms.js';
import { createEmbeddedFeed } from '../store/embedded/feed.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import type { GraphStore } from '../store/ports/index.js';
import { type IngestGateway, inProcessGateway, kafkaGateway } from '../streams/ingest/gateway.js';
import { createKafka, ensureTopics } from '../streams/kafka/client.js';

export interface Pipeline {
  gateway: IngestGateway;
  transforms: TransformRules;
  /** The graph store (for jobs that read it, like a crawl's diff); opened only when asked for in Kafka mode. */
  store: GraphStore | null;
  close(): Promise<void>;
}

export async function openPipeline(config: Config, log: Logger, options: { store: boolean }): Promise<Pipeline> {
  const transforms = config.ingest.transformsFile ? loadTransformRules(config.ingest.transformsFile) : NO_TRANSFORMS;
  if (config.kafka) {
    const kafka = createKafka(config.kafka, log);
    const { topics } = config.kafka;
    await ensureTopics(kafka, [topics.ingest, topics.ingestBulk], config.kafka.partitions);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const store = options.store
      ? await openStore(config, log).catch(async (error: unknown) => {
          await producer.disconnect();
          throw error;
        })
      : null;
    return {
      gateway: kafkaGateway(producer, { priority: topics.ingest, bulk: topics.ingestBulk }),
      transforms,
      store,
      close: async () => {
        await producer.disconnect();
        await store?.close();
      },
    };
  }
  if (config.store !== 'embedded') throw new Error('STORE=neo4j without KAFKA_BROKERS: this command publishes to Kafka; set KAFKA_BROKERS');
  const store = createEmbeddedStore({ path: join(config.dataDir, 'metalake.db'), synchronous: config.embeddedSync });
  const services = createServices({ store, feed: createEmbeddedFeed(), limits: config.limits, log, transforms });
  return { gateway: inProcessGateway(services.ingest, { atomic: false }), transforms, store, close: () => store.close() };
}
