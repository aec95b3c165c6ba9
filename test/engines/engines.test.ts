// @engines kafka elasticsearch
// The engines harness in CI: real Kafka and Elasticsearch answer their own clients (Neo4j is
// exercised by test/neo4j-kafka.test.ts). The streams and search adapters build on exactly these.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../src/streams/kafka/client.js';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (it starts the engines) or point ${name} at a server`);
  return value;
};

describe('engines harness', () => {
  it('runs a Kafka 3.9 broker that kafkajs can produce to and consume from', async () => {
    const kafka = new Kafka({ clientId: 'metalake-test', brokers: required('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
    const topic = `harness-${randomUUID()}`;
    // The project's own topic creation: kafkajs' waitForLeaders can reject outside its promise on a
    // fresh KRaft broker (UNKNOWN_TOPIC_OR_PARTITION while metadata propagates), which failed this
    // test once and left its admin client holding the process for ten minutes.
    await ensureTopics(kafka, [topic], 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'hello metalake' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `g-${randomUUID()}` });
    await consumer.connect();
    let value: string;
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      value = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
        consumer
          .run({
            eachMessage: ({ message }) => {
              clearTimeout(timer);
              resolve(message.value?.toString() ?? '');
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    assert.equal(value, 'hello metalake');
  });

  it('runs an Elasticsearch 8 node that indexes and searches with core features', async () => {
    const es = new Client({ node: required('ELASTICSEARCH_URL') });
    const index = `harness-${randomUUID()}`;
    // GET / (info, ping) lives in the rest-root module, which the integ-test distribution leaves out.
    const nodes = await es.nodes.info({ filter_path: 'nodes.*.version' });
    assert.match(Object.values(nodes.nodes)[0]?.version ?? '', /^8\./);
    await es.indices.create({ index, mappings: { properties: { name: { type: 'text', fields: { raw: { type: 'keyword' } } } } } });
    await es.index({ index, id: '1', document: { name: 'customer_orders' }, refresh: 'wait_for' });
    const prefix = await es.search<{ name: string }>({ index, query: { prefix: { 'name.raw': 'customer' } } });
    assert.equal(prefix.hits.hits[0]?._source?.name, 'customer_orders');
    await es.indices.delete({ index });
    await es.close();
  });
});
