import { searchSuite } from './search.suite.js';

searchSuite('embedded (SQLite FTS5)', () => ({}));
