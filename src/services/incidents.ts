// Data-observability incidents attached to assets; re-delivery of (source, externalId) updates.
import { randomUUID } from 'node:crypto';
import { type Viewer, requirePermission } from '../domain/auth.js';
import { Problems, notFound } from '../domain/errors.js';
import type { IncidentChangedEvent } from '../domain/events.js';
import {
  INCIDENT_SEVERITIES, INCIDENT_STATUSES, INCIDENT_TYPES, type IncidentRecord, type IncidentSeverity, type IncidentStatus, type IncidentType,
} from '../domain/model.js';
import { LIMITS, checkQualifiedName, checkText, checkUrl } from '../domain/validation.js';
import type { GraphTx, IncidentQuery } from '../store/ports.js';
import { type ServiceDeps, now } from './deps.js';
import { type Connection, paginate, toConnection } from './paging.js';
import type { IncidentInput } from '../domain/commands.js';

export type { IncidentInput } from '../domain/commands.js';

export interface IncidentFilterInput {
  statuses?: readonly IncidentStatus[] | null | undefined;
  severities?: readonly IncidentSeverity[] | null | undefined;
  types?: readonly IncidentType[] | null | undefined;
  assetQualifiedName?: string | null | undefined;
}

const same = (a: IncidentRecord, b: IncidentRecord): boolean =>
  a.type === b.type && a.severity === b.severity && a.status === b.status && a.title === b.title && a.url === b.url &&
  a.detectedAt === b.detectedAt && a.assetIds.join() === b.assetIds.join();

export class IncidentService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(viewer: Viewer | null, filter: IncidentFilterInput | null | undefined, first?: number | null, after?: string | null): Promise<Connection<IncidentRecord>> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query: IncidentQuery = {};
    if (filter?.statuses) query.statuses = filter.statuses;
    if (filter?.severities) query.severities = filter.severities;
    if (filter?.types) query.types = filter.types;
    if (filter?.assetQualifiedName) {
      const [asset] = await graph.assetsByQualifiedNames([filter.assetQualifiedName]);
      if (!asset) return toConnection({ items: [], hasNextPage: false }, 0, false);
      query.assetId = asset.id;
    }
    return paginate(first, after, (page) => graph.listIncidents(query, page), () => graph.countIncidents(query));
  }

  async report(viewer: Viewer | null, input: IncidentInput): Promise<IncidentRecord> {
    const v = requirePermission(viewer, 'incident:write');
    validateIncident(input);
    return this.deps.store.tenant(v.tenant).transaction((tx) => this.reportIn(tx, v, input));
  }

  /** Reports (or updates) an incident inside a caller's transaction. The caller checked permissions. */
  async reportIn(tx: GraphTx, v: Viewer, input: IncidentInput): Promise<IncidentRecord> {
    const problems = validateIncident(input);
    const at = now();
    const assets = await tx.assetsByQualifiedNames([...new Set(input.assetQualifiedNames)]);
    const found = new Set(assets.map((a) => a.qualifiedName));
    input.assetQualifiedNames.forEach((qn, i) => {
      if (!found.has(qn)) problems.add(`input.assetQualifiedNames[${i}]`, `asset ${qn} does not exist`);
    });
    problems.throwIfAny('Invalid incident');
    const existing = await tx.incidentByExternalId(input.source, input.externalId);
    const next: IncidentRecord = {
      id: existing?.id ?? randomUUID(),
      externalId: input.externalId,
      source: input.source,
      type: input.type,
      severity: input.severity ?? existing?.severity ?? 'UNKNOWN',
      status: input.status ?? existing?.status ?? 'OPEN',
      title: input.title,
      url: input.url ?? null,
      detectedAt: input.detectedAt ? new Date(input.detectedAt).toISOString() : (existing?.detectedAt ?? at),
      updatedAt: at,
      assetIds: assets.map((a) => a.id).sort(),
    };
    if (existing && same(existing, next)) return existing;
    return save(tx, v, next, existing ? 'UPDATED' : 'CREATED');
  }

  async updateStatus(viewer: Viewer | null, id: string, status: IncidentStatus): Promise<IncidentRecord> {
    const v = requirePermission(viewer, 'incident:write');
    return this.deps.store.tenant(v.tenant).transaction(async (tx) => {
      const [existing] = await tx.incidentsByIds([id]);
      if (!existing) throw notFound(`Incident ${id} not found`);
      if (existing.status === status) return existing;
      return save(tx, v, { ...existing, status, updatedAt: now() }, 'UPDATED');
    });
  }
}

function validateIncident(input: IncidentInput): Problems {
  const problems = new Problems();
  checkText(problems, 'input.externalId', input.externalId, LIMITS.incidentExternalId);
  checkText(problems, 'input.source', input.source, LIMITS.incidentSource);
  checkText(problems, 'input.title', input.title, LIMITS.incidentTitle);
  if (!INCIDENT_TYPES.includes(input.type)) problems.add('input.type', `unknown type ${input.type}`);
  if (input.severity && !INCIDENT_SEVERITIES.includes(input.severity)) problems.add('input.severity', `unknown severity ${input.severity}`);
  if (input.status && !INCIDENT_STATUSES.includes(input.status)) problems.add('input.status', `unknown status ${input.status}`);
  if (input.url) checkUrl(problems, 'input.url', input.url);
  if (input.detectedAt && Number.isNaN(Date.parse(input.detectedAt))) problems.add('input.detectedAt', 'must be an ISO-8601 date-time');
  if (input.assetQualifiedNames.length === 0 || input.assetQualifiedNames.length > LIMITS.incidentAssets) {
    problems.add('input.assetQualifiedNames', `must name 1 to ${LIMITS.incidentAssets} assets`);
  }
  input.assetQualifiedNames.forEach((qn, i) => checkQualifiedName(problems, `input.assetQualifiedNames[${i}]`, qn));
  problems.throwIfAny('Invalid incident');
  return problems;
}

async function save(tx: GraphTx, v: Viewer, record: IncidentRecord, change: 'CREATED' | 'UPDATED'): Promise<IncidentRecord> {
  await tx.putIncident(record);
  const event: IncidentChangedEvent = { type: 'incident.changed', eventId: randomUUID(), tenant: v.tenant, at: record.updatedAt, actor: v.subject, change, incident: record };
  await tx.appendEvents([event]);
  return record;
}
