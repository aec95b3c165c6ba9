import type { Logger } from 'pino';
import type { ChangeFeed, GraphStore } from '../store/ports.js';

export interface ServiceLimits {
  /** Items per mutation call (assets, edges, names). */
  maxBatch: number;
  maxLineageDepth: number;
  maxLineageNodes: number;
}

export interface ServiceDeps {
  store: GraphStore;
  feed: ChangeFeed;
  limits: ServiceLimits;
  log: Logger;
}

export const now = (): string => new Date().toISOString();
