// How nodes become records: the projections the statements return, and their mapping. Shared by
// the asset, classification and lineage statements, which read each other's nodes.
import type { AssetClassificationState, AssetKind, AssetRecord } from '../../domain/model.js';
import { parse } from './session.js';

type Row = Record<string, unknown>;

/** Projection of an :Asset node `a` into a record shape. */
export const projectAsset = (node: string): string =>
  `${node} { .id, .qualifiedName, .kind, .name, .description, .owners, .attributes, .parentId, .version, .createdAt, .updatedAt }`;
export const ASSET = projectAsset('a');

export function toAsset(p: Record<string, unknown>): AssetRecord {
  return {
    id: p.id as string,
    qualifiedName: p.qualifiedName as string,
    kind: p.kind as AssetKind,
    name: p.name as string,
    description: (p.description as string | undefined) ?? null,
    owners: (p.owners as string[] | undefined) ?? [],
    attributes: parse<AssetRecord['attributes']>(p.attributes) ?? {},
    parentId: (p.parentId as string | undefined) ?? null,
    version: p.version as number,
    createdAt: p.createdAt as string,
    updatedAt: p.updatedAt as string,
  };
}

/** The columns `direct`, `propagated` and `blocks` of a RETURN: the classification state of the asset whose id is `id`. */
export const classificationState = (id: string): string => `
  COLLECT {
    MATCH (d:Direct {tenant: $t, assetId: ${id}}) USING INDEX SEEK d:Direct(tenant, assetId)
    RETURN d { .* } ORDER BY d.classification
  } AS direct,
  COLLECT {
    MATCH (r:Propagation {tenant: $t, assetId: ${id}}) USING INDEX SEEK r:Propagation(tenant, assetId)
    RETURN r { .* } ORDER BY r.classification, r.addedAt, r.sourceId
  } AS propagated,
  COLLECT {
    MATCH (b:Block {tenant: $t, assetId: ${id}}) USING INDEX SEEK b:Block(tenant, assetId)
    RETURN b { .* } ORDER BY b.classification
  } AS blocks`;

export interface StateRows {
  direct: Row[];
  propagated: Row[];
  blocks: Row[];
}

export function toClassificationState(assetId: string, { direct, propagated, blocks }: StateRows): AssetClassificationState {
  // What every kind of row has: the asset, the classification, and who added it when.
  const row = (r: Row) => ({
    assetId,
    classification: r.classification as string,
    addedAt: r.addedAt as string,
    addedBy: r.addedBy as string,
  });
  return {
    direct: direct.map((d) => ({ ...row(d), propagate: d.propagate as boolean })),
    propagated: propagated.map((r) => ({ ...row(r), sourceId: r.sourceId as string, blocked: r.blocked as boolean })),
    blocks: blocks.map(row),
  };
}
