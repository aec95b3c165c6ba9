import { createEmbeddedFeed } from '../../src/store/embedded/feed.js';
import { embeddedFactory } from '../support/fixtures.js';
import { changeFeedContract } from './change-feed.contract.js';
import { graphPropertiesContract } from './graph-properties.contract.js';
import { graphStoreContract } from './graph-store.contract.js';
import { propagationContract } from './propagation.contract.js';

graphStoreContract(embeddedFactory);
propagationContract(embeddedFactory);
graphPropertiesContract(embeddedFactory, 100);
changeFeedContract({
  name: 'in-process',
  open: () => {
    const feed = createEmbeddedFeed();
    return Promise.resolve({ feed, close: () => feed.close() });
  },
});
