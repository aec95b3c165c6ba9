import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassificationChangedEvent } from '../../domain/events.js';
import type { AssetKind } from '../../domain/model.js';
import { assetRecord } from '../../../test/support/fixtures.js';
import { type AtlasEntity, atlasNotification } from './atlas.js';

/**
 * What Apache Ranger TagSync's Hive resource mapper makes of an entity (AtlasHiveResourceMapper
 * and AtlasResourceMapper, Ranger 2.x): the cluster after the last `@` names the service
 * `<cluster>_hive`, the rest split on dots is database, table, column by the entity's type.
 */
function rangerHiveResource(entity: AtlasEntity): { service: string; resource: Record<string, string> } {
  const qualifiedName = entity.attributes['qualifiedName'] as string;
  const at = qualifiedName.lastIndexOf('@');
  if (at === -1 || at === qualifiedName.length - 1)
    throw new Error(`cluster-name not found in attribute 'qualifiedName': ${qualifiedName}`);
  const [db, table, column] = qualifiedName.slice(0, at).split('.');
  const wanted = { hive_db: ['database'], hive_table: ['database', 'table'], hive_column: ['database', 'table', 'column'] }[
    entity.typeName
  ];
  if (!wanted) throw new Error(`unrecognized entity-type: ${entity.typeName}`);
  const values = [db, table, column].slice(0, wanted.length);
  if (values.some((v) => !v)) throw new Error(`invalid qualifiedName for entity-type '${entity.typeName}': ${qualifiedName}`);
  return { service: `${qualifiedName.slice(at + 1)}_hive`, resource: Object.fromEntries(wanted.map((k, i) => [k, values[i]!])) };
}

const entityOf = (
  kind: AssetKind,
  qualifiedName: string,
  attributes: Record<string, unknown>,
  name?: string,
  clusterName = 'primary',
): AtlasEntity => {
  const asset = assetRecord(kind, qualifiedName, { attributes, ...(name ? { name } : {}) });
  const event: ClassificationChangedEvent = {
    type: 'classification.changed',
    eventId: 'e',
    tenant: 't',
    at: new Date().toISOString(),
    actor: 'a',
    asset,
    classification: 'PII',
    change: 'ADDED',
    propagated: false,
    source: null,
  };
  return atlasNotification(event, { direct: [{ classification: 'PII', propagate: true }], propagated: [] }, { sourceIp: 'h', clusterName })
    .message.entity;
};

describe('Atlas notifications for Ranger', () => {
  it('name Hive assets as Ranger’s Hive mapper reads them: db@cluster, db.table@cluster, db.table.column@cluster', () => {
    assert.deepEqual(rangerHiveResource(entityOf('DATABASE', 'hive://metastore:9083/Sales', { atlasTypeName: 'hive_db' })), {
      service: 'primary_hive',
      resource: { database: 'sales' },
    });
    assert.deepEqual(
      rangerHiveResource(entityOf('TABLE', 'hive://metastore:9083/sales.Orders', { atlasTypeName: 'hive_table' }, undefined, 'prod')),
      { service: 'prod_hive', resource: { database: 'sales', table: 'orders' } },
    );
    assert.deepEqual(
      rangerHiveResource(entityOf('COLUMN', 'hive://metastore:9083/sales.orders.email', { atlasTypeName: 'hive_column' }, 'email')),
      { service: 'primary_hive', resource: { database: 'sales', table: 'orders', column: 'email' } },
    );
    // A three-part source path: the table's own two last segments are Hive's database and table.
    assert.deepEqual(
      rangerHiveResource(entityOf('TABLE', 'snowflake://acme/analytics.marts.orders', { atlasTypeName: 'hive_table' })).resource,
      { database: 'marts', table: 'orders' },
    );
  });

  it('use an explicit atlasQualifiedName as given, and keep metalake’s own name beside it', () => {
    const entity = entityOf('TABLE', 'snowflake://acme/analytics.marts.orders', {
      atlasTypeName: 'hive_table',
      atlasQualifiedName: 'analytics.orders@dwh',
    });
    assert.deepEqual(rangerHiveResource(entity), { service: 'dwh_hive', resource: { database: 'analytics', table: 'orders' } });
    assert.equal(entity.attributes['metalakeQualifiedName'], 'snowflake://acme/analytics.marts.orders');
  });

  it('leave other types with metalake’s qualified name', () => {
    const entity = entityOf('TABLE', 'snowflake://acme/analytics.marts.orders', {});
    assert.equal(entity.typeName, 'metalake_table');
    assert.equal(entity.attributes['qualifiedName'], 'snowflake://acme/analytics.marts.orders');
    assert.throws(() => rangerHiveResource(entity), /cluster-name not found/);
  });
});
