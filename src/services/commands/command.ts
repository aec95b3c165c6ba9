// Commands: every write metalake makes is one of them. A command names the permission it needs,
// checks its input once (before any read), and applies itself in a transaction of its actor's
// tenant, where it writes its records, history and outbox events together. `prepare` is the only
// way to run one, and it authorizes the actor first, so no code path writes without an actor
// check: a user (the verified viewer) or a system actor with the grants of domain/auth.ts.
//
// The lint gate holds the other end: outside this folder and the store adapters, nothing may call
// a transaction's writers (eslint.config.js, `no-restricted-syntax`).
import { type Actor, type Permission, authorize } from '../../domain/auth.js';
import { DomainError } from '../../domain/errors.js';
import type { GraphTx } from '../../store/ports/index.js';
import { type ServiceDeps, type ServiceLimits, now } from '../deps.js';

export interface CommandContext {
  readonly actor: Actor;
  readonly tx: GraphTx;
  readonly limits: ServiceLimits;
  /** When the command runs: what its records and events say. */
  readonly at: string;
  /** Runs another command in the same transaction as the same actor, who must hold its permission too. */
  run<I, O>(command: Command<I, O>, input: I): Promise<O>;
}

export interface Command<I, O> {
  /** What logs and errors call it. */
  readonly name: string;
  readonly permission: Permission;
  /** Checks the input alone (no reads): throws BAD_USER_INPUT naming every problem. */
  validate(input: I, limits: ServiceLimits): void;
  apply(context: CommandContext, input: I): Promise<O>;
}

/** A command authorized for its actor and with its input checked, ready to run in a transaction. */
export interface Prepared<O> {
  readonly actor: Actor;
  run(tx: GraphTx): Promise<O>;
}

export function prepare<I, O>(command: Command<I, O>, actor: Actor | null, input: I, limits: ServiceLimits): Prepared<O> {
  const authorized = authorize(actor, command.permission);
  command.validate(input, limits);
  return {
    actor: authorized,
    async run(tx) {
      if (tx.tenant !== authorized.tenant) {
        throw new DomainError('FORBIDDEN', `${command.name}: ${authorized.subject} acts for tenant ${authorized.tenant}, not ${tx.tenant}`);
      }
      return command.apply(contextOf(authorized, tx, limits), input);
    },
  };
}

/** Runs a command in a transaction the caller holds (ingestion runs several in one). */
export async function execute<I, O>(
  command: Command<I, O>,
  call: { actor: Actor; tx: GraphTx; input: I },
  limits: ServiceLimits,
): Promise<O> {
  return prepare(command, call.actor, call.input, limits).run(call.tx);
}

/** What a service's write method is: authorize, open the actor's tenant's transaction, run the command. */
export async function write<I, O>(deps: ServiceDeps, actor: Actor | null, command: Command<I, O>, input: I): Promise<O> {
  const prepared = prepare(command, actor, input, deps.limits);
  return deps.store.tenant(prepared.actor.tenant).transaction((tx) => prepared.run(tx));
}

function contextOf(actor: Actor, tx: GraphTx, limits: ServiceLimits): CommandContext {
  return {
    actor,
    tx,
    limits,
    at: now(),
    run: (command, input) => execute(command, { actor, tx, input }, limits),
  };
}

/** For commands whose input the type system and the store already bound. */
export const noValidation = (): void => undefined;
