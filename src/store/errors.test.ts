// Each adapter translates its driver's failures into the one taxonomy workers branch on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from '@elastic/elasticsearch';
import { SqliteError } from 'better-sqlite3';
import { Neo4jError } from 'neo4j-driver';
import { DomainError } from '../domain/errors.js';
import { translate as fromSqlite } from './embedded/index.js';
import { translate as fromElasticsearch } from './elasticsearch/index.js';
import { StoreConflict, StoreError, isTransient, storeFailure, translated } from './errors.js';
import { translate as fromNeo4j } from './neo4j/session.js';

/** A Neo4j error as the driver raises it (the GQL status fields do not matter here). */
const n4j = (message: string, code: string) => new Neo4jError(message, code, '50N42', 'error');

const response = (statusCode: number) =>
  new errors.ResponseError({ statusCode, body: { error: { type: 'x' } }, headers: {}, warnings: null, meta: {} } as never);

describe('store failures', () => {
  it('Neo4j: unique keys and deadlocks conflict, lost servers are unavailable, other transient errors push back', () => {
    assert.equal(storeFailure(fromNeo4j(n4j('taken', 'Neo.ClientError.Schema.ConstraintValidationFailed'))), 'conflict');
    assert.equal(storeFailure(fromNeo4j(n4j('deadlock', 'Neo.TransientError.Transaction.DeadlockDetected'))), 'conflict');
    assert.equal(storeFailure(fromNeo4j(n4j('gone', 'ServiceUnavailable'))), 'unavailable');
    assert.equal(storeFailure(fromNeo4j(n4j('expired', 'SessionExpired'))), 'unavailable');
    assert.equal(storeFailure(fromNeo4j(n4j('oom', 'Neo.TransientError.General.MemoryPoolOutOfMemoryError'))), 'backpressure');
    const syntax = n4j('bad cypher', 'Neo.ClientError.Statement.SyntaxError');
    assert.equal(fromNeo4j(syntax), syntax, 'a bug stays what it is');
  });

  it('SQLite: a taken key conflicts, a busy database pushes back', () => {
    assert.equal(storeFailure(fromSqlite(new SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'))), 'conflict');
    assert.equal(storeFailure(fromSqlite(new SqliteError('database is locked', 'SQLITE_BUSY'))), 'backpressure');
    assert.equal(storeFailure(fromSqlite(new SqliteError('no such table', 'SQLITE_ERROR'))), null);
  });

  it('Elasticsearch: connection errors and 5xx are unavailable, 429 pushes back, 4xx stay', () => {
    assert.equal(storeFailure(fromElasticsearch(new errors.ConnectionError('refused'))), 'unavailable');
    assert.equal(storeFailure(fromElasticsearch(new errors.NoLivingConnectionsError('none', {} as never))), 'unavailable');
    assert.equal(storeFailure(fromElasticsearch(new errors.TimeoutError('slow'))), 'unavailable');
    assert.equal(storeFailure(fromElasticsearch(response(503))), 'unavailable');
    assert.equal(storeFailure(fromElasticsearch(response(429))), 'backpressure');
    assert.equal(storeFailure(fromElasticsearch(response(400))), null);
  });

  it('a conflict is the user-facing CONFLICT; every failure but an outdated mapping is worth retrying', () => {
    const conflict = new StoreConflict();
    assert.ok(conflict instanceof DomainError && conflict.code === 'CONFLICT');
    assert.ok(isTransient(conflict) && isTransient(new StoreError('unavailable', 'x')) && isTransient(new StoreError('backpressure', 'x')));
    assert.ok(!isTransient(new StoreError('mapping-outdated', 'x')));
    assert.ok(!isTransient(new DomainError('CONFLICT', 'a kind change')), 'a refusal of the input is not a store failure');
  });

  it('translates at one boundary, for synchronous and asynchronous methods alike', async () => {
    const adapter = translated(
      {
        name: 'fake',
        sync: (n: number) => n + 1,
        fails: () => {
          throw new errors.ConnectionError('refused');
        },
        rejects: () => Promise.reject(response(429)),
      },
      fromElasticsearch,
    );
    assert.equal(adapter.name, 'fake');
    assert.equal(adapter.sync(1), 2);
    assert.throws(
      () => adapter.fails(),
      (e: unknown) => storeFailure(e) === 'unavailable',
    );
    await assert.rejects(adapter.rejects(), (e: unknown) => storeFailure(e) === 'backpressure');
  });
});
