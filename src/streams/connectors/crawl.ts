// The connector framework: a connector reads one source whole into a snapshot (assets with their
// containment, lineage, classifications, incidents); `crawl` turns the snapshot into metalake's
// ingest events and hands them to the same gateway as every other producer (applied in-process in
// embedded mode, published to the Kafka lanes otherwise), so transforms, auto-classification,
// dead letters, idempotency and propagation apply unchanged.
//
// A run is incremental and complete:
//   - only what differs from the graph is emitted (an unchanged source emits nothing: no version
//     bump, no events), judged on the names and values the tenant's transforms will produce;
//   - what the source no longer has is deleted at the end of a run whose every event was accepted,
//     and only what the source owns: assets it created (not ones another producer wrote first),
//     never one that still contains another producer's assets; a failed or partial run deletes
//     nothing;
//   - the run, its counts and errors, and the source's inventory are recorded by the `connector`
//     system actor (services/commands/crawls.ts).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { systemActor } from '../../domain/auth.js';
import type { AssetInput, IncidentInput, IngestItem } from '../../domain/commands.js';
import {
  type CrawlCounts,
  type CrawlRunRecord,
  type CrawlTrigger,
  NO_COUNTS,
  classificationKey,
  classificationOfKey,
  edgeKey,
  edgeOfKey,
  incidentKey,
  isAssetKey,
  isClassificationKey,
  isEdgeKey,
} from '../../domain/crawls.js';
import type { AssetRecord } from '../../domain/model.js';
import { wouldChange } from '../../services/commands/assets.js';
import { type Command, execute } from '../../services/commands/command.js';
import { finishCrawlRun, startCrawlRun } from '../../services/commands/crawls.js';
import type { ServiceLimits } from '../../services/deps.js';
import type { TransformRules } from '../../services/transforms.js';
import type { GraphStore, InventoryEntry } from '../../store/ports/index.js';
import type { OutgoingEvent } from '../ingest/events.js';
import type { IngestGateway } from '../ingest/gateway.js';

/** Lineage a source states between two of its assets (a view on its tables, a model on its parents). */
export interface SourceEdge {
  from: string;
  to: string;
}

/** A classification a source's own metadata implies (a dbt tag or meta key, by the tenant's tag rules). */
export interface SourceClassification {
  qualifiedName: string;
  classification: string;
  /** The rule that decided it: history names it as the actor. */
  rule: string;
}

/** Everything one read of a source found, parents before their children. */
export interface Snapshot {
  assets: AssetInput[];
  edges: SourceEdge[];
  classifications?: SourceClassification[];
  /** Incidents the source reports now (open or resolved); reported again only when they change. */
  incidents?: IncidentInput[];
}

export interface ReadProgress {
  (phase: string, done: number, total: number): void;
}

export interface Connector {
  /** `postgres`, `dbt`. */
  readonly type: string;
  /** The source's stable name: runs and the inventory are kept per source. */
  readonly source: string;
  /**
   * The attribute keys this connector writes: its values replace those keys and leave the others
   * (another producer's, a user's) as they are. All keys when absent.
   */
  readonly attributeKeys?: readonly string[];
  /** Reads the source whole. Throws SourceError when it cannot be reached or read. */
  read(progress: ReadProgress, lookup: CatalogLookup): Promise<Snapshot>;
}

/** What a connector may ask of the tenant's graph while it reads (e.g. which warehouse a dbt project's relations live in). */
export interface CatalogLookup {
  /** Qualified names of the tenant's DATABASE assets of a platform (`postgres`) with this name. */
  databasesNamed(platform: string, name: string): Promise<string[]>;
}

/** The source could not be reached or read: the run fails and nothing changes. */
export class SourceError extends Error {
  constructor(
    readonly code: 'SOURCE_UNREACHABLE' | 'SOURCE_AUTH' | 'SOURCE_INVALID' | 'SOURCE_READ',
    message: string,
  ) {
    super(message);
  }
}

export interface CrawlDeps {
  store: GraphStore;
  gateway: IngestGateway;
  transforms: TransformRules;
  limits: ServiceLimits;
  log: Logger;
}

export interface CrawlOptions {
  tenant: string;
  trigger: CrawlTrigger;
  /** Events per gateway call. */
  batch?: number;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

const READ_CHUNK = 1000;

/** Runs one crawl of a source for a tenant; the returned record says how it ended (never throws for the source's faults). */
export async function crawl(deps: CrawlDeps, connector: Connector, options: CrawlOptions): Promise<CrawlRunRecord> {
  const { tenant } = options;
  const actor = systemActor('connector', tenant, `crawler:${connector.source}`);
  const graph = deps.store.tenant(tenant);
  const bookkeeping = <I, O>(command: Command<I, O>, input: I) =>
    graph.transaction((tx) => execute(command, { actor, tx, input }, deps.limits));
  const progress = (phase: string, done: number, total: number) => options.onProgress?.({ phase, done, total });

  let run = await bookkeeping(startCrawlRun, {
    id: randomUUID(),
    source: connector.source,
    connector: connector.type,
    trigger: options.trigger,
  });
  const finish = (
    status: CrawlRunRecord['status'],
    counts: CrawlCounts,
    errors: string[],
    inventory = { put: [] as InventoryEntry[], remove: [] as string[] },
  ) => bookkeeping(finishCrawlRun, { run: { ...run, status, counts, errors }, inventory });

  let snapshot: Snapshot;
  try {
    snapshot = await connector.read(progress, lookupIn(graph));
  } catch (error) {
    const message =
      error instanceof SourceError
        ? `${error.code}: ${error.message}`
        : `SOURCE_READ: ${error instanceof Error ? error.message : String(error)}`;
    deps.log.warn({ source: connector.source, tenant, err: error }, 'crawl failed: the source could not be read');
    return finish('FAILED', NO_COUNTS, [message]);
  }

  try {
    const plan = await planChanges(deps, graph, connector, snapshot, tenant, progress);
    run = { ...run, counts: plan.counts };
    const emitter = new Emitter(deps.gateway, run.id, tenant, `crawler:${connector.source}`, options.batch ?? 500, progress);
    await emitter.emit(plan.events, 'emit');
    if (emitter.refused.length > 0) {
      // Partial: the accepted changes stay; nothing is deleted, and what was refused is tried again next run.
      const accepted = plan.inventory.filter((e) => !emitter.refusedKeys.has(e.key));
      return await finish('PARTIAL', plan.counts, emitter.refused, { put: accepted, remove: [] });
    }
    const deletions = await planDeletions(graph, plan.gone, connector.source);
    await emitter.emit(deletions.events, 'delete');
    const counts = { ...plan.counts, deleted: deletions.deleted };
    if (emitter.refused.length > 0) return await finish('PARTIAL', counts, emitter.refused, { put: plan.inventory, remove: [] });
    // On Kafka, what the graph lacks may be a create still queued on the lanes (an earlier run's):
    // its entry stays, so the next run deletes it once it has landed. In process, it is gone already.
    const waiting = new Set(deps.gateway.mode === 'kafka' ? deletions.absent : []);
    return await finish('SUCCEEDED', counts, deletions.kept, {
      put: plan.inventory,
      remove: plan.gone.map((g) => g.key).filter((k) => !waiting.has(k)),
    });
  } catch (error) {
    deps.log.error({ source: connector.source, tenant, err: error }, 'crawl failed while applying its changes');
    return finish('FAILED', run.counts, [`APPLY: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

interface KeyedEvent {
  key: string;
  type: OutgoingEvent['type'];
  data: unknown;
}

interface Plan {
  events: KeyedEvent[];
  counts: CrawlCounts;
  /** The source's inventory after the run. */
  inventory: InventoryEntry[];
  /** Inventory entries the source no longer has. */
  gone: InventoryEntry[];
}

/** The events that bring the graph to the snapshot, judged on the names and values the tenant's transforms will produce. */
async function planChanges(
  deps: CrawlDeps,
  graph: ReturnType<GraphStore['tenant']>,
  connector: Connector,
  snapshot: Snapshot,
  tenant: string,
  progress: ReadProgress,
): Promise<Plan> {
  const normalised = (commands: IngestItem['commands']) =>
    deps.transforms.apply({ eventId: '', tenant, source: `crawler:${connector.source}`, type: '', commands }).commands;
  const inventory = new Map((await graph.crawlInventory(connector.source)).map((e) => [e.key, e]));

  // Assets: each as the pipeline will write it.
  const seen = new Set<string>();
  const assets: { raw: AssetInput; input: AssetInput }[] = [];
  for (const raw of snapshot.assets) {
    const [first] = normalised([{ op: 'upsertAsset', input: raw }]);
    if (first?.op !== 'upsertAsset' || seen.has(first.input.qualifiedName)) continue;
    seen.add(first.input.qualifiedName);
    assets.push({ raw, input: first.input });
  }
  const names = [
    ...new Set(assets.flatMap((a) => [a.input.qualifiedName, ...(a.input.parentQualifiedName ? [a.input.parentQualifiedName] : [])])),
  ];
  const existing = await byNames(graph, names, (done) => progress('compare', done, names.length));
  const counts: CrawlCounts = { ...NO_COUNTS };
  const events: KeyedEvent[] = [];
  const entries: InventoryEntry[] = [];
  /** Records the entry, owned when the source first emitted something absent; answers whether it is owned. */
  const own = (key: string, absent: boolean): boolean => {
    const owned = inventory.get(key)?.owned ?? absent;
    entries.push({ key, owned });
    return owned;
  };
  for (const asset of assets) {
    const before = existing.get(asset.input.qualifiedName);
    // Another producer's asset: this source fills its gaps (description, owners) and writes its own
    // attribute keys; the creator's values stay. Two sources never undo each other's run.
    const owned = own(asset.input.qualifiedName, !before);
    const { raw, input } = before ? sharedWith(before, asset, owned, connector.attributeKeys) : asset;
    if (!before) counts.created++;
    else if (wouldChange(input, before, input.parentQualifiedName ? existing.get(input.parentQualifiedName)?.id : undefined))
      counts.updated++;
    else {
      counts.unchanged++;
      continue;
    }
    events.push({ key: input.qualifiedName, type: 'metalake.asset.upserted.v1', data: withoutUndefined(raw) });
  }

  // Lineage: an edge is emitted when the graph does not have it (through any process).
  const edges = new Map<string, SourceEdge>();
  for (const raw of snapshot.edges) {
    const [first] = normalised([{ op: 'addLineage', edge: raw }]);
    if (first?.op !== 'addLineage' || first.edge.from === first.edge.to) continue;
    edges.set(edgeKey(first.edge.from, first.edge.to), raw);
  }
  const present = await presentEdges(graph, [...edges.keys()].map(edgeOfKey), existing);
  for (const [key, raw] of edges) {
    own(key, !present.has(key));
    if (!present.has(key)) events.push({ key, type: 'metalake.lineage.added.v1', data: { from: raw.from, to: raw.to } });
  }

  // Classifications the source's metadata implies: sent only when new to the inventory (a steward
  // who declassified one is not overruled by the next run), owned when the asset did not carry it
  // yet, so that the source withdraws it once it stops implying it (planDeletions).
  const fresh = (snapshot.classifications ?? []).filter((c) => !inventory.has(classificationKey(c.qualifiedName, c.classification)));
  const carried = await carriedDirectly(graph, fresh, existing, (qualifiedName) => {
    const [first] = normalised([{ op: 'declassify', qualifiedName, classification: '', rule: '' }]);
    return first?.op === 'declassify' ? first.qualifiedName : qualifiedName;
  });
  for (const c of snapshot.classifications ?? []) {
    const key = classificationKey(c.qualifiedName, c.classification);
    own(key, !carried.has(key));
    if (!inventory.has(key)) events.push({ key, type: 'metalake.asset.classified.v1', data: c });
  }
  // Its incidents: reported again only when they change.
  for (const incident of snapshot.incidents ?? []) {
    const key = incidentKey(incident.externalId, incident.status ?? 'OPEN');
    // A passing check resolves what this source reported open; one that never failed reports nothing.
    const news = !inventory.has(key) && (incident.status !== 'RESOLVED' || inventory.has(incidentKey(incident.externalId, 'OPEN')));
    if (news) events.push({ key, type: 'metalake.incident.reported.v1', data: { ...incident, skipUnknownAssets: true } });
    if (news || inventory.has(key)) entries.push({ key, owned: false });
  }

  const kept = new Set(entries.map((e) => e.key));
  const gone = [...inventory.values()].filter((e) => !kept.has(e.key));
  return { events, counts, inventory: entries, gone };
}

function sharedWith(
  before: AssetRecord,
  asset: { raw: AssetInput; input: AssetInput },
  owned: boolean,
  keys: readonly string[] | undefined,
): { raw: AssetInput; input: AssetInput } {
  const adjust = (a: AssetInput): AssetInput => {
    const next = { ...a };
    if (!owned && before.description !== null && before.description.length > 0) delete next.description;
    if (!owned && before.owners.length > 0) delete next.owners;
    if (keys && next.attributes && typeof next.attributes === 'object') {
      // Its own keys replace; any other key it sends only fills a gap (the value there stays).
      const given = Object.entries(next.attributes as Record<string, unknown>);
      next.attributes = {
        ...Object.fromEntries(given.filter(([k]) => !keys.includes(k))),
        ...Object.fromEntries(Object.entries(before.attributes).filter(([k]) => !keys.includes(k))),
        ...Object.fromEntries(given.filter(([k]) => keys.includes(k))),
      };
    }
    return next;
  };
  return { raw: adjust(asset.raw), input: adjust(asset.input) };
}

function lookupIn(graph: ReturnType<GraphStore['tenant']>): CatalogLookup {
  return {
    async databasesNamed(platform, name) {
      const page = await graph.listAssets({ kinds: ['DATABASE'], qualifiedNamePrefix: `${platform}://` }, { first: 1000, after: null });
      return page.items
        .map((i) => i.node)
        .filter((a) => a.name === name)
        .map((a) => a.qualifiedName);
    },
  };
}

/** The assets of these qualified names that exist, read in chunks. */
async function byNames(
  graph: ReturnType<GraphStore['tenant']>,
  names: readonly string[],
  onChunk?: (done: number) => void,
): Promise<Map<string, AssetRecord>> {
  const found = new Map<string, AssetRecord>();
  for (let i = 0; i < names.length; i += READ_CHUNK) {
    for (const a of await graph.assetsByQualifiedNames(names.slice(i, i + READ_CHUNK))) found.set(a.qualifiedName, a);
    onChunk?.(Math.min(i + READ_CHUNK, names.length));
  }
  return found;
}

/** The classification keys of these whose asset already carries the classification directly. */
async function carriedDirectly(
  graph: ReturnType<GraphStore['tenant']>,
  implied: readonly SourceClassification[],
  known: Map<string, AssetRecord>,
  nameOf: (qualifiedName: string) => string,
): Promise<Set<string>> {
  const names = new Set(implied.map((c) => nameOf(c.qualifiedName)));
  const assets = new Map([...known].filter(([qn]) => names.has(qn)));
  for (const [qn, a] of await byNames(
    graph,
    [...names].filter((qn) => !assets.has(qn)),
  ))
    assets.set(qn, a);
  const direct = new Set<string>();
  const ids = [...assets.values()].map((a) => a.id);
  for (let i = 0; i < ids.length; i += READ_CHUNK)
    for (const [id, state] of await graph.classificationStates(ids.slice(i, i + READ_CHUNK)))
      for (const d of state.direct) direct.add(`${id}\u0000${d.classification}`);
  return new Set(
    implied
      .filter((c) => direct.has(`${assets.get(nameOf(c.qualifiedName))?.id}\u0000${c.classification}`))
      .map((c) => classificationKey(c.qualifiedName, c.classification)),
  );
}

/** Of these edges (by transformed names), those the graph has through any process. */
async function presentEdges(
  graph: ReturnType<GraphStore['tenant']>,
  edges: { from: string; to: string }[],
  known: Map<string, AssetRecord>,
): Promise<Set<string>> {
  const targets = [...new Set(edges.map((e) => known.get(e.to)?.id).filter((id): id is string => id !== undefined))];
  const byId = new Map([...known.values()].map((a) => [a.id, a.qualifiedName]));
  const present = new Set<string>();
  for (let i = 0; i < targets.length; i += READ_CHUNK) {
    const upstream = await graph.edgesOf(targets.slice(i, i + READ_CHUNK), 'UPSTREAM');
    const missing = [...new Set(upstream.map((e) => e.fromId).filter((id) => !byId.has(id)))];
    for (let j = 0; j < missing.length; j += READ_CHUNK)
      for (const a of await graph.assetsByIds(missing.slice(j, j + READ_CHUNK))) byId.set(a.id, a.qualifiedName);
    for (const e of upstream) {
      const from = byId.get(e.fromId);
      const to = byId.get(e.toId);
      if (from && to) present.add(edgeKey(from, to));
    }
  }
  return present;
}

/**
 * Deletes for what the source no longer has: owned assets (the outermost of them: containment
 * cascades), except one that still contains assets the source does not own; owned edges between
 * assets that stay; and withdraws the classifications it implied on assets that stay (if a rule
 * still holds them: a person's confirmation keeps them, declassifyByRule). Incidents stay.
 */
async function planDeletions(
  graph: ReturnType<GraphStore['tenant']>,
  gone: InventoryEntry[],
  source: string,
): Promise<{ events: KeyedEvent[]; deleted: number; kept: string[]; absent: string[] }> {
  const names = gone.filter((e) => e.owned && isAssetKey(e.key)).map((e) => e.key);
  const found = await byNames(graph, names);
  const records = [...found.values()];
  const absent = names.filter((n) => !found.has(n));
  const doomed = new Set(records.map((r) => r.id));
  const kept: string[] = [];
  const events: KeyedEvent[] = [];
  let deleted = 0;
  // The outermost doomed assets first (a delete cascades to what they contain). What a doomed asset
  // contains that is not doomed belongs to another producer: it stays, and so does its container,
  // whose own doomed children are then deleted one level down.
  let candidates = records.filter((r) => r.parentId === null || !doomed.has(r.parentId));
  while (candidates.length > 0) {
    const level = candidates;
    const descendants = await graph.transaction(async (tx) => {
      const found: { r: AssetRecord; ids: string[] }[] = [];
      for (const r of level) found.push({ r, ids: await tx.descendants([r.id]) });
      return found;
    });
    candidates = [];
    for (const { r, ids } of descendants) {
      const foreign = ids.filter((id) => !doomed.has(id));
      if (foreign.length === 0) {
        deleted += 1 + ids.length;
        events.push({ key: r.qualifiedName, type: 'metalake.asset.deleted.v1', data: { qualifiedName: r.qualifiedName } });
        continue;
      }
      kept.push(
        `KEPT: ${r.qualifiedName} is gone from the source but contains ${foreign.length} asset(s) another producer wrote; delete it by hand if it should go`,
      );
      candidates.push(...records.filter((c) => c.parentId === r.id));
    }
  }
  const doomedNames = new Set(names);
  const pairs = gone.filter((g) => g.owned && isEdgeKey(g.key)).map((g) => ({ key: g.key, ...edgeOfKey(g.key) }));
  const ends = await byNames(graph, [...new Set(pairs.flatMap((p) => [p.from, p.to]))]);
  // An edge is removed by its ends (through any process): one another producer also drew through a process keeps both.
  const throughProcess = new Set<string>();
  const targets = [...new Set(pairs.map((p) => ends.get(p.to)?.id).filter((id): id is string => id !== undefined))];
  for (let i = 0; i < targets.length; i += READ_CHUNK)
    for (const e of await graph.edgesOf(targets.slice(i, i + READ_CHUNK), 'UPSTREAM'))
      if (e.processId) throughProcess.add(`${e.fromId}>${e.toId}`);
  for (const p of pairs) {
    const from = ends.get(p.from);
    const to = ends.get(p.to);
    if (doomedNames.has(p.from) || doomedNames.has(p.to)) continue;
    if (!from || !to) {
      absent.push(p.key);
      continue;
    }
    if (throughProcess.has(`${from.id}>${to.id}`)) {
      kept.push(`KEPT: lineage ${p.from} → ${p.to} is gone from the source, but another producer draws it through a process`);
      continue;
    }
    events.push({ key: p.key, type: 'metalake.lineage.removed.v1', data: { from: p.from, to: p.to } });
  }
  for (const g of gone) {
    if (!g.owned || !isClassificationKey(g.key)) continue;
    const { qualifiedName, classification } = classificationOfKey(g.key);
    if (doomedNames.has(qualifiedName)) continue;
    events.push({ key: g.key, type: 'metalake.asset.declassified.v1', data: { qualifiedName, classification, rule: `crawler:${source}` } });
  }
  return { events, deleted, kept, absent };
}

/** Hands keyed events to the gateway in batches, remembering what was refused. */
class Emitter {
  readonly refused: string[] = [];
  readonly refusedKeys = new Set<string>();
  private sequence = 0;

  constructor(
    private readonly gateway: IngestGateway,
    private readonly runId: string,
    private readonly tenant: string,
    private readonly source: string,
    private readonly batch: number,
    private readonly progress: ReadProgress,
  ) {}

  async emit(events: readonly KeyedEvent[], phase: string): Promise<void> {
    for (let i = 0; i < events.length; i += this.batch) {
      const chunk = events.slice(i, i + this.batch);
      const ids = new Map<string, string>();
      const outgoing: OutgoingEvent[] = chunk.map((e) => {
        const id = `crawl:${this.runId}:${this.sequence++}`;
        ids.set(id, e.key);
        return { id, tenant: this.tenant, source: this.source, type: e.type, data: e.data };
      });
      const submission = await this.gateway.submit(outgoing);
      for (const r of submission.refused) {
        const key = ids.get(r.id) ?? r.id;
        this.refusedKeys.add(key);
        if (this.refused.length < 100) this.refused.push(`${r.code}: ${key.split('\u0000').join(' ')}: ${r.message}`);
      }
      this.progress(phase, Math.min(i + this.batch, events.length), events.length);
    }
  }
}

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
