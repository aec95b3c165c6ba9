// Input rules shared by every entry point (GraphQL, ingestion, CLI).
import type { Problems } from './errors.js';
import { ASSET_KINDS, type AssetKind, type JsonObject } from './model.js';

export const LIMITS = {
  qualifiedName: 1024,
  name: 256,
  description: 10_000,
  owners: 50,
  owner: 256,
  attributesBytes: 64 * 1024,
  attributesDepth: 16,
  classificationName: 100,
  classificationDescription: 2_000,
  incidentTitle: 1_024,
  incidentUrl: 2_048,
  incidentExternalId: 256,
  incidentSource: 64,
  incidentAssets: 100,
  searchQuery: 256,
} as const;

// scheme://rest — the platform as a URI scheme, then a path without whitespace or control characters.
const QUALIFIED_NAME = /^[a-z][a-z0-9+.-]*:\/\/[^\s\p{Cc}]+$/iu;
const CONTROL = /\p{Cc}/u;
// A lone UTF-16 surrogate: not Unicode text. Neo4j and UTF-8 encoders replace it with U+FFFD, so
// the stored value would differ from the one given (and encodeURIComponent throws on it).
const LONE_SURROGATE = /\p{Cs}/u;

/** The JSON path of the first string (or key) in `value` that is not well-formed Unicode, else null. */
export function illFormedAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || '/' : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Array.isArray(value) ? value.entries() : Object.entries(value as Record<string, unknown>)) {
    const at = `${path}/${String(key)}`;
    if (typeof key === 'string' && LONE_SURROGATE.test(key)) return at;
    const found = illFormedAt(inner, at);
    if (found !== null) return found;
  }
  return null;
}
const CLASSIFICATION_NAME = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

export function checkQualifiedName(problems: Problems, path: string, value: string): boolean {
  if (value.length === 0 || value.length > LIMITS.qualifiedName) {
    problems.add(path, `must be 1 to ${LIMITS.qualifiedName} characters`);
    return false;
  }
  if (LONE_SURROGATE.test(value)) {
    problems.add(path, 'must be well-formed Unicode (it contains a lone surrogate)');
    return false;
  }
  if (!QUALIFIED_NAME.test(value)) {
    problems.add(path, `"${preview(value)}" is not a qualified name: expected platform://path, e.g. snowflake://acme/sales.public.orders`);
    return false;
  }
  return true;
}

export function checkText(
  problems: Problems,
  path: string,
  value: string,
  max: number,
  { allowEmpty = false, multiline = false } = {},
): boolean {
  if (!allowEmpty && value.trim().length === 0) {
    problems.add(path, 'must not be empty');
    return false;
  }
  if (value.length > max) {
    problems.add(path, `must be at most ${max} characters (got ${value.length})`);
    return false;
  }
  if (LONE_SURROGATE.test(value)) {
    problems.add(path, 'must be well-formed Unicode (it contains a lone surrogate)');
    return false;
  }
  const withoutNewlines = multiline ? value.replace(/[\n\r\t]/g, '') : value;
  if (CONTROL.test(withoutNewlines)) {
    problems.add(path, 'must not contain control characters');
    return false;
  }
  return true;
}

export function checkKind(problems: Problems, path: string, value: string): value is AssetKind {
  if ((ASSET_KINDS as readonly string[]).includes(value)) return true;
  problems.add(path, `unknown kind "${preview(value)}"; expected one of ${ASSET_KINDS.join(', ')}`);
  return false;
}

export function checkClassificationName(problems: Problems, path: string, value: string): boolean {
  if (value.length === 0 || value.length > LIMITS.classificationName || !CLASSIFICATION_NAME.test(value)) {
    problems.add(
      path,
      `"${preview(value)}" is not a classification name: letters, digits, _ . : - (starting with a letter), at most ${LIMITS.classificationName}`,
    );
    return false;
  }
  return true;
}

export function checkAttributes(problems: Problems, path: string, value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.add(path, 'must be a JSON object');
    return false;
  }
  if (jsonDepth(value, 0) > LIMITS.attributesDepth) {
    problems.add(path, `must be nested at most ${LIMITS.attributesDepth} levels deep`);
    return false;
  }
  const illFormed = illFormedAt(value);
  if (illFormed !== null) {
    problems.add(path, `must be well-formed Unicode (a lone surrogate at ${illFormed})`);
    return false;
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > LIMITS.attributesBytes) {
    problems.add(path, `must be at most ${LIMITS.attributesBytes} bytes of JSON (got ${bytes})`);
    return false;
  }
  return true;
}

export function checkUrl(problems: Problems, path: string, value: string): boolean {
  if (value.length > LIMITS.incidentUrl) {
    problems.add(path, `must be at most ${LIMITS.incidentUrl} characters`);
    return false;
  }
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return true;
  } catch {
    // reported below
  }
  problems.add(path, 'must be an http(s) URL');
  return false;
}

export function checkBatch(problems: Problems, path: string, size: number, max: number): boolean {
  if (size === 0) {
    problems.add(path, 'must not be empty');
    return false;
  }
  if (size > max) {
    problems.add(path, `at most ${max} items per call (got ${size}); split the batch`);
    return false;
  }
  return true;
}

/** Which kinds may contain which: database ⊃ schema ⊃ table ⊃ column, dashboard ⊃ chart, … */
const ALLOWED_PARENTS: Record<AssetKind, readonly AssetKind[]> = {
  DATABASE: [],
  SCHEMA: ['DATABASE'],
  TABLE: ['SCHEMA', 'DATABASE'],
  VIEW: ['SCHEMA', 'DATABASE'],
  COLUMN: ['TABLE', 'VIEW', 'TOPIC', 'DATASET', 'COLUMN'],
  DASHBOARD: [],
  CHART: ['DASHBOARD'],
  PIPELINE: ['PIPELINE'],
  TOPIC: [],
  DATASET: ['DATABASE', 'SCHEMA'],
};

export function allowedParentKinds(kind: AssetKind): readonly AssetKind[] {
  return ALLOWED_PARENTS[kind];
}

/** The default display name: the last segment of the qualified name. */
export function defaultName(qualifiedName: string): string {
  const rest = qualifiedName.slice(qualifiedName.indexOf('://') + 3);
  const segment = rest
    .split(/[/.]/)
    .filter((s) => s.length > 0)
    .pop();
  return (segment ?? rest).slice(0, LIMITS.name);
}

/** `snowflake://acme/analytics.marts.orders` → `snowflake://acme/analytics`: the part up to the first dot of the path. */
export function databaseOf(qualifiedName: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.exec(qualifiedName)?.[0] ?? '';
  const path = qualifiedName.slice(authority.length);
  const dot = path.indexOf('.');
  return authority + (dot < 0 ? path : path.slice(0, dot));
}

/** `snowflake://acme/…` → `snowflake`. */
export function platformOf(qualifiedName: string): string {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(qualifiedName)?.[1]?.toLowerCase() ?? '';
}

export function preview(value: string, max = 60): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function jsonDepth(value: unknown, depth: number): number {
  if (value === null || typeof value !== 'object') return depth;
  if (depth > LIMITS.attributesDepth) return depth;
  let max = depth + 1;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    max = Math.max(max, jsonDepth(child, depth + 1));
  }
  return max;
}

/** JSON with sorted keys, so that equal values compare equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * How deeply a JSON text nests its arrays and objects, read without parsing or recursion (so a
 * body of 200,000 brackets costs one pass, and no stack).
 */
export function textNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
