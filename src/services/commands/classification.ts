// Classification commands: types, direct assignments and blocks. Each steward action recomputes
// the propagation units it can affect (propagation-run.ts) in the same transaction.
import { randomUUID } from 'node:crypto';
import { Problems, badInput, notFound } from '../../domain/errors.js';
import type {
  AssetClassificationState,
  AssetRecord,
  ClassificationTypeRecord,
  ClassifyOutcome,
  HistoryChange,
} from '../../domain/model.js';
import { LIMITS, checkClassificationName, checkQualifiedName, checkText } from '../../domain/validation.js';
import type { GraphTx } from '../../store/ports/index.js';
import type { Command, CommandContext } from './command.js';
import { PropagationRun } from './propagation-run.js';

export interface ClassificationTypeInput {
  name: string;
  description?: string | null | undefined;
  propagateByDefault?: boolean | null | undefined;
  /** Masking lineage edges stop it; null or absent keeps the current setting (false for a new type). */
  maskable?: boolean | null | undefined;
}

export interface ChangeInput {
  qualifiedName: string;
  classification: string;
  /** classify only: null takes the type's default. */
  propagate: boolean | null;
}

type Action = 'classify' | 'declassify' | 'block' | 'unblock';

export const defineClassification: Command<ClassificationTypeInput, ClassificationTypeRecord> = {
  name: 'defineClassification',
  permission: 'classification:write',
  validate(input) {
    const problems = new Problems();
    checkClassificationName(problems, 'input.name', input.name);
    if (input.description)
      checkText(problems, 'input.description', input.description, LIMITS.classificationDescription, { multiline: true, allowEmpty: true });
    problems.throwIfAny('Invalid classification type');
  },
  async apply({ tx, actor, at, limits }, input) {
    const [existing] = await tx.classificationTypes([input.name]);
    const next: ClassificationTypeRecord = {
      name: input.name,
      description: input.description === undefined ? (existing?.description ?? null) : input.description,
      propagateByDefault: input.propagateByDefault ?? existing?.propagateByDefault ?? true,
      maskable: input.maskable ?? existing?.maskable ?? false,
      createdAt: existing?.createdAt ?? at,
    };
    await tx.putClassificationType(next);
    if (existing && existing.maskable !== next.maskable) {
      // Only units that reach the start of a masking edge (or start there) flow differently now.
      const starts = await tx.maskingEdgeStarts();
      const run = new PropagationRun(tx, actor.tenant, actor.subject, at, limits.maxSyncPropagation);
      await run.recompute(
        [...(await tx.propagationKeysAt(starts, 'effective', next.name)), ...(await tx.propagatingDirectAt(starts))].filter(
          (k) => k.classification === next.name,
        ),
      );
      await tx.appendEvents(await run.events());
    }
    return next;
  },
};

const change = (action: Action): Command<ChangeInput, ClassifyOutcome> => ({
  name: action,
  permission: 'classification:write',
  validate: (input) => validateChange(action, input.qualifiedName, input.classification),
  apply: (context, input) => changeIn(context, action, input),
});

export const classify = change('classify');
export const declassify = change('declassify');
export const blockPropagation = change('block');
export const unblockPropagation = change('unblock');

/**
 * A classification a tenant's rule decided (ingest transforms, connectors' tag rules): a type the
 * tenant has not defined yet is defined first, propagating by default.
 */
export const classifyByRule: Command<ChangeInput, ClassifyOutcome> = {
  name: 'classifyByRule',
  permission: 'classification:write',
  validate: (input) => validateChange('classify', input.qualifiedName, input.classification),
  async apply(context, input) {
    const [type] = await context.tx.classificationTypes([input.classification]);
    if (!type)
      await context.tx.putClassificationType({
        name: input.classification,
        description: null,
        propagateByDefault: true,
        maskable: false,
        createdAt: context.at,
      });
    return changeIn(context, 'classify', input);
  },
};

/**
 * A source no longer implies a classification its rule assigned (a dbt tag was removed): the direct
 * assignment goes if a rule made it. One a person made, or none at all, or an asset deleted since,
 * is left alone: withdrawing is the source taking back its own word, never overruling a steward.
 */
export const declassifyByRule: Command<ChangeInput, ClassifyOutcome | null> = {
  name: 'declassifyByRule',
  permission: 'classification:write',
  validate: (input) => validateChange('declassify', input.qualifiedName, input.classification),
  async apply(context, input) {
    const [asset] = await context.tx.assetsByQualifiedNames([input.qualifiedName]);
    if (!asset) return null;
    const direct = (await context.tx.classificationStates([asset.id]))
      .get(asset.id)
      ?.direct.find((d) => d.classification === input.classification);
    if (!direct || !byRule(direct.addedBy)) return null;
    return changeIn(context, 'declassify', input);
  },
};

/** Whether an actor (or an assignment's addedBy) is a tenant's rule rather than a person. */
const byRule = (subject: string): boolean => subject.startsWith('transform:');

function validateChange(action: Action, qualifiedName: string, classification: string): void {
  const problems = new Problems();
  checkQualifiedName(problems, 'qualifiedName', qualifiedName);
  checkClassificationName(problems, 'classification', classification);
  problems.throwIfAny(`Invalid ${action}`);
}

async function changeIn(
  { tx, actor, at, limits }: CommandContext,
  action: Action,
  { qualifiedName, classification, propagate }: ChangeInput,
): Promise<ClassifyOutcome> {
  const [asset] = await tx.assetsByQualifiedNames([qualifiedName]);
  if (!asset) throw notFound(`Asset ${qualifiedName} not found`);
  const [type] = await tx.classificationTypes([classification]);
  if (!type)
    throw badInput(`Classification ${classification} is not defined; define it with defineClassification first`, [
      { path: 'classification', message: 'not defined' },
    ]);
  const run = new PropagationRun(tx, actor.tenant, actor.subject, at, limits.maxSyncPropagation);
  const state = (await tx.classificationStates([asset.id])).get(asset.id);
  const changed = await applyAction(tx, run, action, asset, type, state, propagate ?? type.propagateByDefault, actor.subject, at);
  const events = await run.events();
  if (changed) {
    await tx.appendHistory([
      {
        id: randomUUID(),
        assetId: asset.id,
        qualifiedName: asset.qualifiedName,
        change: HISTORY[action],
        actor: actor.subject,
        at,
        version: asset.version,
        before: null,
        after: { classification, ...(action === 'classify' ? { propagate: propagate ?? type.propagateByDefault } : {}) },
      },
    ]);
  }
  await tx.appendEvents(events);
  return {
    asset,
    classification,
    added: events.filter((e) => e.change === 'ADDED').length,
    removed: events.filter((e) => e.change === 'REMOVED').length,
    jobs: run.jobs,
  };
}

const HISTORY: Record<Action, HistoryChange> = {
  classify: 'CLASSIFIED',
  declassify: 'DECLASSIFIED',
  block: 'PROPAGATION_BLOCKED',
  unblock: 'PROPAGATION_UNBLOCKED',
};

/** Applies one steward action and recomputes the propagation units it can affect. Returns whether anything changed. */
async function applyAction(
  tx: GraphTx,
  run: PropagationRun,
  action: Action,
  asset: AssetRecord,
  type: ClassificationTypeRecord,
  state: AssetClassificationState | undefined,
  propagate: boolean,
  actor: string,
  at: string,
): Promise<boolean> {
  const name = type.name;
  const self = { sourceId: asset.id, classification: name };
  switch (action) {
    case 'classify': {
      const existing = state?.direct.find((d) => d.classification === name);
      // A person classifying what a rule assigned adopts it: the source withdrawing its tag later leaves it (declassifyByRule).
      const adopts = existing !== undefined && byRule(existing.addedBy) && !byRule(actor);
      if (existing && existing.propagate === propagate && !adopts) return false;
      await tx.setDirect({
        assetId: asset.id,
        classification: name,
        propagate,
        addedAt: existing?.addedAt ?? at,
        addedBy: existing && !adopts ? existing.addedBy : actor,
      });
      if (!existing) run.direct(asset.id, name, 'ADDED');
      await run.recompute([self]);
      return true;
    }
    case 'declassify': {
      if (!(await tx.removeDirect(asset.id, name))) return false;
      run.direct(asset.id, name, 'REMOVED');
      await run.recompute([self]);
      return true;
    }
    case 'block': {
      if (!(await tx.setBlock({ assetId: asset.id, classification: name, addedAt: at, addedBy: actor }))) return false;
      await run.recompute(await tx.propagationKeysAt([asset.id], 'effective', name));
      return true;
    }
    case 'unblock': {
      const keys = await tx.propagationKeysAt([asset.id], 'blocked', name);
      if (!(await tx.removeBlock(asset.id, name))) return false;
      await run.recompute(keys);
      return true;
    }
  }
}
