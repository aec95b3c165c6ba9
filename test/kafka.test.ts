// Everything that runs against the real Kafka broker the engines harness starts (embedded graph
// store): the change feed contract, ingestion workers, dead letters, lanes, sources.
import { changeFeedContract } from './contract/change-feed.contract.js';
import { createKafka, ensureTopics } from '../src/streams/kafka/client.js';
import { createKafkaChangeFeed } from '../src/streams/kafka/change-feed.js';
import { kafkaBrokers, silentLog, uniqueTopic } from './support/fixtures.js';

changeFeedContract({
  name: 'kafka',
  async open() {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'metalake-test' }, silentLog);
    const topic = uniqueTopic('changes');
    await ensureTopics(kafka, [topic], 3);
    const feed = await createKafkaChangeFeed({ kafka, topic, groupPrefix: 'metalake-test', log: silentLog });
    return { feed, close: () => feed.close() };
  },
});
