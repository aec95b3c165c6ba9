// The incidents port: data-observability incidents attached to assets.
// Adapters: store/embedded/incidents.ts, store/neo4j/incidents.ts. Contract: test/contract/store/incidents.contract.ts.
import type { IncidentRecord, IncidentSeverity, IncidentStatus, IncidentType } from '../../domain/model.js';
import type { StorePage, StorePageRequest } from './paging.js';

export interface IncidentQuery {
  statuses?: readonly IncidentStatus[];
  severities?: readonly IncidentSeverity[];
  types?: readonly IncidentType[];
  assetId?: string;
}

export interface IncidentReader {
  incidentsByIds(ids: readonly string[]): Promise<IncidentRecord[]>;
  incidentByExternalId(source: string, externalId: string): Promise<IncidentRecord | null>;
  listIncidents(query: IncidentQuery, page: StorePageRequest): Promise<StorePage<IncidentRecord>>;
  countIncidents(query: IncidentQuery): Promise<number>;
  incidentsByAssets(assetIds: readonly string[], statuses?: readonly IncidentStatus[]): Promise<Map<string, IncidentRecord[]>>;
}

export interface IncidentWriter {
  putIncident(record: IncidentRecord): Promise<void>;
}
