// The commands of a write, as data: what a mutation, an ingest event, a transform rule or a
// connector asks for. Shared by the services that apply them and the sources that produce them.
import type { IncidentSeverity, IncidentStatus, IncidentType } from './model.js';
import type { RunReport } from './runs.js';

export interface AssetInput {
  qualifiedName: string;
  kind: string;
  name?: string | null | undefined;
  description?: string | null | undefined;
  owners?: readonly string[] | null | undefined;
  attributes?: unknown;
  parentQualifiedName?: string | null | undefined;
}

export interface EdgeInput {
  from: string;
  to: string;
  process?: string | null | undefined;
  /** The flow masks the data; maskable classifications stop at it. */
  masking?: boolean | null | undefined;
}

export interface IncidentInput {
  externalId: string;
  source: string;
  type: IncidentType;
  severity?: IncidentSeverity | null | undefined;
  status?: IncidentStatus | null | undefined;
  title: string;
  url?: string | null | undefined;
  detectedAt?: string | null | undefined;
  assetQualifiedNames: readonly string[];
}

export type IngestCommand =
  | {
      op: 'upsertAsset';
      input: AssetInput;
      /** Keep the kind of an existing asset (sources that only know "dataset"). */ keepExistingKind?: boolean;
    }
  | { op: 'deleteAsset'; qualifiedName: string }
  | { op: 'addLineage'; edge: EdgeInput }
  | { op: 'removeLineage'; edge: EdgeInput }
  | { op: 'reportIncident'; input: IncidentInput; skipUnknownAssets: boolean }
  | { op: 'classify'; qualifiedName: string; classification: string; propagate: boolean | null; rule: string }
  /** A source no longer implies a classification it implied: withdrawn if a rule (not a person) assigned it. */
  | { op: 'declassify'; qualifiedName: string; classification: string; rule: string }
  | { op: 'reportRun'; report: RunReport };

export interface IngestItem {
  eventId: string;
  tenant: string;
  /** Who produced it (the CloudEvent source); recorded as the actor. */
  source: string;
  type: string;
  commands: IngestCommand[];
}
