// OpenLineage (spec 2-0-2) run, dataset and job events → metalake ingest events. Validated with
// the spec's own JSON Schemas (schema/openlineage/, draft 2020-12). A job becomes a PIPELINE, its
// datasets become DATASET assets (an existing asset keeps its kind, e.g. a TABLE an extractor
// created) with the `schema` facet's fields as columns, every input flows to every output through
// the job, and the `columnLineage` facet becomes column-level edges (on the bulk lane). A run's
// lineage is reported as the run's (`metalake.run.reported.v1`): it becomes edges once the run
// moved data, never for a run that only failed (domain/runs.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { PROJECT_ROOT } from '../../paths.js';
import { RUN_EVENT_TYPES, type RunEventType } from '../../domain/runs.js';
import { canonicalJson, illFormedAt } from '../../domain/validation.js';
import type { OutgoingEvent } from '../ingest/events.js';
import type { Lane } from '../ingest/worker.js';
import { DEFAULT_TAG_RULES, type Labels, type TagRules, compileTagRules } from '../tag-rules.js';

const SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
const FACETS = {
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  columnLineage: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet',
  tags: 'https://openlineage.io/spec/facets/2-0-3/TagsDatasetFacet.json#/$defs/TagsDatasetFacet',
} as const;
const JOB_FACETS = { tags: 'https://openlineage.io/spec/facets/2-0-3/TagsJobFacet.json#/$defs/TagsJobFacet' } as const;

type Kind = 'RunEvent' | 'DatasetEvent' | 'JobEvent';

interface OlDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}
interface SchemaField {
  name: string;
  type?: string;
  description?: string;
  ordinal_position?: number;
  fields?: SchemaField[];
}
interface ColumnLineageFacet {
  fields?: Record<
    string,
    {
      inputFields?: { namespace: string; name: string; field: string; transformations?: { masking?: boolean }[] }[];
      /** Deprecated (1-0-x): MASKED for the whole field. */
      transformationType?: string;
    }
  >;
}

/**
 * Whether an input field reaches its output only masked: every transformation it lists says
 * `masking: true` (one unmasked DIRECT or INDIRECT use and the edge carries the data), or, with
 * none listed, the field's deprecated `transformationType` is MASKED.
 */
const masks = (input: { transformations?: { masking?: boolean }[] }, transformationType: string | undefined): boolean =>
  input.transformations && input.transformations.length > 0
    ? input.transformations.every((t) => t.masking === true)
    : transformationType === 'MASKED';
export interface OlEvent {
  eventTime: string;
  producer: string;
  schemaURL?: string;
  eventType?: string;
  run?: { runId: string };
  job?: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs?: OlDataset[];
  outputs?: OlDataset[];
  dataset?: OlDataset;
}

export class OpenLineageError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid OpenLineage event: ${problems.join('; ')}`);
  }
}

/** An event that would expand to more ingest events than one request may mean. */
export class TooManyEventsError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} ingest events`);
  }
}

export interface OpenLineageValidator {
  /** Throws OpenLineageError with every problem found. */
  validate(body: unknown): OlEvent;
}

export function createOpenLineageValidator(): OpenLineageValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  for (const file of [
    'OpenLineage.json',
    'SchemaDatasetFacet.json',
    'ColumnLineageDatasetFacet.json',
    'TagsDatasetFacet.json',
    'TagsJobFacet.json',
  ]) {
    ajv.addSchema(JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'openlineage', file), 'utf8')) as object);
  }
  const validators = Object.fromEntries(
    (['RunEvent', 'DatasetEvent', 'JobEvent'] as const).map((k) => [k, ajv.compile({ $ref: `${SPEC}#/$defs/${k}` })]),
  ) as Record<Kind, ValidateFunction>;
  const facets = Object.fromEntries(Object.entries(FACETS).map(([name, ref]) => [name, ajv.compile({ $ref: ref })])) as Record<
    keyof typeof FACETS,
    ValidateFunction
  >;
  const jobFacets = Object.fromEntries(Object.entries(JOB_FACETS).map(([name, ref]) => [name, ajv.compile({ $ref: ref })])) as Record<
    keyof typeof JOB_FACETS,
    ValidateFunction
  >;
  const explain = (errors: ErrorObject[] | null | undefined, prefix = '') =>
    (errors ?? []).map(
      (e) =>
        `${prefix}${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params['allowedValues'] as unknown[]).join(', ')})` : ''}`,
    );
  return {
    validate(body) {
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new OpenLineageError(['the body must be one OpenLineage event (a JSON object)']);
      const event = body as OlEvent;
      const illFormed = illFormedAt(body);
      if (illFormed !== null) throw new OpenLineageError([`${illFormed} must be well-formed Unicode (it contains a lone surrogate)`]);
      // Marquez tolerates a missing schemaURL; then the event's shape says what it is.
      const kind: Kind = event.schemaURL?.endsWith('DatasetEvent')
        ? 'DatasetEvent'
        : event.schemaURL?.endsWith('JobEvent')
          ? 'JobEvent'
          : event.schemaURL === undefined && event.dataset && !event.run
            ? 'DatasetEvent'
            : 'RunEvent';
      const validator = validators[kind];
      if (!validator(body)) throw new OpenLineageError(explain(validator.errors));
      // The facets metalake reads are checked against their own schemas too.
      const problems: string[] = [];
      const datasets = [...(event.inputs ?? []), ...(event.outputs ?? []), ...(event.dataset ? [event.dataset] : [])];
      datasets.forEach((d) => {
        for (const name of Object.keys(FACETS) as (keyof typeof FACETS)[]) {
          const facet = d.facets?.[name];
          if (facet !== undefined && !facets[name](facet))
            problems.push(...explain(facets[name].errors, `${d.namespace}/${d.name} facets.${name}`));
        }
      });
      for (const name of Object.keys(JOB_FACETS) as (keyof typeof JOB_FACETS)[]) {
        const facet = event.job?.facets?.[name];
        if (facet !== undefined && !jobFacets[name](facet)) problems.push(...explain(jobFacets[name].errors, `job facets.${name}`));
      }
      if (problems.length > 0) throw new OpenLineageError(problems);
      return event;
    },
  };
}

const SCHEME = /^[a-z][a-z0-9+.-]*$/i;

interface OlTag {
  key: string;
  value: string;
  source?: string;
  field?: string;
}

const BUILT_IN_TAG_RULES = compileTagRules(DEFAULT_TAG_RULES);

/** OpenLineage tags as labels: each tag's key (unless its value says no) and each key's value. */
function labelsOf(tags: readonly OlTag[]): Labels {
  return {
    tags: tags.filter((t) => !/^(false|no|0|)$/i.test(t.value.trim())).map((t) => t.key),
    meta: Object.fromEntries(tags.map((t) => [t.key, t.value])),
  };
}

/** namespace + name → qualified name: `postgres://db:5432` + `shop.public.orders` → `postgres://db:5432/shop.public.orders`; `bigquery` + `p.d.t` → `bigquery://p.d.t`. */
export function olQualifiedName(namespace: string, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(namespace)) return `${namespace.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`;
  if (SCHEME.test(namespace)) return `${namespace}://${name.replace(/^\/+/, '')}`;
  return `openlineage://${encodeURIComponent(namespace)}/${name.replace(/^\/+/, '')}`;
}

/** Schema fields, nested ones flattened with dots (`address.city`). */
function columns(facet: unknown): { name: string; dataType: string | null; description: string | null; ordinal: number }[] {
  const out: { name: string; dataType: string | null; description: string | null; ordinal: number }[] = [];
  const walk = (fields: SchemaField[], prefix: string) => {
    for (const f of fields) {
      out.push({
        name: `${prefix}${f.name}`,
        dataType: f.type ?? null,
        description: f.description ?? null,
        ordinal: f.ordinal_position ?? out.length + 1,
      });
      if (f.fields?.length) walk(f.fields, `${prefix}${f.name}.`);
    }
  };
  walk((facet as { fields?: SchemaField[] } | undefined)?.fields ?? [], '');
  return out;
}

/**
 * The ingest events one OpenLineage event means, in the order they must apply. Ids derive from
 * the tenant and the event's content, so a client retrying the same event changes nothing.
 */
export function openLineageEvents(
  event: OlEvent,
  tenant: string,
  maxEvents = Number.POSITIVE_INFINITY,
  tagRules: TagRules = BUILT_IN_TAG_RULES,
): (OutgoingEvent & { lane?: Lane })[] {
  const digest = createHash('sha256').update(tenant).update('\u0000').update(canonicalJson(event)).digest('hex').slice(0, 32);
  const source = `openlineage:${event.producer}`.slice(0, 256);
  const out: (OutgoingEvent & { lane?: Lane })[] = [];
  // Stops expanding at the limit: a run of 1,000 inputs and 1,000 outputs is refused before its million edges exist.
  const push = (type: OutgoingEvent['type'], data: unknown, lane?: Lane) => {
    if (out.length >= maxEvents) throw new TooManyEventsError(maxEvents);
    out.push({ id: `ol-${digest}-${out.length}`, tenant, source, type, data, time: event.eventTime, ...(lane ? { lane } : {}) });
  };

  const emitted = new Set<string>();
  // The TagsDatasetFacet's tags, by the tag rules: on the dataset, or on one of its fields.
  const classifyTags = (qualifiedName: string, tags: readonly OlTag[], known: Set<string>) => {
    const byField = new Map<string, OlTag[]>();
    for (const t of tags) byField.set(t.field ?? '', [...(byField.get(t.field ?? '') ?? []), t]);
    for (const [field, fieldTags] of byField) {
      const decided = tagRules.classify(labelsOf(fieldTags));
      if (decided.length === 0) continue;
      const target = field ? `${qualifiedName}.${field}` : qualifiedName;
      if (field && !known.has(field))
        push(
          'metalake.asset.upserted.v1',
          { qualifiedName: target, kind: 'COLUMN', name: field, parentQualifiedName: qualifiedName },
          'bulk',
        );
      for (const c of decided)
        push(
          'metalake.asset.classified.v1',
          { qualifiedName: target, classification: c.classification, rule: c.rule },
          field ? 'bulk' : undefined,
        );
    }
  };
  const datasetEvent = (d: OlDataset) => {
    const qualifiedName = olQualifiedName(d.namespace, d.name);
    emitted.add(qualifiedName);
    const cols = columns(d.facets?.['schema']);
    push('metalake.asset.upserted.v2', {
      qualifiedName,
      kind: 'DATASET',
      keepExistingKind: true,
      name: d.name.split(/[./]/).pop() ?? d.name,
      ...(cols.length > 0
        ? { columns: cols.map((c) => ({ name: c.name, dataType: c.dataType, description: c.description, ordinal: c.ordinal })) }
        : {}),
    });
    const tags = (d.facets?.['tags'] as { tags?: OlTag[] } | undefined)?.tags ?? [];
    if (tags.length > 0) classifyTags(qualifiedName, tags, new Set(cols.map((c) => c.name)));
  };
  const inputs = event.inputs ?? [];
  const outputs = event.outputs ?? [];
  if (event.dataset) datasetEvent(event.dataset);
  if (!event.job) return out;

  // Job namespaces name schedulers, not platforms: `airflow-prod` + `dag.task` → openlineage://airflow-prod/dag.task.
  const job = event.job.namespace.includes('://')
    ? olQualifiedName(event.job.namespace, event.job.name)
    : `openlineage://${encodeURIComponent(event.job.namespace)}/${event.job.name}`;
  push('metalake.asset.upserted.v1', {
    qualifiedName: job,
    kind: 'PIPELINE',
    name: event.job.name,
    attributes: { openlineage: { namespace: event.job.namespace, name: event.job.name } },
  });
  for (const c of tagRules.classify(labelsOf((event.job.facets?.['tags'] as { tags?: OlTag[] } | undefined)?.tags ?? [])))
    push('metalake.asset.classified.v1', { qualifiedName: job, classification: c.classification, rule: c.rule });
  for (const d of [...inputs, ...outputs]) datasetEvent(d);

  // Column lineage: both ends must exist as columns (an input without a schema facet has none yet).
  const columnEdges = new Map<string, { from: string; to: string; masking?: true }>();
  for (const o of outputs) {
    const target = olQualifiedName(o.namespace, o.name);
    const fields = (o.facets?.['columnLineage'] as ColumnLineageFacet | undefined)?.fields ?? {};
    const known = new Set(columns(o.facets?.['schema']).map((c) => c.name));
    const ensured = new Set<string>();
    const ensureColumn = (dataset: string, column: string, present: boolean) => {
      const qn = `${dataset}.${column}`;
      if (present || ensured.has(qn)) return qn;
      ensured.add(qn);
      push('metalake.asset.upserted.v1', { qualifiedName: qn, kind: 'COLUMN', name: column, parentQualifiedName: dataset }, 'bulk');
      return qn;
    };
    for (const [outColumn, spec] of Object.entries(fields)) {
      const to = ensureColumn(target, outColumn, known.has(outColumn));
      for (const f of spec.inputFields ?? []) {
        const input = inputs.find((i) => i.namespace === f.namespace && i.name === f.name);
        if (!emitted.has(olQualifiedName(f.namespace, f.name))) datasetEvent({ namespace: f.namespace, name: f.name });
        const inputColumns = new Set(columns(input?.facets?.['schema']).map((c) => c.name));
        const from = ensureColumn(olQualifiedName(f.namespace, f.name), f.field, inputColumns.has(f.field));
        if (from === to) continue;
        // The same pair named twice masks only if both say so.
        const key = `${from}\u0000${to}`;
        const masking = masks(f, spec.transformationType) && (!columnEdges.has(key) || columnEdges.get(key)?.masking === true);
        columnEdges.set(key, { from, to, ...(masking ? { masking: true as const } : {}) });
      }
    }
  }
  const inputNames = [...new Set(inputs.map((i) => olQualifiedName(i.namespace, i.name)))];
  const outputNames = [...new Set(outputs.map((o) => olQualifiedName(o.namespace, o.name)))];
  // Each edge counts against the limit: a run of 1,000 inputs and 1,000 outputs is refused before its million edges exist.
  if (out.length + inputNames.length * outputNames.length + columnEdges.size > maxEvents) throw new TooManyEventsError(maxEvents);

  if (!event.run) {
    // A JobEvent declares the job's lineage as designed, outside any run: it is lineage now.
    for (const from of inputNames)
      for (const to of outputNames) if (from !== to) push('metalake.lineage.added.v1', { from, to, process: job });
    for (const e of columnEdges.values()) push('metalake.lineage.added.v1', { ...e, process: job }, 'bulk');
    return out;
  }
  // A run's lineage becomes edges when the run is known to have moved data (domain/runs.ts):
  // one record for its datasets, one for its columns (on the bulk lane, after the columns).
  const eventType = (RUN_EVENT_TYPES as readonly string[]).includes(event.eventType ?? '') ? (event.eventType as RunEventType) : 'OTHER';
  const run = `openlineage:${event.run.runId}`;
  push('metalake.run.reported.v1', { run, job, eventType, inputs: inputNames, outputs: outputNames });
  // Column edges of a START wait in their record; the events that decide (RUNNING, COMPLETE, FAIL, ABORT) reach it always.
  if (columnEdges.size > 0 || eventType === 'RUNNING' || eventType === 'COMPLETE' || eventType === 'FAIL' || eventType === 'ABORT') {
    push('metalake.run.reported.v1', { run: `${run}:columns`, job, eventType, edges: [...columnEdges.values()] }, 'bulk');
  }
  return out;
}
