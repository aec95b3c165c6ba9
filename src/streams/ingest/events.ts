// Inbound events: CloudEvents 1.0 with `tenant` as an extension attribute, one schema per event
// type and version. An event is validated whole before anything is written; a version stays
// accepted after a newer one exists (each version maps onto the same ingest commands).
import { CloudEvent, Kafka, type KafkaMessage, ValidationError } from 'cloudevents';
import { z } from 'zod';
import { RUN_EVENT_TYPES } from '../../domain/runs.js';
import { databaseOf } from '../../domain/validation.js';
import { binaryRecord, cloudEvent } from '../cloudevents.js';
import type { IngestCommand, IngestItem } from '../../services/ingest.js';

export const INGEST_EVENT_TYPES = [
  'metalake.asset.upserted.v1',
  'metalake.asset.upserted.v2',
  'metalake.asset.deleted.v1',
  'metalake.lineage.added.v1',
  'metalake.lineage.removed.v1',
  'metalake.incident.reported.v1',
  'metalake.run.reported.v1',
  'metalake.asset.classified.v1',
  'metalake.asset.declassified.v1',
] as const;
export type IngestEventType = (typeof INGEST_EVENT_TYPES)[number];

/** A problem with an event itself: it can never be applied, so it goes to the dead-letter topic. */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length > 0 ? `${message}: ${details.join('; ')}` : message);
  }
}

const text = z.string();
const json = z.record(z.string(), z.unknown());

const assetV1 = z.strictObject({
  qualifiedName: text,
  kind: text,
  name: text.nullish(),
  description: text.nullish(),
  owners: z.array(text).nullish(),
  attributes: json.nullish(),
  parentQualifiedName: text.nullish(),
});

// v2: owners carry their type, the parent is a reference, and a table may bring its columns inline.
const assetV2 = z.strictObject({
  qualifiedName: text,
  kind: text,
  name: text.nullish(),
  description: text.nullish(),
  owners: z.array(z.strictObject({ id: text, type: z.enum(['USER', 'GROUP']).default('USER') })).nullish(),
  attributes: json.nullish(),
  parent: z.strictObject({ qualifiedName: text }).nullish(),
  columns: z
    .array(z.strictObject({ name: text, dataType: text.nullish(), description: text.nullish(), ordinal: z.number().int().nullish() }))
    .max(5000)
    .nullish(),
  /** For sources that only know "a dataset": an existing asset keeps its kind (a TABLE stays a TABLE). */
  keepExistingKind: z.boolean().optional(),
});

const edge = z.strictObject({ from: text, to: text, process: text.nullish(), masking: z.boolean().nullish() });

const incident = z.strictObject({
  externalId: text,
  source: text,
  type: z.enum(['FRESHNESS', 'VOLUME', 'SCHEMA_CHANGE', 'FIELD_HEALTH', 'CUSTOM']),
  severity: z.enum(['SEV1', 'SEV2', 'SEV3', 'SEV4', 'UNKNOWN']).nullish(),
  status: z.enum(['OPEN', 'ACKNOWLEDGED', 'RESOLVED']).nullish(),
  title: text,
  url: text.nullish(),
  detectedAt: text.nullish(),
  assetQualifiedNames: z.array(text).min(1),
  /** Drop names of assets metalake does not know (observability tools watch more than is catalogued). */
  skipUnknownAssets: z.boolean().optional(),
});

/** One event of a run of a job: what it read and wrote becomes lineage once the run moved data (domain/runs.ts). */
const runReport = z.strictObject({
  run: text.min(1).max(512),
  job: text,
  eventType: z.enum(RUN_EVENT_TYPES),
  inputs: z.array(text).max(10_000).default([]),
  outputs: z.array(text).max(10_000).default([]),
  edges: z
    .array(z.strictObject({ from: text, to: text, masking: z.boolean().optional() }))
    .max(10_000)
    .default([]),
});

/** A classification a source's own metadata implies (a dbt tag, an OpenLineage tag), decided by a named rule of the tenant's. */
const classified = z.strictObject({
  qualifiedName: text,
  classification: text,
  rule: text.min(1).max(256),
  propagate: z.boolean().nullish(),
});

/** A classification a source's metadata no longer implies (its tag was removed); `rule` names who withdraws it. */
const declassified = z.strictObject({ qualifiedName: text, classification: text, rule: text.min(1).max(256) });

const omitNullish = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Each type and version: its data schema, and the commands it means. */
const DECODERS: Record<IngestEventType, (data: unknown) => IngestCommand[]> = {
  'metalake.asset.upserted.v1': (data) => [{ op: 'upsertAsset', input: omitNullish(assetV1.parse(data)) }],
  'metalake.asset.upserted.v2': (data) => {
    const d = assetV2.parse(data);
    const owners = d.owners?.map((o) => (o.type === 'GROUP' ? `group:${o.id}` : o.id));
    const commands: IngestCommand[] = [
      {
        op: 'upsertAsset',
        input: omitNullish({
          qualifiedName: d.qualifiedName,
          kind: d.kind,
          name: d.name,
          description: d.description,
          owners,
          attributes: d.attributes,
          parentQualifiedName: d.parent?.qualifiedName,
        }),
        ...(d.keepExistingKind ? { keepExistingKind: true } : {}),
      },
    ];
    for (const [i, c] of (d.columns ?? []).entries()) {
      commands.push({
        op: 'upsertAsset',
        input: omitNullish({
          qualifiedName: `${d.qualifiedName}.${c.name}`,
          kind: 'COLUMN',
          name: c.name,
          description: c.description,
          attributes: omitNullish({ dataType: c.dataType ?? undefined, ordinal: c.ordinal ?? i + 1 }),
          parentQualifiedName: d.qualifiedName,
        }),
      });
    }
    return commands;
  },
  'metalake.asset.deleted.v1': (data) => [
    { op: 'deleteAsset', qualifiedName: z.strictObject({ qualifiedName: text }).parse(data).qualifiedName },
  ],
  'metalake.lineage.added.v1': (data) => [{ op: 'addLineage', edge: omitNullish(edge.parse(data)) }],
  'metalake.lineage.removed.v1': (data) => [{ op: 'removeLineage', edge: omitNullish(edge.parse(data)) }],
  'metalake.incident.reported.v1': (data) => {
    const { skipUnknownAssets, ...input } = incident.parse(data);
    return [{ op: 'reportIncident', input: omitNullish(input), skipUnknownAssets: skipUnknownAssets ?? false }];
  },
  'metalake.run.reported.v1': (data) => [{ op: 'reportRun', report: runReport.parse(data) }],
  'metalake.asset.classified.v1': (data) => {
    const d = classified.parse(data);
    return [
      { op: 'classify', qualifiedName: d.qualifiedName, classification: d.classification, propagate: d.propagate ?? null, rule: d.rule },
    ];
  },
  'metalake.asset.declassified.v1': (data) => [{ op: 'declassify', ...declassified.parse(data) }],
};

const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** A validated CloudEvent as ingest commands. Throws InvalidEventError, never anything else. */
export function decodeCloudEvent(event: CloudEvent<unknown>): IngestItem {
  try {
    event.validate();
  } catch (error) {
    throw new InvalidEventError(
      'not a valid CloudEvent 1.0',
      error instanceof ValidationError ? (error.errors ?? []).map(String) : [String(error)],
    );
  }
  const tenant = event['tenant'];
  if (typeof tenant !== 'string' || !TENANT.test(tenant))
    throw new InvalidEventError('the `tenant` extension attribute is missing or malformed');
  const type = event.type as IngestEventType;
  const decode = DECODERS[type] as ((data: unknown) => IngestCommand[]) | undefined;
  if (!decode) throw new InvalidEventError(`unknown event type ${event.type}`, [`accepted: ${INGEST_EVENT_TYPES.join(', ')}`]);
  let data: unknown = event.data;
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    try {
      data = JSON.parse(data.toString());
    } catch {
      throw new InvalidEventError('data is not JSON');
    }
  }
  try {
    return { eventId: event.id, tenant, source: event.source, type, commands: decode(data) };
  } catch (error) {
    if (error instanceof z.ZodError)
      throw new InvalidEventError(
        `data does not match ${type}`,
        error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`),
      );
    throw error;
  }
}

export interface RawRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;
}

/** A Kafka record in binary or structured mode (kafkajs delivers headers as Buffers). */
export function decodeKafkaRecord(record: RawRecord): IngestItem {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.headers ?? {})) {
    if (v === undefined) continue;
    headers[k.toLowerCase()] = (Array.isArray(v) ? v[0] : v)?.toString() ?? '';
  }
  // Structured mode is read as JSON here: cloudevents' own Kafka parser fails on an envelope
  // without the optional `time` ("Invalid time value"), which librdkafka producers send.
  if (/^application\/cloudevents\+json\b/i.test(headers['content-type'] ?? '')) {
    let json: unknown;
    try {
      json = JSON.parse(record.value?.toString() ?? '');
    } catch (error) {
      throw new InvalidEventError('not a CloudEvent (structured mode): the value is not JSON', [
        error instanceof Error ? error.message : String(error),
      ]);
    }
    return decodeStructured(json);
  }
  let event: CloudEvent<unknown>;
  try {
    const message: KafkaMessage<string | null> = {
      headers,
      key: record.key?.toString() ?? '',
      value: record.value?.toString() ?? null,
      body: record.value?.toString() ?? null,
    };
    const decoded = Kafka.toEvent(message);
    if (Array.isArray(decoded)) throw new Error('batched CloudEvents are not accepted; send one event per record');
    event = decoded as CloudEvent<unknown>;
  } catch (error) {
    throw new InvalidEventError('not a CloudEvent (binary or structured mode)', [error instanceof Error ? error.message : String(error)]);
  }
  return decodeCloudEvent(event);
}

/** A structured-mode CloudEvent as JSON (one line of an import file, one HTTP body). */
export function decodeStructured(json: unknown): IngestItem {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidEventError('a CloudEvent must be a JSON object');
  let event: CloudEvent<unknown>;
  try {
    event = new CloudEvent(json, false);
  } catch (error) {
    throw new InvalidEventError('not a CloudEvent', [error instanceof Error ? error.message : String(error)]);
  }
  return decodeCloudEvent(event);
}

export interface OutgoingEvent {
  id: string;
  tenant: string;
  source: string;
  type: IngestEventType;
  data: unknown;
  time?: string;
}

/**
 * The Kafka record of an inbound event (binary mode), keyed by tenant and database: one
 * database's events keep their order, and a tenant's databases spread over the partitions, so
 * one busy tenant is applied by several consumers at once. An event that refers to another
 * database's asset not applied yet (a lineage edge across databases) waits for it (deferral).
 */
export function toKafkaRecord(e: OutgoingEvent, item?: IngestItem): { key: string; value: string; headers: Record<string, string> } {
  return binaryRecord({ ...e, time: e.time ?? new Date().toISOString(), key: partitionKey(e, item) });
}

/** `tenant|platform://authority/database` of the asset an event is about; the tenant alone when it names none. */
export function partitionKey(e: OutgoingEvent, item?: IngestItem): string {
  let decoded = item;
  if (!decoded) {
    try {
      decoded = validate(e);
    } catch {
      return e.tenant; // invalid: it goes to the dead-letter topic whatever its partition
    }
  }
  const first = decoded.commands[0];
  const anchor = !first
    ? null
    : first.op === 'upsertAsset'
      ? first.input.qualifiedName
      : first.op === 'addLineage' || first.op === 'removeLineage'
        ? first.edge.to
        : first.op === 'reportIncident'
          ? (first.input.assetQualifiedNames[0] ?? null)
          : // All events of a run of one job share a partition: they apply in the order sent.
            first.op === 'reportRun'
            ? first.report.job
            : first.qualifiedName;
  return anchor === null ? e.tenant : `${e.tenant}|${databaseOf(anchor)}`;
}

/** Validates by decoding exactly as a worker will; throws InvalidEventError. */
export function validate(e: OutgoingEvent): IngestItem {
  return decodeCloudEvent(cloudEvent({ ...e, time: e.time ?? new Date().toISOString() }));
}

/** The lane an event belongs on: columns (and column lineage) are bulk; everything else is core. */
export function laneOf(item: Pick<IngestItem, 'commands'>): 'priority' | 'bulk' {
  const first = item.commands[0];
  if (first?.op === 'upsertAsset' && first.input.kind === 'COLUMN') return 'bulk';
  return 'priority';
}
