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

/**
 * The whole check for transports without Apollo's pipeline (graphql-ws): length, parse with the
 * token limit, graphql-js validation plus the limit rules, cost. Returns the document or the errors.
 */
export function prepareDocument(
  schema: GraphQLSchema,
  limits: GraphQLLimits,
  request: { query: string; variables?: Record<string, unknown> | null | undefined; operationName?: string | null | undefined },
): { document: DocumentNode } | { errors: GraphQLError[] } {
  const tooLong = checkLength(limits, request.query);
  if (tooLong) return { errors: [tooLong] };
  let document: DocumentNode;
  try {
    document = parse(request.query, parseOptions(limits));
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [withCode(error, 'GRAPHQL_PARSE_FAILED')] };
    throw error;
  }
  const invalid = validate(schema, document, [
    ...specifiedRules,
    ...limitRules(limits),
    ...(limits.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ]);
  if (invalid.length > 0) {
    return { errors: invalid.map((e) => withCode(e, LIMIT_CODE, limits.suggestions ? e.message : withoutSuggestions(e.message))) };
  }
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
