// GraphiQL, bundled (no CDN), with the catalog's signed-in token for queries, mutations and
// subscriptions (graphql-ws on the same path).
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createRoot } from 'react-dom/client';
import { session } from './api';

const token = session.token();
const headers = token ? { authorization: `Bearer ${token}` } : undefined;
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  wsConnectionParams: { authorization: `Bearer ${token ?? ''}` },
  ...(headers ? { headers } : {}),
});

createRoot(document.getElementById('graphiql')!).render(
  token ? (
    <GraphiQL fetcher={fetcher} defaultQuery={'{ me { subject tenant roles } }\n'} />
  ) : (
    <p style={{ fontFamily: 'system-ui', padding: '2rem' }}>
      Sign in on <a href="/">the catalog</a> first: GraphiQL uses its token.
    </p>
  ),
);
