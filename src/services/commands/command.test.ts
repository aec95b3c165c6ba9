// Every write is a command that checks its actor: users by their roles, system actors by the
// grants of domain/auth.ts, and every actor only in its own tenant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Actor, type Permission, type Role, type System, SYSTEMS, can, systemActor } from '../../domain/auth.js';
import { DomainError } from '../../domain/errors.js';
import type { GraphStore } from '../../store/ports/index.js';
import { type StoreHandle, embeddedFactory, uniqueTenant, viewerOf } from '../../../test/support/fixtures.js';
import * as assets from './assets.js';
import * as classification from './classification.js';
import { type Command, execute, prepare } from './command.js';
import * as events from './events.js';
import * as incidents from './incidents.js';
import * as lineage from './lineage.js';
import * as propagationJobs from './propagation-jobs.js';
import * as runs from './runs.js';

const LIMITS = { maxBatch: 100, maxLineageDepth: 5, maxLineageNodes: 100, maxLineageEdges: 100 };

type AnyCommand = Command<unknown, unknown>;
const isCommand = (value: unknown): value is AnyCommand =>
  typeof value === 'object' && value !== null && 'permission' in value && 'apply' in value && 'validate' in value;
/** Every command there is: a new one is covered here without being listed. */
const COMMANDS: AnyCommand[] = [assets, classification, events, incidents, lineage, propagationJobs, runs].flatMap((m) =>
  Object.values(m).filter(isCommand),
);

const refusal = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describe('commands check their actor', () => {
  let handle: StoreHandle;
  let store: GraphStore;
  before(async () => {
    handle = await embeddedFactory.open();
    store = handle.store;
  });
  after(() => handle.close());

  it('covers every command module (a positive control for the sweeps below)', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const expected of [
      'upsertAssets',
      'deleteAssets',
      'addLineage',
      'removeLineage',
      'defineClassification',
      'classify',
      'declassify',
      'block',
      'unblock',
      'classifyByRule',
      'reportIncident',
      'updateIncidentStatus',
      'reportRun',
      'claimEvents',
      'applyPropagationChunk',
      'finishPropagationJob',
    ]) {
      assert.ok(names.includes(expected), `${expected} is a command`);
    }
  });

  it('refuses every command to an anonymous caller and to an actor without its permission, before reading its input', () => {
    const actors: Actor[] = [
      ...(['viewer', 'editor', 'steward', 'ingest', 'admin'] as Role[]).map((r) => viewerOf('acme', r)),
      ...SYSTEMS.map((s: System) => systemActor(s, 'acme', `${s}:test`)),
    ];
    for (const command of COMMANDS) {
      assert.throws(() => prepare(command, null, undefined, LIMITS), refusal('UNAUTHENTICATED'), command.name);
      for (const actor of actors) {
        // Without the grant, the input is never looked at: `undefined` would fail any validation.
        if (!can(actor, command.permission))
          assert.throws(() => prepare(command, actor, undefined, LIMITS), refusal('FORBIDDEN'), `${command.name} as ${actor.subject}`);
      }
    }
  });

  it('grants system actors only their own work', () => {
    const grants = (system: System): Permission[] =>
      COMMANDS.map((c) => c.permission).filter((p, i, all) => all.indexOf(p) === i && can(systemActor(system, 't', 's'), p));
    assert.deepEqual(grants('transform').sort(), ['classification:write']);
    assert.deepEqual(grants('propagation').sort(), ['propagation:run']);
    assert.ok(!grants('ingest').includes('classification:write'), 'ingest may not classify: its classifications come from transform rules');
    assert.ok(!grants('ingest').includes('propagation:run'));
  });

  it('writes nothing for a refused actor, and the same write as a granted one succeeds', async () => {
    const tenant = uniqueTenant();
    const input = [{ qualifiedName: `pg://h/${tenant}`, kind: 'DATABASE' }];
    const graph = store.tenant(tenant);
    for (const actor of [
      viewerOf(tenant, 'viewer'),
      systemActor('transform', tenant, 'transform:rule'),
      systemActor('propagation', tenant, 'x'),
    ]) {
      await assert.rejects(
        graph.transaction((tx) => execute(assets.upsertAssets, { actor, tx, input }, LIMITS)),
        refusal('FORBIDDEN'),
      );
    }
    assert.equal(await graph.countAssets({}), 0);
    await graph.transaction((tx) =>
      execute(assets.upsertAssets, { actor: systemActor('ingest', tenant, 'ingest:test'), tx, input }, LIMITS),
    );
    const [written] = await graph.assetsByQualifiedNames([input[0]!.qualifiedName]);
    assert.equal(written?.version, 1);
    const [entry] = (await graph.history(written.id, { first: 1, after: null })).items;
    assert.equal(entry?.node.actor, 'ingest:test', 'history names the system actor');
  });

  it('keeps every actor in its own tenant', async () => {
    const mine = uniqueTenant('mine');
    const theirs = uniqueTenant('theirs');
    const input = [{ qualifiedName: `pg://h/${theirs}`, kind: 'DATABASE' }];
    for (const actor of [viewerOf(mine, 'admin'), systemActor('ingest', mine, 'ingest:test')]) {
      await assert.rejects(
        store.tenant(theirs).transaction((tx) => execute(assets.upsertAssets, { actor, tx, input }, LIMITS)),
        (error) => refusal('FORBIDDEN')(error) && /acts for tenant/.test((error as Error).message),
      );
    }
    assert.equal(await store.tenant(theirs).countAssets({}), 0);
  });

  it('checks the actor again for a command run inside another', async () => {
    const tenant = uniqueTenant();
    const qualifiedName = `pg://h/${tenant}`;
    // A command the transform actor may run, which runs one it may not.
    const sneaky: Command<null, unknown> = {
      name: 'sneaky',
      permission: 'classification:write',
      validate: () => undefined,
      apply: (context) => context.run(assets.upsertAssets, [{ qualifiedName, kind: 'DATABASE' }]),
    };
    const actor = systemActor('transform', tenant, 'transform:rule');
    await assert.rejects(
      store.tenant(tenant).transaction((tx) => execute(sneaky, { actor, tx, input: null }, LIMITS)),
      refusal('FORBIDDEN'),
    );
    assert.equal(await store.tenant(tenant).countAssets({}), 0);
  });

  it('lets a transform rule classify (defining the type) where the ingest actor may not', async () => {
    const tenant = uniqueTenant();
    const qualifiedName = `pg://h/${tenant}`;
    const graph = store.tenant(tenant);
    await graph.transaction((tx) =>
      execute(
        assets.upsertAssets,
        { actor: systemActor('ingest', tenant, 'ingest:test'), tx, input: [{ qualifiedName, kind: 'DATABASE' }] },
        LIMITS,
      ),
    );
    const input = { qualifiedName, classification: 'PII', propagate: null };
    await assert.rejects(
      graph.transaction((tx) =>
        execute(classification.classifyByRule, { actor: systemActor('ingest', tenant, 'ingest:test'), tx, input }, LIMITS),
      ),
      refusal('FORBIDDEN'),
    );
    assert.deepEqual(await graph.classificationTypes(), []);
    const outcome = await graph.transaction((tx) =>
      execute(classification.classifyByRule, { actor: systemActor('transform', tenant, 'transform:pii'), tx, input }, LIMITS),
    );
    assert.equal(outcome.added, 1);
    assert.deepEqual(
      (await graph.classificationTypes()).map((t) => t.name),
      ['PII'],
    );
  });

  it('validates an authorized input once, before the transaction opens', () => {
    const actor = viewerOf('acme', 'editor');
    assert.throws(
      () => prepare(assets.upsertAssets, actor, [{ qualifiedName: '', kind: 'NOPE' }], LIMITS),
      (error) => refusal('BAD_USER_INPUT')(error) && (error as DomainError).problems.length === 2,
    );
  });
});
