import { join } from 'node:path';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search-index.js';
import { tempDir } from '../support/fixtures.js';
import { searchIndexContract } from './search-index.contract.js';

searchIndexContract({
  name: 'embedded (SQLite FTS5)',
  open() {
    const dir = tempDir();
    const index = createEmbeddedSearchIndex({ path: join(dir.path, 'search.db') });
    return Promise.resolve({
      index,
      close: async () => {
        await index.close();
        dir.remove();
      },
    });
  },
});
