import { join } from 'node:path';
import { createEmbeddedSearchIndex } from '../../src/store/embedded/search-index.js';
import { tempDir } from '../support/fixtures.js';
import { searchIndexContract } from './search-index.contract.js';

// Searches answered by worker threads (the default), and on the writer's own thread: the same contract.
for (const workers of [2, 0]) {
  searchIndexContract({
    name: `embedded (SQLite FTS5, ${workers === 0 ? 'searches in-thread' : `${workers} search workers`})`,
    open() {
      const dir = tempDir();
      const index = createEmbeddedSearchIndex({ path: join(dir.path, 'search.db'), workers });
      return Promise.resolve({
        index,
        close: async () => {
          await index.close();
          dir.remove();
        },
      });
    },
  });
}
