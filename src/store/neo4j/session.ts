// The one boundary between neo4j-driver and the domain: tenant-bound query helpers, and driver
// errors translated into the store's failures (store/errors.ts).
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import neo4j, { type Driver, type ManagedTransaction, Neo4jError, type QueryResult, type RecordShape } from 'neo4j-driver';
import { StoreConflict, StoreError } from '../errors.js';

interface DriverChannel {
  prototype: { _setupConnectionTimeout: (this: unknown, config: unknown, socket: Socket) => void };
}

let nagleOff = false;

/**
 * neo4j-driver (5.28) leaves Nagle's algorithm on for its sockets, and writes a Bolt message in
 * chunks of 1,400 bytes: the chunk after the first waits for the server to acknowledge it, and
 * the server delays that acknowledgement (40 ms on Linux) while it waits for the rest of the
 * message. Every statement longer than one chunk (a batch, a long traversal) paid 40 ms:
 * measured, 44 ms against 1.3 ms for the same statement with TCP_NODELAY. The Python driver sets
 * it since 5.27; here each socket the driver opens gets it, through the one hook the driver's
 * Node channel calls with its new socket. Throws if that hook is gone (a driver upgrade must
 * bring its own answer), so the slow path can never come back silently.
 */
export function disableNagle(): void {
  if (nagleOff) return;
  const fromDriver = createRequire(createRequire(import.meta.url).resolve('neo4j-driver'));
  const channel = (fromDriver('neo4j-driver-bolt-connection/lib/channel/node/node-channel.js') as { default?: DriverChannel }).default;
  const setup = channel?.prototype._setupConnectionTimeout;
  if (typeof setup !== 'function') throw new Error('neo4j-driver: the Node channel hook for TCP_NODELAY is gone (driver upgraded?)');
  channel!.prototype._setupConnectionTimeout = function (this: unknown, config: unknown, socket: Socket) {
    socket.setNoDelay(true);
    setup.call(this, config, socket);
  };
  nagleOff = true;
}

/** Runs parameterised Cypher: inside a transaction, or in a fresh read session. */
export type Run = <R extends RecordShape = RecordShape>(cypher: string, params?: Record<string, unknown>) => Promise<R[]>;

export interface Cx {
  readonly tenant: string;
  run: Run;
}

const records = <R extends RecordShape>(result: QueryResult<R>): R[] => result.records.map((r) => r.toObject());

/**
 * JavaScript numbers travel as floats; integral ones become Cypher integers (LIMIT, versions,
 * sequences). Copy-on-write: arrays and objects without an integer inside are passed as they are,
 * so a batch of 1,000 rows of strings is walked, not rebuilt.
 */
export function integers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? neo4j.int(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = integers(value[i]);
      if (next !== value[i]) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    const next = integers(v);
    if (next !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return copy ?? value;
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

/**
 * One read statement on its own: an auto-commit query (one round trip; an explicit transaction
 * adds a second for its commit), run again on a transient error as a managed transaction would be.
 */
export function readRunner(driver: Driver, database: string | undefined, observe?: QueryObserver): Run {
  return async <R extends RecordShape>(cypher: string, params: Record<string, unknown> = {}) => {
    for (let attempt = 1; ; attempt++) {
      const session = driver.session({ defaultAccessMode: neo4j.session.READ, ...(database ? { database } : {}) });
      try {
        const started = performance.now();
        const result = records(await session.run<R>(cypher, integers(params) as Record<string, unknown>));
        observe?.(cypher, performance.now() - started);
        return result;
      } catch (error) {
        if (attempt < 3 && neo4j.isRetriableError(error)) {
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        throw translate(error);
      } finally {
        await session.close();
      }
    }
  };
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
