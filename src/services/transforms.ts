// Pre-ingest transforms: a declarative rule set per tenant, applied to every inbound event before
// it is written. Normalises qualified names and data types, sets owners by pattern, and
// classifies columns whose names or types match (email, phone, ssn, iban → PII); those
// classifications then propagate like any other.
import { z } from 'zod';
import { readDataFile } from '../data-files.js';
import type { IngestCommand, IngestItem } from '../domain/commands.js';

const regex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source, 'iu');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${error instanceof Error ? error.message : String(error)}` });
    return z.NEVER;
  }
});

const TenantRules = z.strictObject({
  qualifiedNames: z
    .strictObject({
      /** Lower-case the platform and host part (`Snowflake://ACME/…` → `snowflake://acme/…`). */
      lowercaseAuthority: z.boolean().optional(),
      /** Lower-case the whole name (for platforms whose identifiers are case-insensitive). */
      lowercase: z.boolean().optional(),
      trim: z.boolean().optional(),
    })
    .optional(),
  dataTypes: z
    .strictObject({
      uppercase: z.boolean().optional(),
      /** Drop length/precision: `VARCHAR(255)` → `VARCHAR`. */
      stripParameters: z.boolean().optional(),
      aliases: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  owners: z.array(z.strictObject({ match: regex, owners: z.array(z.string().min(1)).min(1) })).optional(),
  classify: z
    .array(
      z
        .strictObject({
          name: z.string().min(1),
          classification: z.string().min(1),
          /** Matched against the column's name. */
          columnName: regex.optional(),
          /** Matched against the column's normalised data type. */
          dataType: regex.optional(),
          propagate: z.boolean().nullable().default(null),
        })
        .refine((r) => r.columnName !== undefined || r.dataType !== undefined, { message: 'a classify rule needs columnName or dataType' }),
    )
    .optional(),
});

const RuleFile = z.strictObject({
  /** Rules for every tenant. A tenant's own entry overrides the settings it names and adds its owners and classify rules. */
  defaults: TenantRules.optional(),
  tenants: z.record(z.string(), TenantRules).default({}),
});

type Partial = z.output<typeof TenantRules>;

interface Rules {
  qualifiedNames: { lowercaseAuthority: boolean; lowercase: boolean; trim: boolean };
  dataTypes: { uppercase: boolean; stripParameters: boolean; aliases: Record<string, string> };
  owners: NonNullable<Partial['owners']>;
  classify: NonNullable<Partial['classify']>;
}

const BUILT_IN: Rules = {
  qualifiedNames: { lowercaseAuthority: true, lowercase: false, trim: true },
  dataTypes: { uppercase: true, stripParameters: false, aliases: {} },
  owners: [],
  classify: [],
};

/** The settings a rule file names (YAML leaves the others out). */
const named = <T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } =>
  Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };

function merge(base: Rules, own: Partial): Rules {
  return {
    qualifiedNames: { ...base.qualifiedNames, ...named(own.qualifiedNames) },
    dataTypes: { ...base.dataTypes, ...named(own.dataTypes), aliases: { ...base.dataTypes.aliases, ...own.dataTypes?.aliases } },
    owners: [...base.owners, ...(own.owners ?? [])],
    classify: [...base.classify, ...(own.classify ?? [])],
  };
}

export interface TransformRules {
  apply(item: IngestItem): IngestItem;
}

export const NO_TRANSFORMS: TransformRules = { apply: (item) => item };

export class TransformFileError extends Error {}

export function loadTransformRules(path: string): TransformRules {
  let raw: unknown;
  try {
    raw = readDataFile(path);
  } catch (error) {
    throw new TransformFileError(`TRANSFORMS_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return compileTransformRules(raw, path);
}

export function compileTransformRules(raw: unknown, origin = 'transform rules'): TransformRules {
  const parsed = RuleFile.safeParse(raw ?? {});
  if (!parsed.success)
    throw new TransformFileError(`${origin}:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const { defaults, tenants } = parsed.data;
  const base = merge(BUILT_IN, defaults ?? {});
  const merged = new Map(Object.entries(tenants).map(([tenant, own]) => [tenant, merge(base, own)]));
  return { apply: (item) => transform(item, merged.get(item.tenant) ?? base) };
}

function transform(item: IngestItem, rules: Rules): IngestItem {
  const name = (qn: string) => normaliseName(qn, rules);
  const commands: IngestCommand[] = [];
  for (const c of item.commands) {
    switch (c.op) {
      case 'upsertAsset': {
        const input = { ...c.input, qualifiedName: name(c.input.qualifiedName) };
        if (input.parentQualifiedName) input.parentQualifiedName = name(input.parentQualifiedName);
        const attributes = input.attributes as Record<string, unknown> | null | undefined;
        if (attributes && typeof attributes['dataType'] === 'string')
          input.attributes = { ...attributes, dataType: normaliseType(attributes['dataType'], rules) };
        const owners = rules.owners.filter((r) => r.match.test(input.qualifiedName)).flatMap((r) => r.owners);
        if (owners.length > 0) input.owners = [...new Set([...(input.owners ?? []), ...owners])];
        commands.push({ ...c, input });
        if (input.kind === 'COLUMN')
          commands.push(
            ...classifyColumn(
              input.qualifiedName,
              input.name ?? lastSegment(input.qualifiedName),
              (input.attributes as Record<string, unknown> | undefined)?.['dataType'],
              rules,
            ),
          );
        break;
      }
      case 'addLineage':
      case 'removeLineage':
        commands.push({
          ...c,
          edge: { ...c.edge, from: name(c.edge.from), to: name(c.edge.to), ...(c.edge.process ? { process: name(c.edge.process) } : {}) },
        });
        break;
      case 'deleteAsset':
        commands.push({ ...c, qualifiedName: name(c.qualifiedName) });
        break;
      case 'reportIncident':
        commands.push({ ...c, input: { ...c.input, assetQualifiedNames: c.input.assetQualifiedNames.map(name) } });
        break;
      case 'reportRun': {
        const r = c.report;
        commands.push({
          ...c,
          report: {
            ...r,
            job: name(r.job),
            inputs: r.inputs.map(name),
            outputs: r.outputs.map(name),
            edges: r.edges.map((e) => ({ ...e, from: name(e.from), to: name(e.to) })),
          },
        });
        break;
      }
      case 'classify':
      case 'declassify':
        commands.push({ ...c, qualifiedName: name(c.qualifiedName) });
        break;
    }
  }
  return { ...item, commands };
}

function classifyColumn(qualifiedName: string, columnName: string, dataType: unknown, rules: Rules): IngestCommand[] {
  return rules.classify
    .filter((r) => (r.columnName?.test(columnName) ?? false) || (typeof dataType === 'string' && (r.dataType?.test(dataType) ?? false)))
    .map((r) => ({ op: 'classify', qualifiedName, classification: r.classification, propagate: r.propagate, rule: r.name }));
}

export function normaliseName(qualifiedName: string, rules: Pick<Rules, 'qualifiedNames'>): string {
  const o = rules.qualifiedNames;
  let qn = o.trim ? qualifiedName.trim() : qualifiedName;
  if (o.lowercase) return qn.toLowerCase();
  if (o.lowercaseAuthority) {
    const match = /^([^:]+:\/\/)([^/]*)/.exec(qn);
    if (match) qn = match[1]!.toLowerCase() + match[2]!.toLowerCase() + qn.slice(match[0].length);
  }
  return qn;
}

export function normaliseType(dataType: string, rules: Pick<Rules, 'dataTypes'>): string {
  const o = rules.dataTypes;
  let t = dataType.trim().replace(/\s+/g, ' ');
  if (o.stripParameters) t = t.replace(/\s*\(.*\)\s*$/, '');
  if (o.uppercase) t = t.toUpperCase();
  const alias = Object.entries(o.aliases).find(([from]) => from.toUpperCase() === t.toUpperCase());
  return alias ? alias[1] : t;
}

const lastSegment = (qn: string): string => qn.split(/[/.]/).pop() ?? qn;
