// Change events: written to the outbox in the same transaction as the change they describe,
// then published to the change feed (subscriptions, search indexing, outbound topics).
import type { AssetClassificationState, AssetRecord, IncidentRecord } from './model.js';

interface EventBase {
  eventId: string;
  tenant: string;
  at: string;
  actor: string;
}

export interface AssetChangedEvent extends EventBase {
  type: 'asset.changed';
  change: 'CREATED' | 'UPDATED' | 'DELETED';
  /** The asset as it is after the change (as it was, for DELETED). */
  asset: AssetRecord;
  version: number;
}

export interface ClassificationChangedEvent extends EventBase {
  type: 'classification.changed';
  asset: AssetRecord;
  classification: string;
  change: 'ADDED' | 'REMOVED';
  propagated: boolean;
  source: AssetRecord | null;
  /**
   * The asset's classifications in effect right after the change (null: the change deleted the
   * asset), for consumers that read every message as the full tag state (Atlas). Absent in
   * events written before it existed.
   */
  classificationsAfter?: ClassificationsInEffect | null;
}

/** An asset's classifications in effect: direct ones, and propagated ones not blocked, with their source. */
export interface ClassificationsInEffect {
  direct: { classification: string; propagate: boolean }[];
  propagated: { classification: string; sourceId: string }[];
}

export const inEffect = (state: AssetClassificationState): ClassificationsInEffect => ({
  direct: state.direct.map((d) => ({ classification: d.classification, propagate: d.propagate })),
  propagated: state.propagated.filter((p) => !p.blocked).map((p) => ({ classification: p.classification, sourceId: p.sourceId })),
});

export interface LineageChangedEvent extends EventBase {
  type: 'lineage.changed';
  change: 'ADDED' | 'REMOVED';
  from: AssetRecord;
  to: AssetRecord;
  process: AssetRecord | null;
  /** The flow masks the data (maskable classifications stop at it). */
  masking: boolean;
}

export interface IncidentChangedEvent extends EventBase {
  type: 'incident.changed';
  change: 'CREATED' | 'UPDATED';
  incident: IncidentRecord;
}

export type ChangeEvent = AssetChangedEvent | ClassificationChangedEvent | LineageChangedEvent | IncidentChangedEvent;
