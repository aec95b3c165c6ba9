// Test clean-up on the shared Elasticsearch: a long-lived development cluster is left as it was
// (wildcard deletes are refused by default, so the indices are listed, then deleted by name).
import { Client } from '@elastic/elasticsearch';

export async function removeIndices(prefix: string): Promise<void> {
  if (!process.env.ELASTICSEARCH_URL) return;
  const client = new Client({ node: process.env.ELASTICSEARCH_URL });
  try {
    const names = Object.keys(await client.indices.get({ index: `${prefix}-*` }));
    if (names.length > 0) await client.indices.delete({ index: names });
  } finally {
    await client.close();
  }
}
