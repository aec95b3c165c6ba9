// Limits on what a GraphQL document may ask for, applied in the same way over HTTP (Apollo) and
// over websocket (graphql-ws): document size and token count at parse time; depth, aliases and
// directives (graphql-armor rules) and introspection at validation; estimated cost (with the
// page sizes of the request's own variables) once the operation is known. Every rejection happens
// before any resolver runs and carries GRAPHQL_VALIDATION_FAILED (or GRAPHQL_PARSE_FAILED).
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isListType,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { GraphQLLimits } from '../config.js';

export type { GraphQLLimits };

export const LIMIT_CODE = 'GRAPHQL_VALIDATION_FAILED';

const rejected = (message: string, limit: string) =>
  new GraphQLError(message, { extensions: { code: LIMIT_CODE, limit, http: { status: 400 } } });

/**
 * Armor reports through the validation context instead of throwing, so every problem comes back
 * as a validation error; each names the limit that refused the document in `extensions.limit`.
 */
const report = (limit: string) => ({
  propagateOnRejection: false,
  exposeLimits: true,
  onReject: [
    (ctx: ValidationContext | null, error: GraphQLError) =>
      ctx?.reportError(
        new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { ...error.extensions, code: LIMIT_CODE, limit } }),
      ),
  ],
});

/** Validation rules beyond graphql-js' own: depth, aliases and directives (Apollo adds the introspection rule itself). */
export function limitRules(limits: GraphQLLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...report('depth') }),
    maxAliasesRule({ n: limits.maxAliases, ...report('aliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report('directives') }),
  ];
}

export const parseOptions = (limits: GraphQLLimits): ParseOptions => ({ maxTokens: limits.maxTokens, noLocation: false });

function estimator(listFactor: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    if (typeof args.first === 'number') return 1 + childComplexity * Math.max(1, args.first);
    const nullable = getNullableType(field.type);
    // A connection's edges were already counted by the paged field above them.
    if (isListType(nullable) && isCompositeType(getNamedType(field.type)) && !type.name.endsWith('Connection'))
      return 1 + childComplexity * listFactor;
    return 1 + childComplexity;
  };
}

/** Estimated cost of the operation, or a validation error over the limit. */
export function checkCost(
  schema: GraphQLSchema,
  limits: GraphQLLimits,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): GraphQLError | null {
  // No operation of that name (or several without a name): nothing will run, and the transport
  // answers OPERATION_RESOLUTION_FAILURE. The cost estimator is given the operation's own name,
  // never a name an anonymous operation does not have.
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const name = operation.name?.value;
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      estimators: [estimator(limits.listFactor)],
      ...(variables ? { variables } : {}),
      ...(name ? { operationName: name } : {}),
    });
  } catch (error) {
    // Variables that do not fit their types: execution reports them properly, with their own code.
    if (error instanceof GraphQLError) return null;
    throw error;
  }
  return cost > limits.maxCost
    ? rejected(
        `Query cost limit of ${limits.maxCost} exceeded, estimated ${Math.ceil(cost)}. Ask for smaller pages or fewer nested lists.`,
        'cost',
      )
    : null;
}

export function checkLength(limits: GraphQLLimits, query: unknown): GraphQLError | null {
  return typeof query === 'string' && query.length > limits.maxDocumentLength
    ? rejected(`Query document longer than ${limits.maxDocumentLength} characters`, 'length')
    : null;
}

/** Removes "Did you mean …?" hints, which would disclose field and type names to a prober. */
const withoutSuggestions = (message: string): string => message.replace(/ ?Did you mean .+\?$/, '');

/** The same error (message and locations) with our stable code. */
const withCode = (error: GraphQLError, code: string, message = error.message): GraphQLError =>
  new GraphQLError(message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    extensions: { code, ...error.extensions },
  });

type PreparedRequest = { query: string; variables?: Record<string, unknown> | null | undefined; operationName?: string | null | undefined };

/** Length, parse with the token limit, graphql-js validation plus the limit rules: the document or the errors. */
function validDocument(schema: GraphQLSchema, limits: GraphQLLimits, query: string): DocumentNode | GraphQLError[] {
  const tooLong = checkLength(limits, query);
  if (tooLong) return [tooLong];
  let document: DocumentNode;
  try {
    document = parse(query, parseOptions(limits));
  } catch (error) {
    if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
    throw error;
  }
  const invalid = validate(schema, document, [
    ...specifiedRules,
    ...limitRules(limits),
    ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ]);
  if (invalid.length > 0) {
    return invalid.map((e) => withCode(e, LIMIT_CODE, limits.suggestions ? e.message : withoutSuggestions(e.message)));
  }
  return document;
}

/** The operation to run and its cost, which depend on the request's operation name and variables. */
function checkOperation(schema: GraphQLSchema, limits: GraphQLLimits, document: DocumentNode, request: PreparedRequest) {
  const operationName = request.operationName ?? undefined;
  if (!getOperationAST(document, operationName)) {
    const message = operationName
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
    return { errors: [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } })] };
  }
  const cost = checkCost(schema, limits, document, request.variables ?? undefined, operationName);
  return cost ? { errors: [cost] } : { document };
}

/**
 * The whole check for transports without Apollo's pipeline (graphql-ws): length, parse with the
 * token limit, graphql-js validation plus the limit rules, cost; the document or the errors.
 * Valid documents are kept by query text (the `size` most recently used, each at most
 * `maxCachedLength` characters): a subscription that a thousand clients open is
 * parsed and validated once, and its one document is shared (graphql-js never mutates one).
 * Operation and cost are still checked per request: they depend on its variables.
 */
export function cachedPreparation(schema: GraphQLSchema, limits: GraphQLLimits, size = 500, maxCachedLength = 20_000) {
  const documents = new Map<string, DocumentNode>();
  return (request: PreparedRequest): { document: DocumentNode } | { errors: GraphQLError[] } => {
    let document = documents.get(request.query);
    if (document) {
      // Most recently used last: the first key is the one to drop.
      documents.delete(request.query);
    } else {
      const valid = validDocument(schema, limits, request.query);
      if (Array.isArray(valid)) return { errors: valid };
      document = valid;
    }
    if (request.query.length <= maxCachedLength) {
      documents.set(request.query, document);
      if (documents.size > size) documents.delete(documents.keys().next().value!);
    }
    return checkOperation(schema, limits, document, request);
  };
}
