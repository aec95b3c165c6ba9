// Monte Carlo webhook notifications → incident events.
//
// The signature: Monte Carlo's documented verification does not hash the raw body. It parses the
// JSON and hashes Python's `urllib.parse.urlencode(body)` of the top-level object, where nested
// values are rendered with Python's `str()` (repr: single quotes, True/None, ', ' and ': ', floats
// as written, Python's escapes) and then quote_plus-encoded, keys in received order (python.ts).
// Both that and a raw-body HMAC are accepted.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { IncidentSeverity, IncidentStatus, IncidentType } from '../../domain/model.js';
import type { OutgoingEvent } from '../ingest/events.js';
import { PythonJsonError, pythonUrlencode } from './python.js';

/** Checks `x-mcd-signature` against both forms Monte Carlo senders use. */
export function verifyMonteCarloSignature(rawBody: Buffer, signature: string, secret: string): boolean {
  const given = Buffer.from(signature.trim().toLowerCase(), 'utf8');
  let pythonForm: string | null = null;
  try {
    pythonForm = pythonUrlencode(rawBody.toString('utf8'));
  } catch (error) {
    if (!(error instanceof PythonJsonError)) throw error;
  }
  const candidates = [...(pythonForm === null ? [] : [pythonForm]), rawBody].map((payload) =>
    Buffer.from(createHmac('sha512', secret).update(payload).digest('hex'), 'utf8'),
  );
  return candidates.some((c) => c.length === given.length && timingSafeEqual(c, given));
}

const McEvent = z.looseObject({
  table_name: z.string().nullish(),
  event_details: z.string().nullish(),
  type: z.string().nullish(),
  anomaly_type: z.string().nullish(),
});

const McBody = z.looseObject({
  account: z.looseObject({ id: z.string() }).nullish(),
  action: z.literal('incident'),
  type: z.string().min(1),
  version: z.string().nullish(),
  alert_feedback: z.string().nullish(),
  declared_alert_severity: z.string().nullish(),
  owner: z.string().nullish(),
  payload: z.looseObject({
    incident_id: z.string().min(1),
    group_id: z.string().nullish(),
    url: z.string().nullish(),
    event_list: z.array(McEvent).default([]),
    alert_feedback: z.string().nullish(),
    declared_alert_severity: z.string().nullish(),
    owner: z.string().nullish(),
  }),
});

export class MonteCarloPayloadError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Monte Carlo notification: ${problems.join('; ')}`);
  }
}

const ANOMALY_TYPES: Record<string, IncidentType> = {
  fresh_anom: 'FRESHNESS',
  freshness: 'FRESHNESS',
  size_anom: 'VOLUME',
  unchanged_size_anom: 'VOLUME',
  volume: 'VOLUME',
  schema_change: 'SCHEMA_CHANGE',
  dist_anom: 'FIELD_HEALTH',
  field_health: 'FIELD_HEALTH',
  custom_rule_anom: 'CUSTOM',
};

const FEEDBACK: Record<string, IncidentStatus> = {
  no_status: 'OPEN',
  investigating: 'ACKNOWLEDGED',
  work_in_progress: 'ACKNOWLEDGED',
  fixed: 'RESOLVED',
  expected: 'RESOLVED',
  no_action_needed: 'RESOLVED',
  false_positive: 'RESOLVED',
};

function incidentType(body: z.output<typeof McBody>): IncidentType {
  for (const e of body.payload.event_list) {
    const code = (e.type ?? e.anomaly_type)?.toLowerCase();
    if (code && ANOMALY_TYPES[code]) return ANOMALY_TYPES[code];
  }
  if (body.type.includes('custom_rule')) return 'CUSTOM';
  for (const [code, type] of Object.entries(ANOMALY_TYPES)) if (body.type.includes(code)) return type;
  return 'CUSTOM';
}

/** `database:schema.table` (or a bare table name with `group_id` = `database:schema`) → a qualified name under `namespace`. */
export function monteCarloTable(tableName: string, groupId: string | null | undefined, namespace: string): string | null {
  const full = tableName.includes(':') ? tableName : groupId ? `${groupId}.${tableName}` : null;
  if (!full) return null;
  const colon = full.indexOf(':');
  const database = full.slice(0, colon);
  const rest = full.slice(colon + 1);
  if (database.length === 0 || rest.length === 0) return null;
  return `${namespace}${database}.${rest}`;
}

/** The incident event for one notification. Throws MonteCarloPayloadError. */
export function monteCarloEvent(body: unknown, rawBody: Buffer, tenant: string, namespace: string): OutgoingEvent {
  const parsed = McBody.safeParse(body);
  if (!parsed.success) throw new MonteCarloPayloadError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
  const b = parsed.data;
  const p = b.payload;
  const tables = [
    ...new Set(
      p.event_list
        .flatMap((e) => (e.table_name ? [monteCarloTable(e.table_name, p.group_id, namespace)] : []))
        .filter((t): t is string => t !== null),
    ),
  ];
  if (tables.length === 0)
    throw new MonteCarloPayloadError([
      'payload.event_list: no table_name that maps to an asset (expected database:schema.table, or a table with group_id database:schema)',
    ]);
  const severityCode = (b.declared_alert_severity ?? p.declared_alert_severity)?.replace('-', '').toUpperCase();
  const severity: IncidentSeverity | undefined =
    severityCode && ['SEV1', 'SEV2', 'SEV3', 'SEV4'].includes(severityCode) ? (severityCode as IncidentSeverity) : undefined;
  const feedback = b.alert_feedback ?? p.alert_feedback;
  const status = feedback ? FEEDBACK[feedback] : undefined;
  const details = p.event_list.find((e) => e.event_details)?.event_details;
  const title = (details ? `${details}` : `Monte Carlo ${b.type.replace(/_/g, ' ')}`).slice(0, 1000);
  const digest = createHash('sha256').update(tenant).update('\u0000').update(rawBody).digest('hex').slice(0, 24);
  return {
    id: `mc-${p.incident_id}-${digest}`,
    tenant,
    source: 'monte-carlo',
    type: 'metalake.incident.reported.v1',
    data: {
      externalId: p.incident_id,
      source: 'monte-carlo',
      type: incidentType(b),
      title,
      ...(severity ? { severity } : {}),
      ...(status ? { status } : {}),
      ...(p.url ? { url: p.url } : {}),
      assetQualifiedNames: tables.slice(0, 100),
      skipUnknownAssets: true,
    },
  };
}
