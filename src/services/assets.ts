// Assets: reads, and the writes of commands/assets.ts for users.
import { type Viewer, requirePermission } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';
import type { AssetInput } from '../domain/commands.js';
import type { AssetKind, AssetRecord, HistoryRecord } from '../domain/model.js';
import type { AssetQuery, AssetView } from '../store/ports/index.js';
import { type DeleteOutcome, type UpsertOutcome, deleteAssets, upsertAssets } from './commands/assets.js';
import { write } from './commands/command.js';
import type { ServiceDeps } from './deps.js';
import { type Connection, type Page, emptyConnection, pageRequest, paginate, toPage } from './paging.js';

export type { AssetInput } from '../domain/commands.js';
export type { DeleteOutcome, UpsertOutcome, UpsertStatus } from './commands/assets.js';

export interface AssetFilterInput {
  kinds?: readonly AssetKind[] | null | undefined;
  qualifiedNamePrefix?: string | null | undefined;
  parentQualifiedName?: string | null | undefined;
  owner?: string | null | undefined;
  classification?: string | null | undefined;
}

/** A page of assets; its totalCount is counted when selected. */
export type AssetConnection = Connection<AssetRecord>;

export class AssetService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(
    viewer: Viewer | null,
    ref: { id?: string | null | undefined; qualifiedName?: string | null | undefined },
  ): Promise<AssetRecord | null> {
    return (await this.view(viewer, ref))?.asset ?? null;
  }

  /** The asset with its parent and classification state, read together (the API's asset lookup). */
  async view(
    viewer: Viewer | null,
    ref: { id?: string | null | undefined; qualifiedName?: string | null | undefined },
  ): Promise<AssetView | null> {
    const v = requirePermission(viewer, 'graph:read');
    const hasId = ref.id !== null && ref.id !== undefined;
    const hasName = ref.qualifiedName !== null && ref.qualifiedName !== undefined;
    if (hasId === hasName) throw new DomainError('BAD_USER_INPUT', 'Pass exactly one of id or qualifiedName');
    return this.deps.store.tenant(v.tenant).assetView(hasId ? { id: ref.id! } : { qualifiedName: ref.qualifiedName! });
  }

  async list(
    viewer: Viewer | null,
    filter: AssetFilterInput | null | undefined,
    first?: number | null,
    after?: string | null,
  ): Promise<AssetConnection> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query: AssetQuery = {};
    if (filter?.kinds) query.kinds = filter.kinds;
    if (filter?.qualifiedNamePrefix) query.qualifiedNamePrefix = filter.qualifiedNamePrefix;
    if (filter?.owner) query.owner = filter.owner;
    if (filter?.classification) query.classification = filter.classification;
    if (filter?.parentQualifiedName) {
      const [parent] = await graph.assetsByQualifiedNames([filter.parentQualifiedName]);
      if (!parent) return emptyConnection();
      query.parentId = parent.id;
    }
    return paginate(
      first,
      after,
      (page) => graph.listAssets(query, page),
      () => graph.countAssets(query),
    );
  }

  async children(viewer: Viewer | null, asset: AssetRecord, first?: number | null, after?: string | null): Promise<AssetConnection> {
    const v = requirePermission(viewer, 'graph:read');
    const graph = this.deps.store.tenant(v.tenant);
    const query = { parentId: asset.id };
    return paginate(
      first,
      after,
      (page) => graph.listAssets(query, page),
      () => graph.countAssets(query),
    );
  }

  async history(viewer: Viewer | null, asset: AssetRecord, first?: number | null, after?: string | null): Promise<Page<HistoryRecord>> {
    const v = requirePermission(viewer, 'graph:read');
    const page = pageRequest(first, after, 20);
    const items = await this.deps.store.tenant(v.tenant).history(asset.id, page);
    return toPage(items, page.after !== null);
  }

  upsert(viewer: Viewer | null, inputs: readonly AssetInput[]): Promise<UpsertOutcome> {
    return write(this.deps, viewer, upsertAssets, inputs);
  }

  delete(viewer: Viewer | null, qualifiedNames: readonly string[]): Promise<DeleteOutcome> {
    return write(this.deps, viewer, deleteAssets, qualifiedNames);
  }
}
