// Incident commands: data-observability incidents attached to assets; re-delivery of
// (source, externalId) updates the incident.
import { randomUUID } from 'node:crypto';
import { Problems, notFound } from '../../domain/errors.js';
import type { IncidentInput } from '../../domain/commands.js';
import type { IncidentChangedEvent } from '../../domain/events.js';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES, INCIDENT_TYPES, type IncidentRecord, type IncidentStatus } from '../../domain/model.js';
import { LIMITS, checkQualifiedName, checkText, checkUrl } from '../../domain/validation.js';
import type { Command, CommandContext } from './command.js';

const same = (a: IncidentRecord, b: IncidentRecord): boolean =>
  a.type === b.type &&
  a.severity === b.severity &&
  a.status === b.status &&
  a.title === b.title &&
  a.url === b.url &&
  a.detectedAt === b.detectedAt &&
  a.assetIds.join() === b.assetIds.join();

export const reportIncident: Command<IncidentInput, IncidentRecord> = {
  name: 'reportIncident',
  permission: 'incident:write',
  validate: (input) => validateIncident(input),
  async apply(context, input) {
    const { tx, at } = context;
    const problems = new Problems();
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
    return save(context, next, existing ? 'UPDATED' : 'CREATED');
  },
};

export const updateIncidentStatus: Command<{ id: string; status: IncidentStatus }, IncidentRecord> = {
  name: 'updateIncidentStatus',
  permission: 'incident:write',
  validate({ status }) {
    const problems = new Problems();
    if (!INCIDENT_STATUSES.includes(status)) problems.add('status', `unknown status ${String(status)}`);
    problems.throwIfAny('Invalid incident status');
  },
  async apply(context, { id, status }) {
    const [existing] = await context.tx.incidentsByIds([id]);
    if (!existing) throw notFound(`Incident ${id} not found`);
    if (existing.status === status) return existing;
    return save(context, { ...existing, status, updatedAt: context.at }, 'UPDATED');
  },
};

function validateIncident(input: IncidentInput): void {
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
}

async function save({ tx, actor }: CommandContext, record: IncidentRecord, change: 'CREATED' | 'UPDATED'): Promise<IncidentRecord> {
  await tx.putIncident(record);
  const event: IncidentChangedEvent = {
    type: 'incident.changed',
    eventId: randomUUID(),
    tenant: actor.tenant,
    at: record.updatedAt,
    actor: actor.subject,
    change,
    incident: record,
  };
  await tx.appendEvents([event]);
  return record;
}
