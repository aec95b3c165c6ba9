// Incidents: reads, and the writes of commands/incidents.ts for users.
import { type Viewer, requirePermission } from '../domain/auth.js';
import type { IncidentInput } from '../domain/commands.js';
import type { IncidentRecord, IncidentSeverity, IncidentStatus, IncidentType } from '../domain/model.js';
import type { IncidentQuery } from '../store/ports/index.js';
import { write } from './commands/command.js';
import { reportIncident, updateIncidentStatus } from './commands/incidents.js';
import type { ServiceDeps } from './deps.js';
import { type Connection, emptyConnection, paginate } from './paging.js';

export type { IncidentInput } from '../domain/commands.js';

export interface IncidentFilterInput {
  statuses?: readonly IncidentStatus[] | null | undefined;
  severities?: readonly IncidentSeverity[] | null | undefined;
  types?: readonly IncidentType[] | null | undefined;
  assetQualifiedName?: string | null | undefined;
}

/** A page of incidents; its totalCount is counted when selected. */
export type IncidentConnection = Connection<IncidentRecord>;

export class IncidentService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(
    viewer: Viewer | null,
    filter: IncidentFilterInput | null | undefined,
    first?: number | null,
    after?: string | null,
  ): Promise<IncidentConnection> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query: IncidentQuery = {};
    if (filter?.statuses) query.statuses = filter.statuses;
    if (filter?.severities) query.severities = filter.severities;
    if (filter?.types) query.types = filter.types;
    if (filter?.assetQualifiedName) {
      const [asset] = await graph.assetsByQualifiedNames([filter.assetQualifiedName]);
      if (!asset) return emptyConnection();
      query.assetId = asset.id;
    }
    return paginate(
      first,
      after,
      (page) => graph.listIncidents(query, page),
      () => graph.countIncidents(query),
    );
  }

  report(viewer: Viewer | null, input: IncidentInput): Promise<IncidentRecord> {
    return write(this.deps, viewer, reportIncident, input);
  }

  updateStatus(viewer: Viewer | null, id: string, status: IncidentStatus): Promise<IncidentRecord> {
    return write(this.deps, viewer, updateIncidentStatus, { id, status });
  }
}
