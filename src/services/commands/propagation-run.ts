// Classification propagation. The unit of work is a (source asset, classification) pair: its
// propagated rows are exactly what a traversal downstream from the source reaches, stopping at
// blocked assets. Every mutation that can change that (classify, declassify, block, unblock, edge
// added or removed, asset deleted) names the units it may affect and recomputes them, so rule 1
// (removal keeps what another source still justifies) and rule 2 (edges carry and withdraw)
// follow from one mechanism rather than from special cases.
//
// Events are netted per (asset, classification, kind) across all recomputations of one change,
// so a change emits exactly one event per assignment that appeared or disappeared (rule 5).
//
// A unit that reaches more than `maxSyncChanges` assets, or whose recomputation would change more
// rows than that, is not applied in the change's transaction: it is handed to the propagation
// worker as a job (propagation-jobs.ts), and so is every later recomputation of that unit while
// its job is unfinished. The change's transaction stays small whatever the size of the graph.
import { randomUUID } from 'node:crypto';
import { type ClassificationChangedEvent, inEffect } from '../../domain/events.js';
import type { AssetRecord, PropagationJobRecord } from '../../domain/model.js';
import type { ClassifiedAsset, GraphTx, PropagationChange, PropagationKey } from '../../store/ports/index.js';

interface Net {
  assetId: string;
  classification: string;
  propagated: boolean;
  delta: number;
  sourceId: string | null;
}

export class PropagationRun {
  private readonly net = new Map<string, Net>();
  private readonly snapshots = new Map<string, AssetRecord>();
  /** A direct assignment or a change was recorded. */
  private wrote = false;
  /** The states the store reported with the run's only write (PropagationChange.after): events need not read them again. */
  private known: { covered: ReadonlySet<string>; states: readonly ClassifiedAsset[] } | null = null;
  /** Units this change handed to the propagation worker. */
  readonly jobs: PropagationJobRecord[] = [];

  constructor(
    private readonly tx: GraphTx,
    private readonly tenant: string,
    private readonly actor: string,
    private readonly at: string,
    private readonly maxSyncChanges = Number.POSITIVE_INFINITY,
  ) {}

  /** Keeps records of assets about to be deleted, so their events can still describe them. */
  remember(records: readonly AssetRecord[]): void {
    for (const r of records) this.snapshots.set(r.id, r);
  }

  direct(assetId: string, classification: string, change: 'ADDED' | 'REMOVED'): void {
    // A later write may touch the assets an earlier change reported without reporting them.
    this.known = null;
    this.wrote = true;
    this.record(assetId, classification, false, change === 'ADDED' ? 1 : -1, null);
  }

  /** Recomputes each unit from the current graph, assignments and blocks. */
  async recompute(keys: readonly PropagationKey[]): Promise<void> {
    // Sorted by classification, so that stores which lock per classification always lock in the same order.
    const sorted = [...keys].sort((a, b) => (a.classification < b.classification ? -1 : a.classification > b.classification ? 1 : 0));
    const unique = new Map(sorted.map((k) => [`${k.sourceId}\u0000${k.classification}`, k]));
    if (unique.size === 0) return;
    const active = new Set(
      (await this.tx.propagatingDirectAt([...new Set([...unique.values()].map((k) => k.sourceId))])).map(
        (k) => `${k.sourceId}\u0000${k.classification}`,
      ),
    );
    const bounded = Number.isFinite(this.maxSyncChanges);
    const reachLimit = bounded ? this.maxSyncChanges : undefined;
    for (const [id, key] of unique) {
      // A unit with a job in flight stays with the worker: it starts over from the current graph.
      const job = bounded ? await this.tx.propagationJobFor(key) : null;
      if (job && job.status !== 'DONE') {
        await this.enqueue(key);
        continue;
      }
      const rows = active.has(id) ? await this.tx.reach(key, reachLimit) : [];
      const change =
        reachLimit !== undefined && rows.length > reachLimit
          ? null
          : await this.tx.replacePropagation(key, rows, this.actor, this.at, bounded ? this.maxSyncChanges : undefined);
      if (change) this.apply(key, change);
      else await this.enqueue(key);
    }
  }

  /** Records what one (slice of a) unit's recomputation changed. */
  apply(key: PropagationKey, change: PropagationChange): void {
    // What a change reports of its assets' states holds only while nothing else is written.
    this.known =
      !this.wrote && change.after
        ? { covered: new Set([key.sourceId, ...change.appeared, ...change.disappeared]), states: change.after }
        : null;
    this.wrote = true;
    for (const assetId of change.appeared) this.record(assetId, key.classification, true, 1, key.sourceId);
    for (const assetId of change.disappeared) this.record(assetId, key.classification, true, -1, key.sourceId);
  }

  private async enqueue(key: PropagationKey): Promise<void> {
    this.jobs.push(await this.tx.enqueuePropagation(key, randomUUID(), this.actor, this.at));
  }

  /** One event per assignment whose existence changed; appended to the outbox by the caller. */
  async events(): Promise<ClassificationChangedEvent[]> {
    const changes = [...this.net.values()].filter((n) => n.delta !== 0);
    const ids = new Set<string>();
    for (const c of changes) {
      ids.add(c.assetId);
      if (c.sourceId !== null) ids.add(c.sourceId);
    }
    if (ids.size === 0) return [];
    // One read for the records and the classification states (the transaction's own writes are
    // read): each event carries its asset's classifications as of this change (an Atlas ADD always
    // lists the tag it adds, whatever happens next), and an asset remembered earlier in the change
    // may have been deleted since. What the run's only write reported is not read again (a
    // background chunk: all of it), and an asset it covers but did not report is gone.
    const { known } = this;
    const unread = [...ids].filter((id) => !known?.covered.has(id));
    const current = new Map(
      [...(known?.states ?? []), ...(unread.length > 0 ? await this.tx.classifiedAssets(unread) : [])].map((c) => [c.asset.id, c]),
    );
    this.remember([...current.values()].filter((c) => !this.snapshots.has(c.asset.id)).map((c) => c.asset));
    const events: ClassificationChangedEvent[] = [];
    for (const c of changes) {
      const asset = this.snapshots.get(c.assetId);
      if (!asset) continue; // an asset created and deleted within the same change
      const after = current.get(c.assetId);
      events.push({
        type: 'classification.changed',
        eventId: randomUUID(),
        tenant: this.tenant,
        at: this.at,
        actor: this.actor,
        asset,
        classification: c.classification,
        change: c.delta > 0 ? 'ADDED' : 'REMOVED',
        propagated: c.propagated,
        source: c.sourceId === null ? null : (this.snapshots.get(c.sourceId) ?? null),
        classificationsAfter: after ? inEffect(after.classifications) : null,
      });
    }
    return events;
  }

  private record(assetId: string, classification: string, propagated: boolean, delta: number, sourceId: string | null): void {
    const key = `${assetId}\u0000${classification}\u0000${propagated ? 'p' : 'd'}`;
    const entry = this.net.get(key);
    if (entry) {
      entry.delta += delta;
      entry.sourceId = sourceId ?? entry.sourceId;
    } else {
      this.net.set(key, { assetId, classification, propagated, delta, sourceId });
    }
  }
}
