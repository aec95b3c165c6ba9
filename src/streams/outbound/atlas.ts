// Apache Atlas ENTITY_NOTIFICATION_V2 messages, the shape Apache Ranger TagSync (and other Atlas
// consumers) read from ATLAS_ENTITIES. Each message carries the entity's full set of
// classifications as of its own change; a propagated one is marked by an entityGuid other than
// the entity's own.
import type { ClassificationChangedEvent, ClassificationsInEffect } from '../../domain/events.js';
import type { AssetRecord } from '../../domain/model.js';

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
 * The entity's Atlas `qualifiedName`, as the consumers' resource mappers parse it. An explicit
 * `atlasQualifiedName` attribute wins. A Hive type gets Atlas' Hive names (what the Hive hook
 * writes and Ranger's Hive mapper reads: `db@cluster`, `db.table@cluster`,
 * `db.table.column@cluster`), lowercased, from the last segments of metalake's path (a column
 * also by its own name, which may contain dots). Any other asset keeps metalake's qualified name.
 */
export function atlasQualifiedName(asset: AssetRecord, clusterName: string): string {
  const explicit = asset.attributes['atlasQualifiedName'];
  if (typeof explicit === 'string' && explicit.length > 0) return explicit;
  const type = atlasTypeName(asset);
  const path = asset.qualifiedName.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i, '');
  const last = (text: string, n: number) => text.split('.').slice(-n).join('.');
  const hive =
    type === 'hive_db'
      ? last(path, 1)
      : type === 'hive_table'
        ? last(path, 2)
        : type === 'hive_column' && path.endsWith(`.${asset.name}`)
          ? `${last(path.slice(0, -asset.name.length - 1), 2)}.${asset.name}`
          : type === 'hive_column'
            ? last(path, 3)
            : null;
  return hive === null ? asset.qualifiedName : `${hive.toLowerCase()}@${clusterName}`;
}

/**
 * One notification for one classification event. `current` is the asset's classifications as of
 * the change (null when the change deleted the asset): consumers treat it as the full tag state.
 */
export function atlasNotification(
  event: ClassificationChangedEvent,
  current: ClassificationsInEffect | null,
  options: { sourceIp: string; clusterName: string },
): AtlasNotification {
  const asset = event.asset;
  const classifications: AtlasClassification[] = [];
  for (const d of current?.direct ?? []) classifications.push(classification(d.classification, asset.id, d.propagate));
  for (const p of current?.propagated ?? []) classifications.push(classification(p.classification, p.sourceId, true));
  const eventTime = Date.parse(event.at);
  return {
    version: { version: '1.0.0', versionParts: [1] },
    msgCompressionKind: 'NONE',
    msgSplitIdx: 1,
    msgSplitCount: 1,
    msgSourceIP: options.sourceIp,
    msgCreatedBy: 'metalake',
    msgCreationTime: Date.now(),
    message: {
      type: 'ENTITY_NOTIFICATION_V2',
      entity: {
        typeName: atlasTypeName(asset),
        attributes: {
          qualifiedName: atlasQualifiedName(asset, options.clusterName),
          metalakeQualifiedName: asset.qualifiedName,
          name: asset.name,
          owner: asset.owners.join(','),
          description: asset.description,
          metalakeTenant: event.tenant,
        },
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
  typeName,
  attributes: {},
  entityGuid,
  entityStatus: 'ACTIVE',
  propagate,
  removePropagationsOnEntityDelete: true,
  validityPeriods: [],
});
