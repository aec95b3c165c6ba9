// Ingestion: applies validated inbound events (from Kafka workers, HTTP sources, the import CLI)
// through the same rules as the GraphQL mutations. Idempotent by event id (the id is recorded in
// the transaction that applies the event, so a redelivery is skipped) and by natural keys (the
// operations themselves are idempotent). Consecutive operations of one kind are merged, so a
// batch of 1,000 upserts is one store write, not 1,000.
//
// Each command runs as a system actor (domain/auth.ts): `ingest` with the producing source as its
// subject, or `transform` for what a tenant's rule decided, so the grants of both are checked on
// every write like a user's roles.
import { type SystemActor, systemActor } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';
import type { IngestCommand, IngestItem } from '../domain/commands.js';
import { isTransient } from '../store/errors.js';
import type { GraphTx } from '../store/ports/index.js';
import { deleteAssets, upsertAssets } from './commands/assets.js';
import { classifyByRule, declassifyByRule } from './commands/classification.js';
import { type Command, execute } from './commands/command.js';
import { claimEvents } from './commands/events.js';
import { reportIncident } from './commands/incidents.js';
import { addLineage, removeLineage } from './commands/lineage.js';
import { reportRun } from './commands/runs.js';
import type { ServiceDeps } from './deps.js';
import type { TransformRules } from './transforms.js';

export type { IngestCommand, IngestItem } from '../domain/commands.js';

export type IngestOutcome =
  | { status: 'applied' }
  | { status: 'duplicate' }
  /** Something it refers to does not exist yet (e.g. a column whose table is still on the other lane): try again later. */
  | { status: 'deferred'; reason: string }
  | { status: 'rejected'; code: string; message: string };

type Op = IngestCommand['op'];

/** A run of consecutive commands of one kind and one actor, applied with one command. */
interface Run {
  op: Op;
  /** `ingest:<source>` or `transform:<rule>`. */
  actor: string;
  commands: IngestCommand[];
}

export class IngestService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly transforms: TransformRules,
  ) {}

  /**
   * Applies items in order. Infrastructure failures (store unreachable) throw, and nothing of the
   * batch is applied; every other outcome is per item.
   */
  async apply(items: readonly IngestItem[], options: { atomic?: boolean } = {}): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length);
    const byTenant = new Map<string, number[]>();
    items.forEach((item, i) => {
      const list = byTenant.get(item.tenant) ?? [];
      list.push(i);
      byTenant.set(item.tenant, list);
    });
    for (const [tenant, indexes] of byTenant) {
      const prepared = indexes.map((i) => ({ index: i, item: this.transforms.apply(items[i]!) }));
      // The whole group in one transaction; if one item is refused, each item alone, so that
      // one bad event costs its own rejection and not its neighbours'.
      try {
        const result = await this.applyInOne(
          tenant,
          prepared.map((p) => p.item),
          options.atomic ?? false,
        );
        prepared.forEach((p, k) => {
          outcomes[p.index] = result[k]!;
        });
      } catch (error) {
        // A store failure (a concurrent writer's conflict included) is not the items' fault: the caller retries them.
        if (!(error instanceof DomainError) || isTransient(error)) throw error;
        // All or nothing when asked (an HTTP source in embedded mode answers for the whole request).
        if (options.atomic || prepared.length === 1) {
          for (const p of prepared) outcomes[p.index] = rejected(error);
          continue;
        }
        for (const p of prepared) {
          try {
            outcomes[p.index] = (await this.applyInOne(tenant, [p.item], false))[0]!;
          } catch (single) {
            if (!(single instanceof DomainError) || isTransient(single)) throw single;
            outcomes[p.index] = rejected(single);
          }
        }
      }
    }
    return outcomes;
  }

  private applyInOne(tenant: string, items: readonly IngestItem[], atomic: boolean): Promise<IngestOutcome[]> {
    return this.deps.store.tenant(tenant).transaction(async (tx) => {
      const outcomes: IngestOutcome[] = items.map(() => ({ status: 'applied' }));
      // Deferred items are not claimed: their retry must find them unclaimed.
      const missing = await this.missingReferences(tx, items);
      const ready: number[] = [];
      items.forEach((_, k) => {
        const reason = missing[k];
        if (reason && atomic) throw new DomainError('BAD_USER_INPUT', `Event ${items[k]!.eventId}: ${reason}`);
        if (reason) outcomes[k] = { status: 'deferred', reason };
        else ready.push(k);
      });
      const claimer = systemActor('ingest', tenant, 'ingest');
      const duplicates = new Set(
        await execute(claimEvents, { actor: claimer, tx, input: ready.map((k) => items[k]!.eventId) }, this.deps.limits),
      );
      const seen = new Set<string>();
      const runnable = ready.filter((k) => {
        const id = items[k]!.eventId;
        // The same id twice in one batch is a duplicate too.
        const duplicate = duplicates.has(id) || seen.has(id);
        seen.add(id);
        if (duplicate) outcomes[k] = { status: 'duplicate' };
        return !duplicate;
      });
      for (const run of runs(
        runnable.map((k) => items[k]!),
        this.deps.limits.maxBatch,
      ))
        await this.execute(tx, tenant, run);
      return outcomes;
    });
  }

  /** Per item: the first asset it needs that neither exists nor is created earlier in the batch. */
  private async missingReferences(tx: GraphTx, items: readonly IngestItem[]): Promise<(string | null)[]> {
    const needs = (c: IngestCommand): string[] => {
      switch (c.op) {
        case 'upsertAsset':
          return c.input.parentQualifiedName ? [c.input.parentQualifiedName] : [];
        case 'addLineage':
          return [c.edge.from, c.edge.to, ...(c.edge.process ? [c.edge.process] : [])];
        case 'reportRun':
          return [c.report.job, ...c.report.inputs, ...c.report.outputs, ...c.report.edges.flatMap((e) => [e.from, e.to])];
        // A classify follows its own upsert; the others report what is missing themselves.
        case 'classify':
        case 'declassify':
        case 'deleteAsset':
        case 'removeLineage':
        case 'reportIncident':
          return [];
      }
    };
    const wanted = [...new Set(items.flatMap((i) => i.commands.flatMap(needs)))];
    const known = new Set(wanted.length > 0 ? (await tx.assetsByQualifiedNames(wanted)).map((a) => a.qualifiedName) : []);
    return items.map((item) => {
      // An item's own upserts count for its later commands (a table, then its columns); a
      // deferred item's upserts do not count for the items after it.
      const mine = new Set<string>();
      for (const c of item.commands) {
        const absent = needs(c).find((qn) => !known.has(qn) && !mine.has(qn));
        if (absent !== undefined) return `${absent} does not exist (yet)`;
        if (c.op === 'upsertAsset') mine.add(c.input.qualifiedName);
      }
      mine.forEach((qn) => known.add(qn));
      return null;
    });
  }

  private async execute(tx: GraphTx, tenant: string, run: Run): Promise<void> {
    const actor: SystemActor = systemActor(run.op === 'classify' || run.op === 'declassify' ? 'transform' : 'ingest', tenant, run.actor);
    const { limits } = this.deps;
    const exec = <I, O>(command: Command<I, O>, input: I) => execute(command, { actor, tx, input }, limits);
    switch (run.op) {
      case 'upsertAsset': {
        const commands = run.commands as Extract<IngestCommand, { op: 'upsertAsset' }>[];
        const keep = commands.filter((c) => c.keepExistingKind).map((c) => c.input.qualifiedName);
        const kinds = new Map(keep.length > 0 ? (await tx.assetsByQualifiedNames(keep)).map((a) => [a.qualifiedName, a.kind]) : []);
        await exec(
          upsertAssets,
          commands.map((c) =>
            c.keepExistingKind && kinds.has(c.input.qualifiedName) ? { ...c.input, kind: kinds.get(c.input.qualifiedName)! } : c.input,
          ),
        );
        return;
      }
      case 'deleteAsset':
        await exec(deleteAssets, [...new Set(run.commands.map((c) => (c as Extract<IngestCommand, { op: 'deleteAsset' }>).qualifiedName))]);
        return;
      case 'addLineage':
        await exec(
          addLineage,
          run.commands.map((c) => (c as Extract<IngestCommand, { op: 'addLineage' }>).edge),
        );
        return;
      case 'removeLineage':
        await exec(
          removeLineage,
          run.commands.map((c) => (c as Extract<IngestCommand, { op: 'removeLineage' }>).edge),
        );
        return;
      case 'reportIncident':
        for (const c of run.commands as Extract<IngestCommand, { op: 'reportIncident' }>[]) {
          let input = c.input;
          if (c.skipUnknownAssets) {
            const known = new Set((await tx.assetsByQualifiedNames(input.assetQualifiedNames)).map((a) => a.qualifiedName));
            input = { ...input, assetQualifiedNames: input.assetQualifiedNames.filter((qn) => known.has(qn)) };
            if (input.assetQualifiedNames.length === 0)
              throw new DomainError(
                'NOT_FOUND',
                `Incident ${c.input.externalId}: none of its assets is known (${c.input.assetQualifiedNames.join(', ')})`,
              );
          }
          await exec(reportIncident, input);
        }
        return;
      case 'classify':
        for (const c of run.commands as Extract<IngestCommand, { op: 'classify' }>[]) {
          await exec(classifyByRule, { qualifiedName: c.qualifiedName, classification: c.classification, propagate: c.propagate });
        }
        return;
      case 'declassify':
        for (const c of run.commands as Extract<IngestCommand, { op: 'declassify' }>[]) {
          await exec(declassifyByRule, { qualifiedName: c.qualifiedName, classification: c.classification, propagate: null });
        }
        return;
      case 'reportRun':
        for (const c of run.commands as Extract<IngestCommand, { op: 'reportRun' }>[]) await exec(reportRun, c.report);
        return;
    }
  }
}

const rejected = (error: DomainError): IngestOutcome => ({
  status: 'rejected',
  code: error.code,
  message:
    error.problems.length > 0 ? `${error.message}: ${error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` : error.message,
});

/**
 * Splits commands into runs of one kind and actor, in order. An upsert run also breaks where a
 * qualified name repeats (one upsert call takes each name once) and at the batch limit.
 */
export function runs(items: readonly IngestItem[], maxBatch: number): Run[] {
  const result: Run[] = [];
  let current: Run | null = null;
  let names = new Set<string>();
  for (const item of items) {
    for (const command of item.commands) {
      // History shows who changed what: the producing source, or the tenant's transform rule.
      const actor = command.op === 'classify' || command.op === 'declassify' ? `transform:${command.rule}` : `ingest:${item.source}`;
      const name = command.op === 'upsertAsset' ? command.input.qualifiedName : null;
      if (
        !current ||
        current.op !== command.op ||
        current.actor !== actor ||
        current.commands.length >= maxBatch ||
        (name !== null && names.has(name))
      ) {
        current = { op: command.op, actor, commands: [] };
        names = new Set();
        result.push(current);
      }
      current.commands.push(command);
      if (name !== null) names.add(name);
    }
  }
  return result;
}
