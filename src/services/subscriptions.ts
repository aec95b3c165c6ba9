// Live events for GraphQL subscriptions, from the change feed, filtered by tenant, role and arguments.
import { type Viewer, requirePermission } from '../domain/auth.js';
import type { AssetChangedEvent, ChangeEvent, ClassificationChangedEvent, IncidentChangedEvent } from '../domain/events.js';
import type { AssetKind, IncidentSeverity } from '../domain/model.js';
import { Problems } from '../domain/errors.js';
import { LIMITS, checkText } from '../domain/validation.js';
import type { ServiceDeps } from './deps.js';
import { EventStream } from './event-stream.js';

export interface SubscriptionStats {
  open: number;
  /** Open subscriptions per tenant (a tenant's entry goes when its last one closes). */
  openByTenant: Map<string, number>;
}

/** A subscription's qualified-name prefix, bounded like a qualified name; null for none. */
function checkedPrefix(prefix: string | null | undefined): string | null {
  if (!prefix) return null;
  const problems = new Problems();
  checkText(problems, 'qualifiedNamePrefix', prefix, LIMITS.qualifiedName);
  problems.throwIfAny('Invalid subscription');
  return prefix;
}

export class SubscriptionService {
  readonly stats: SubscriptionStats = { open: 0, openByTenant: new Map() };

  constructor(private readonly deps: ServiceDeps) {}

  classificationChanged(
    viewer: Viewer | null,
    args: { classifications?: readonly string[] | null; kinds?: readonly AssetKind[] | null; qualifiedNamePrefix?: string | null },
  ): AsyncIterableIterator<ClassificationChangedEvent> {
    const names = args.classifications?.length ? new Set(args.classifications) : null;
    const kinds = args.kinds?.length ? new Set(args.kinds) : null;
    const prefix = checkedPrefix(args.qualifiedNamePrefix);
    return this.stream(
      viewer,
      (e): e is ClassificationChangedEvent =>
        e.type === 'classification.changed' &&
        (names === null || names.has(e.classification)) &&
        (kinds === null || kinds.has(e.asset.kind)) &&
        (prefix === null || e.asset.qualifiedName.startsWith(prefix)),
    );
  }

  assetChanged(
    viewer: Viewer | null,
    args: { qualifiedNamePrefix?: string | null; kinds?: readonly AssetKind[] | null },
  ): AsyncIterableIterator<AssetChangedEvent> {
    const prefix = checkedPrefix(args.qualifiedNamePrefix);
    const kinds = args.kinds?.length ? new Set(args.kinds) : null;
    return this.stream(
      viewer,
      (e): e is AssetChangedEvent =>
        e.type === 'asset.changed' &&
        (prefix === null || e.asset.qualifiedName.startsWith(prefix)) &&
        (kinds === null || kinds.has(e.asset.kind)),
    );
  }

  incidentChanged(
    viewer: Viewer | null,
    args: { severities?: readonly IncidentSeverity[] | null },
  ): AsyncIterableIterator<IncidentChangedEvent> {
    const severities = args.severities?.length ? new Set(args.severities) : null;
    return this.stream(
      viewer,
      (e): e is IncidentChangedEvent => e.type === 'incident.changed' && (severities === null || severities.has(e.incident.severity)),
    );
  }

  private stream<T extends ChangeEvent>(viewer: Viewer | null, accept: (e: ChangeEvent) => e is T): AsyncIterableIterator<T> {
    const v = requirePermission(viewer, 'graph:read');
    const byTenant = this.stats.openByTenant;
    this.stats.open++;
    byTenant.set(v.tenant, (byTenant.get(v.tenant) ?? 0) + 1);
    let detached = false;
    const stream: EventStream<T> = new EventStream<T>(() => {
      if (detached) return;
      detached = true;
      this.stats.open--;
      const left = (byTenant.get(v.tenant) ?? 1) - 1;
      if (left > 0) byTenant.set(v.tenant, left);
      else byTenant.delete(v.tenant);
      unlisten();
    });
    // The feed is keyed by tenant, and the check is repeated here: an event of another tenant never reaches a subscriber.
    const unlisten = this.deps.feed.listen(v.tenant, (event) => {
      if (event.tenant === v.tenant && accept(event)) stream.push(event);
    });
    return stream;
  }
}
