// Apache Atlas ENTITY_NOTIFICATION_V2 messages, the shape Apache Ranger TagSync (and other Atlas
// consumers) read from ATLAS_ENTITIES. Each message carries the entity's full current set of
// classifications; a propagated one is marked by an entityGuid other than the entity's own.
import type { ClassificationChangedEvent } from '../../domain/events.js';
import type { AssetClassificationState, AssetRecord } from '../../domain/model.js';

export interface AtlasClassification {
  typeName: string;
  attributes: Record<string, unknown>;
  entityGuid: string;
  entityStatus: 'ACTIVE' | 'DELETED';
  propagate: boolean;
  removePropagationsOnEntityDelete: boolean;
  validityPeriods: unknown[];
}

export interface AtlasEntity {
  typeName: string;
  attributes: Record<string, unknown>;
  guid: string;
  status: 'ACTIVE' | 'DELETED';
  displayText: string;
  classificationNames: string[];
  classifications: AtlasClassification[];
}

export interface AtlasNotification {
  version: { version: '1.0.0'; versionParts: [1] };
  msgCompressionKind: 'NONE';
  msgSplitIdx: 1;
  msgSplitCount: 1;
  msgSourceIP: string;
  msgCreatedBy: string;
  msgCreationTime: number;
  message: {
    type: 'ENTITY_NOTIFICATION_V2';
    entity: AtlasEntity;
    operationType: 'CLASSIFICATION_ADD' | 'CLASSIFICATION_DELETE';
    eventTime: number;
  };
}

/** The Atlas type of an asset: an explicit `atlasTypeName` attribute wins (e.g. hive_table), else metalake_<kind>. */
export const atlasTypeName = (asset: AssetRecord): string =>
  typeof asset.attributes['atlasTypeName'] === 'string' ? asset.attributes['atlasTypeName'] : `metalake_${asset.kind.toLowerCase()}`;

/**
 * One notification for one classification event. `current` is the asset's state when the message
 * is built (null when the asset no longer exists): consumers treat it as the full tag state.
 */
export function atlasNotification(event: ClassificationChangedEvent, current: AssetClassificationState | null, sourceIp: string): AtlasNotification {
  const asset = event.asset;
  const classifications: AtlasClassification[] = [];
  for (const d of current?.direct ?? []) {
    classifications.push(classification(d.classification, asset.id, d.propagate));
  }
  for (const p of current?.propagated ?? []) {
    if (!p.blocked) classifications.push(classification(p.classification, p.sourceId, true));
  }
  const eventTime = Date.parse(event.at);
  return {
    version: { version: '1.0.0', versionParts: [1] },
    msgCompressionKind: 'NONE',
    msgSplitIdx: 1,
    msgSplitCount: 1,
    msgSourceIP: sourceIp,
    msgCreatedBy: 'metalake',
    msgCreationTime: Date.now(),
    message: {
      type: 'ENTITY_NOTIFICATION_V2',
      entity: {
        typeName: atlasTypeName(asset),
        attributes: { qualifiedName: asset.qualifiedName, name: asset.name, owner: asset.owners.join(','), description: asset.description, metalakeTenant: event.tenant },
        guid: asset.id,
        status: current ? 'ACTIVE' : 'DELETED',
        displayText: asset.name,
        classificationNames: [...new Set(classifications.map((c) => c.typeName))],
        classifications,
      },
      operationType: event.change === 'ADDED' ? 'CLASSIFICATION_ADD' : 'CLASSIFICATION_DELETE',
      eventTime: Number.isNaN(eventTime) ? Date.now() : eventTime,
    },
  };
}

const classification = (typeName: string, entityGuid: string, propagate: boolean): AtlasClassification => ({
  typeName, attributes: {}, entityGuid, entityStatus: 'ACTIVE', propagate, removePropagationsOnEntityDelete: true, validityPeriods: [],
});
