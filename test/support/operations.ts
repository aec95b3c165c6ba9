// Generates GraphQL operations from the schema itself: every root field of a kind, its arguments
// filled from a bank of values (by argument or input-field name, else a plain value of the type),
// and a selection of every field reachable from it (an object type is expanded at most twice on
// one path). New fields in the schema are thereby covered without touching the tests.
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';

/** Values to use by argument or input-field name; a list gives several variants of the operation. */
export type ValueBank = Record<string, unknown[]>;

export interface GeneratedOperation {
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  text: string;
}

export function generateOperations(schema: GraphQLSchema, kind: GeneratedOperation['kind'], bank: ValueBank): GeneratedOperation[] {
  const root = kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return [];
  const operations: GeneratedOperation[] = [];
  for (const field of Object.values(root.getFields())) {
    const selection = selectionOf(field, new Map());
    for (const args of argumentVariants(field.args, bank)) {
      operations.push({ kind, field: field.name, text: `${kind} { ${field.name}${args}${selection} }` });
    }
  }
  return operations;
}

/**
 * Argument lists to try: one per bank value of a banked argument (the others at their first value),
 * each once with only required and banked arguments, once with every argument filled.
 */
function argumentVariants(args: readonly GraphQLArgument[], bank: ValueBank): string[] {
  const banked = args.filter((a) => bank[a.name]?.length);
  const choices: Record<string, unknown>[] = [{}];
  for (const a of banked) for (const value of (bank[a.name] ?? []).slice(1)) choices.push({ [a.name]: value });
  const variants = new Set<string>();
  for (const choice of choices) {
    for (const full of [false, true]) {
      const parts = args
        .filter((a) => full || isNonNullType(a.type) || banked.includes(a))
        .map((a) => `${a.name}: ${a.name in choice ? literal(choice[a.name]) : valueFor(a.type, a.name, bank)}`);
      variants.add(parts.length ? `(${parts.join(', ')})` : '');
    }
  }
  return [...variants];
}

function valueFor(type: GraphQLInputType, name: string, bank: ValueBank): string {
  const banked = bank[name];
  if (banked?.length) return literal(banked[0]);
  const inner = getNullableType(type);
  if (isListType(inner)) return `[${valueFor(inner.ofType, name, bank)}]`;
  if (isEnumType(inner)) return inner.getValues()[0]?.name ?? 'null';
  if (isInputObjectType(inner)) {
    return `{ ${Object.values(inner.getFields())
      .map((f) => `${f.name}: ${valueFor(f.type, f.name, bank)}`)
      .join(', ')} }`;
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'true';
      case 'JSON':
        return '{ note: "generated" }';
      case 'DateTime':
        return JSON.stringify(new Date().toISOString());
      default:
        return JSON.stringify(`generated-${name}`);
    }
  }
  return 'null';
}

/** A JS value as a GraphQL literal (strings quoted, enums given as { enum: 'X' }). */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    if ('enum' in value) return String((value as { enum: string }).enum);
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}

function selectionOf(field: GraphQLField<unknown, unknown>, path: Map<string, number>): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return '';
  return ` { ${fieldsOf(type as GraphQLObjectType, path)} }`;
}

function fieldsOf(type: GraphQLObjectType, path: Map<string, number>): string {
  const seen = path.get(type.name) ?? 0;
  const next = new Map(path).set(type.name, seen + 1);
  const parts: string[] = ['__typename'];
  for (const f of Object.values(type.getFields())) {
    // Nested fields keep their defaults; required arguments would need values the bank cannot know here.
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) parts.push(f.name);
    else if (isObjectType(named) && seen < 2 && (next.get(named.name) ?? 0) < 2) parts.push(`${f.name} { ${fieldsOf(named, next)} }`);
  }
  return parts.join(' ');
}
