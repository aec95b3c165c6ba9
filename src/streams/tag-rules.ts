// Tag rules: how a source's own labels (dbt `tags` and `meta`, OpenLineage's TagsDatasetFacet and
// TagsJobFacet) become classifications, which then propagate like any other. A rule names the
// classification and matches a tag (glob, case-insensitive) or a meta key with a value.
import picomatch from 'picomatch';
import { z } from 'zod';
import { readDataFile } from '../data-files.js';

const Rule = z
  .strictObject({
    name: z.string().min(1).max(128),
    classification: z.string().min(1).max(128),
    /** A tag glob: `pii`, `gdpr-*`. */
    tag: z.string().min(1).optional(),
    /** A meta key (dotted for nesting) and the value it must have (any value when omitted). */
    meta: z.strictObject({ key: z.string().min(1), value: z.unknown().optional() }).optional(),
  })
  .refine((r) => r.tag !== undefined || r.meta !== undefined, { message: 'a tag rule needs `tag` or `meta`' });

const RuleFile = z.strictObject({ classifications: z.array(Rule).max(1000) });

export type TagRuleSpec = z.input<typeof Rule>;

/** What a labelled thing carries: tags, and meta (key → value; OpenLineage tags with a value count as meta too). */
export interface Labels {
  tags: readonly string[];
  meta: Record<string, unknown>;
}

export interface TagRules {
  /** The classifications labels imply, each with the rule that decided it. */
  classify(labels: Labels): { classification: string; rule: string }[];
}

/** Built in: `meta.contains_pii: true` or the tag `pii` → PII. */
export const DEFAULT_TAG_RULES: TagRuleSpec[] = [
  { name: 'dbt-meta-contains-pii', classification: 'PII', meta: { key: 'contains_pii', value: true } },
  { name: 'tag-pii', classification: 'PII', tag: 'pii' },
];

export class TagRuleError extends Error {}

export function compileTagRules(specs: readonly unknown[], origin = 'tag rules'): TagRules {
  const parsed = z.array(Rule).safeParse(specs);
  if (!parsed.success)
    throw new TagRuleError(`${origin}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const rules = parsed.data.map((r) => ({
    ...r,
    matchTag: r.tag ? picomatch(r.tag, { nocase: true, dot: true }) : null,
  }));
  return {
    classify(labels) {
      const out = new Map<string, { classification: string; rule: string }>();
      for (const r of rules) {
        const byTag = r.matchTag !== null && labels.tags.some((t) => r.matchTag!(t));
        const byMeta = r.meta !== undefined && metaMatches(labels.meta, r.meta.key, r.meta.value);
        if ((byTag || byMeta) && !out.has(r.classification)) out.set(r.classification, { classification: r.classification, rule: r.name });
      }
      return [...out.values()];
    },
  };
}

export function loadTagRules(path: string): TagRules {
  let raw: unknown;
  try {
    raw = readDataFile(path);
  } catch (error) {
    throw new TagRuleError(`tag rules ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = RuleFile.safeParse(raw);
  if (!parsed.success)
    throw new TagRuleError(`tag rules ${path}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return compileTagRules(parsed.data.classifications, path);
}

/** The rules of TAG_RULES_FILE, or undefined (callers fall back on the built-in rules) when none is configured. */
export const tagRulesAt = (path: string | null): TagRules | undefined => (path ? loadTagRules(path) : undefined);

function metaMatches(meta: Record<string, unknown>, key: string, value: unknown): boolean {
  let current: unknown = meta;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || !(part in current)) return false;
    current = (current as Record<string, unknown>)[part];
  }
  if (value === undefined) return current !== undefined && current !== null && current !== false;
  // YAML and OpenLineage carry values as text too: `"true"` matches `true`.
  if (current === value) return true;
  const scalar = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v).toLowerCase() : null;
  return scalar(current) !== null && scalar(current) === scalar(value);
}
