// The one boundary between neo4j-driver and the domain: tenant-bound query helpers, and driver
// errors translated into the store's failures (store/errors.ts).
import neo4j, { type Driver, type ManagedTransaction, Neo4jError, type QueryResult, type RecordShape } from 'neo4j-driver';
import { StoreConflict, StoreError } from '../errors.js';

/** Runs parameterised Cypher: inside a transaction, or in a fresh read session. */
export type Run = <R extends RecordShape = RecordShape>(cypher: string, params?: Record<string, unknown>) => Promise<R[]>;

export interface Cx {
  readonly tenant: string;
  run: Run;
}

const records = <R extends RecordShape>(result: QueryResult<R>): R[] => result.records.map((r) => r.toObject());

/** JavaScript numbers travel as floats; integral ones become Cypher integers (LIMIT, versions, sequences). */
function integers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? neo4j.int(value) : value;
  if (Array.isArray(value)) return value.map(integers);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, integers(v)]));
  return value;
}

/** Called with each statement's duration; the store logs the slow ones. */
export type QueryObserver = (cypher: string, ms: number) => void;

export function txRunner(tx: ManagedTransaction, observe?: QueryObserver): Run {
  return async <R extends RecordShape>(cypher: string, params: Record<string, unknown> = {}) => {
    const started = performance.now();
    const result = records(await tx.run<R>(cypher, integers(params) as Record<string, unknown>));
    observe?.(cypher, performance.now() - started);
    return result;
  };
}

/**
 * Runs statements in one managed transaction (one session; the driver retries the work on
 * transient errors), with driver errors translated. Reads share one snapshot and save round trips.
 */
export async function inTx<T>(
  driver: Driver,
  database: string | undefined,
  mode: 'read' | 'write',
  work: (run: Run) => Promise<T>,
  observe?: QueryObserver,
): Promise<T> {
  const session = driver.session({
    defaultAccessMode: mode === 'read' ? neo4j.session.READ : neo4j.session.WRITE,
    ...(database ? { database } : {}),
  });
  try {
    return mode === 'read'
      ? await session.executeRead((tx) => work(txRunner(tx, observe)))
      : await session.executeWrite((tx) => work(txRunner(tx, observe)));
  } catch (error) {
    throw translate(error);
  } finally {
    await session.close();
  }
}

export function readRunner(driver: Driver, database: string | undefined, observe?: QueryObserver): Run {
  return <R extends RecordShape>(cypher: string, params: Record<string, unknown> = {}) =>
    inTx(driver, database, 'read', (run) => run<R>(cypher, params), observe);
}

/** Driver errors in the store taxonomy (store/errors.ts); anything else passes unchanged. */
export function translate(error: unknown): unknown {
  if (!(error instanceof Neo4jError)) return error;
  const { code } = error;
  if (code === 'Neo.ClientError.Schema.ConstraintValidationFailed' || code === 'Neo.TransientError.Transaction.DeadlockDetected') {
    return new StoreConflict(undefined, { cause: error });
  }
  if (
    code === neo4j.error.SERVICE_UNAVAILABLE ||
    code === neo4j.error.SESSION_EXPIRED ||
    code === 'Neo.TransientError.General.DatabaseUnavailable'
  ) {
    return new StoreError('unavailable', `Neo4j is unavailable: ${error.message}`, { cause: error });
  }
  // Still transient after the driver's own retries: the server is short of memory, threads or locks.
  if (code.startsWith('Neo.TransientError.') || error.retriable) {
    return new StoreError('backpressure', `Neo4j pushes back (${code}): ${error.message}`, { cause: error });
  }
  return error;
}

/** JSON stored as strings (Neo4j properties hold no maps). */
export const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
export const parse = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (null as T));
