// Domain models shared by services, stores and (through codegen mappers) the GraphQL layer.

export const ASSET_KINDS = ['DATABASE', 'SCHEMA', 'TABLE', 'VIEW', 'COLUMN', 'DASHBOARD', 'CHART', 'PIPELINE', 'TOPIC', 'DATASET'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export type JsonObject = { [key: string]: unknown };

export interface AssetRecord {
  id: string;
  qualifiedName: string;
  kind: AssetKind;
  name: string;
  description: string | null;
  owners: string[];
  attributes: JsonObject;
  parentId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type HistoryChange =
  'CREATED' | 'UPDATED' | 'DELETED' | 'CLASSIFIED' | 'DECLASSIFIED' | 'PROPAGATION_BLOCKED' | 'PROPAGATION_UNBLOCKED';

export interface HistoryRecord {
  id: string;
  assetId: string;
  qualifiedName: string;
  change: HistoryChange;
  actor: string;
  at: string;
  version: number;
  before: unknown;
  after: unknown;
}

/** A lineage edge: data flows from `fromId` to `toId`, optionally through the process asset `processId`. */
export interface EdgeRecord {
  fromId: string;
  toId: string;
  processId: string | null;
  /**
   * The flow masks the data (OpenLineage column lineage `transformations[].masking`: a hash, a
   * redaction): maskable classifications do not propagate across it.
   */
  masking: boolean;
}

export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';

export interface LineageGraphView {
  root: AssetRecord;
  nodes: AssetRecord[];
  edges: EdgeRecord[];
  truncated: boolean;
}

export interface ClassificationTypeRecord {
  name: string;
  description: string | null;
  propagateByDefault: boolean;
  /** Masking lineage edges stop it (a hashed email is not PII). */
  maskable: boolean;
  createdAt: string;
}

export interface DirectAssignment {
  assetId: string;
  classification: string;
  propagate: boolean;
  addedAt: string;
  addedBy: string;
}

/** One (asset, classification, source) propagation row; `blocked` rows are not in effect. */
export interface PropagationRow {
  assetId: string;
  classification: string;
  sourceId: string;
  blocked: boolean;
  addedAt: string;
  addedBy: string;
}

export interface BlockRecord {
  assetId: string;
  classification: string;
  addedAt: string;
  addedBy: string;
}

export interface AssetClassificationState {
  direct: DirectAssignment[];
  propagated: PropagationRow[];
  blocks: BlockRecord[];
}

/** What GraphQL shows as a ClassificationAssignment. */
export interface AssignmentView {
  name: string;
  propagated: boolean;
  propagate: boolean;
  sourceIds: string[];
  blocked: boolean;
  /** Why it is blocked: a steward's block at this asset, or (propagated only) masking edges are its only way here. */
  blockReason: 'STEWARD' | 'MASKING' | null;
  addedAt: string;
  addedBy: string;
}

export type PropagationJobStatus = 'PENDING' | 'RUNNING' | 'DONE';

/**
 * Background work for one propagation unit (source asset, classification) whose change is too
 * large for the mutation's own transaction. One record per unit: a later change to a unit whose
 * job is unfinished bumps its generation and the worker starts the unit over.
 */
export interface PropagationJobRecord {
  id: string;
  sourceId: string;
  classification: string;
  status: PropagationJobStatus;
  /** Bumped by every change that needs the unit recomputed; a run that sees it move starts over. */
  generation: number;
  /** Row changes the current run makes, once it has computed them. */
  total: number | null;
  applied: number;
  actor: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ClassifyOutcome {
  asset: AssetRecord;
  classification: string;
  added: number;
  removed: number;
  /** Units handed to the propagation worker because they were too large to apply in the mutation. */
  jobs: PropagationJobRecord[];
}

export const INCIDENT_TYPES = ['FRESHNESS', 'VOLUME', 'SCHEMA_CHANGE', 'FIELD_HEALTH', 'CUSTOM'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];
export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4', 'UNKNOWN'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const INCIDENT_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface IncidentRecord {
  id: string;
  externalId: string;
  source: string;
  type: IncidentType;
  severity: IncidentSeverity;
  status: IncidentStatus;
  title: string;
  url: string | null;
  detectedAt: string;
  updatedAt: string;
  assetIds: string[];
}

export interface SearchHitView {
  asset: AssetRecord;
  score: number;
  highlights: { field: string; fragments: string[] }[];
}

export interface ClassificationTypeView extends ClassificationTypeRecord {
  directCount: number;
  propagatedCount: number;
}
