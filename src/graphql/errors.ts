// Two kinds of error: user-facing ones keep their stable code; everything else is logged with
// the request id and reaches the client as a generic internal error.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError, type ErrorCode } from '../domain/errors.js';
import { SlowConsumerError } from '../services/event-stream.js';

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'TOO_MANY_SUBSCRIPTIONS',
  // Raised by graphql-js / Apollo before any resolver runs: the client's own mistake.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401 };

/** A DomainError as a GraphQLError (for places that must throw GraphQL errors, such as context creation). */
export function toGraphQLError(error: DomainError): GraphQLError {
  const status = HTTP_STATUS[error.code];
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      code: error.code,
      ...(error.problems.length ? { problems: error.problems } : {}),
      ...(status ? { http: { status } } : {}),
    },
  });
}

/** Whether an error is ours to show (a stable code) or internal (logged, masked). */
export function isInternal(error: unknown): boolean {
  // The error's own code first: Apollo adds GRAPHQL_PARSE_FAILED (and the like) to a wrapper
  // whose originalError is graphql-js' bare error, which has none.
  const own = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (typeof own === 'string' && PUBLIC_CODES.has(own)) return false;
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError || original instanceof SlowConsumerError) return false;
  const code = original instanceof GraphQLError ? original.extensions.code : undefined;
  return !(typeof code === 'string' && PUBLIC_CODES.has(code));
}

/**
 * Masks internal errors. `log` is for transports without a request logger at hand (graphql-ws);
 * over HTTP the Apollo plugin in server/http.ts logs them with the request id instead.
 */
export function formatError(log: Logger | null) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof DomainError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { code: original.code, ...(original.problems.length ? { problems: original.problems } : {}) },
      };
    }
    if (original instanceof SlowConsumerError) {
      return { ...formatted, message: original.message, extensions: { code: 'SLOW_CONSUMER' } };
    }
    const code = formatted.extensions?.code;
    // Anything that is not one of ours got INTERNAL_SERVER_ERROR from Apollo or graphql-ws, so a public code is safe to pass on.
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      // A refusal by a limit names it (depth, aliases, directives, cost, length, tokens, batch).
      const limit =
        formatted.extensions?.limit ?? (/Document contains more th(?:at|an) \d+ tokens/.test(formatted.message) ? 'tokens' : undefined);
      return {
        message: formatted.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code, ...(typeof limit === 'string' ? { limit } : {}) },
      };
    }
    log?.error({ err: original ?? error, path: formatted.path }, 'internal error');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
