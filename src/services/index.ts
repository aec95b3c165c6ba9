import type { Viewer } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';
import { requestScoped } from '../logger.js';
import { AssetService } from './assets.js';
import { ClassificationService } from './classification.js';
import { CrawlService } from './crawls.js';
import type { ServiceDeps } from './deps.js';
import { IncidentService } from './incidents.js';
import { IngestService } from './ingest.js';
import { LineageService } from './lineage.js';
import { PropagationJobService } from './propagation-jobs.js';
import { type Loaders, createLoaders } from './loaders.js';
import { SearchService } from './search.js';
import { SubscriptionService } from './subscriptions.js';
import { NO_TRANSFORMS } from './transforms.js';

export interface Services {
  assets: AssetService;
  lineage: LineageService;
  classification: ClassificationService;
  incidents: IncidentService;
  crawls: CrawlService;
  search: SearchService;
  subscriptions: SubscriptionService;
  ingest: IngestService;
  propagationJobs: PropagationJobService;
  /** Fresh loaders bound to the viewer's tenant; none for an anonymous caller. */
  loaders(viewer: Viewer | null): Loaders | null;
  me(viewer: Viewer | null): Viewer;
}

export function createServices(given: ServiceDeps): Services {
  // Services log through the request's logger when serving one (request id, tenant, subject).
  const deps: ServiceDeps = { ...given, log: requestScoped(given.log) };
  return {
    assets: new AssetService(deps),
    lineage: new LineageService(deps),
    classification: new ClassificationService(deps),
    incidents: new IncidentService(deps),
    crawls: new CrawlService(deps),
    search: new SearchService(deps),
    subscriptions: new SubscriptionService(deps),
    ingest: new IngestService(deps, deps.transforms ?? NO_TRANSFORMS),
    propagationJobs: new PropagationJobService(deps),
    loaders: (viewer) => (viewer ? createLoaders(() => deps.store.tenant(viewer.tenant), deps.limits) : null),
    me(viewer) {
      if (!viewer) throw new DomainError('UNAUTHENTICATED', 'Authentication required: send a bearer token');
      return viewer;
    },
  };
}
