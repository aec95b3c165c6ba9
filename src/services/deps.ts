import type { Logger } from 'pino';
import type { ChangeFeed, GraphStore, SearchIndex } from '../store/ports/index.js';
import type { TransformRules } from './transforms.js';

export interface ServiceLimits {
  /** Items per mutation call (assets, edges, names). */
  maxBatch: number;
  maxLineageDepth: number;
  maxLineageNodes: number;
  /** Edges in one lineage answer (per direction); beyond it the answer says `truncated`. */
  maxLineageEdges: number;
  /** Propagation row changes one unit may make inside a change's own transaction; larger ones go to the propagation worker. */
  maxSyncPropagation?: number;
  /** Lineage edges one reported run may mean across its events (inputs × outputs and column edges). */
  maxRunEdges?: number;
}

export interface ServiceDeps {
  store: GraphStore;
  feed: ChangeFeed;
  limits: ServiceLimits;
  log: Logger;
  /** The full-text index behind `search` (absent: search answers INTERNAL_SERVER_ERROR). */
  search?: SearchIndex;
  /** The tenants' pre-ingest rules (none by default). */
  transforms?: TransformRules;
}

export const now = (): string => new Date().toISOString();
