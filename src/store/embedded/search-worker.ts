// A search worker thread (started by search-pool.ts): one read-only connection to the embedded
// search file and its reader, answering one query at a time.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { IndexQuery } from '../ports/index.js';
import type { SearchReply } from './search-pool.js';
import { createSearchReader } from './search-reader.js';

const { path } = workerData as { path: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const reader = createSearchReader(db);
const port = parentPort!;

port.on('message', (message: { id: number; tenant: string; query: IndexQuery } | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: SearchReply;
  try {
    reply = { id: message.id, page: reader.search(message.tenant, message.query) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id: message.id, error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code } };
  }
  port.postMessage(reply);
});
