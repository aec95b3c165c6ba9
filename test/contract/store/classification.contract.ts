// The graph store contract, classification: types, assignments, blocks, propagation rows (src/store/ports/classification.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PropagationChange } from '../../../src/store/ports/index.js';
import type { StoreContract } from './context.js';
import { assetRecord, qn, uniqueTenant } from '../../support/fixtures.js';

export function classificationContract(ctx: StoreContract): void {
  it('reaches downstream for propagation through cycles, stopping at and marking blocked assets', async () => {
    const t = uniqueTenant();
    const n = ['s', 'x', 'y', 'z', 'w'].map((x) => assetRecord('COLUMN', qn(x)));
    const [s, x, y, z, w] = n as [(typeof n)[0], (typeof n)[0], (typeof n)[0], (typeof n)[0], (typeof n)[0]];
    await ctx.write(t, async (tx) => {
      await tx.writeAssets(n);
      // s → x → y → s (cycle), y → z → w; z blocks PII.
      await tx.addEdges(
        [
          [s, x],
          [x, y],
          [y, s],
          [y, z],
          [z, w],
        ].map(([f, to]) => ({ fromId: f!.id, toId: to!.id, processId: null, masking: false })),
        'test',
        s.createdAt,
      );
      await tx.setBlock({ assetId: z.id, classification: 'PII', addedAt: s.createdAt, addedBy: 'test' });
      const reached = await tx.reach({ sourceId: s.id, classification: 'PII' });
      assert.deepEqual(
        new Map(reached.map((r) => [r.assetId, r.blocked])),
        new Map([
          [x.id, false],
          [y.id, false],
          [z.id, true],
        ]),
      );
      const other = await tx.reach({ sourceId: s.id, classification: 'GDPR' });
      assert.deepEqual(new Set(other.map((r) => r.assetId)), new Set([x.id, y.id, z.id, w.id]));
    });
  });

  it('replaces propagation rows and reports only assignments that appear or disappear', async () => {
    const t = uniqueTenant();
    const [s1, s2, x, y] = ['s1', 's2', 'x', 'y'].map((v) => assetRecord('TABLE', qn(v))) as [
      ReturnType<typeof assetRecord>,
      ReturnType<typeof assetRecord>,
      ReturnType<typeof assetRecord>,
      ReturnType<typeof assetRecord>,
    ];
    const at = s1.createdAt;
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([s1, s2, x, y]);
      const k1 = { sourceId: s1.id, classification: 'PII' };
      const k2 = { sourceId: s2.id, classification: 'PII' };
      assert.deepEqual(
        sorted(
          await tx.replacePropagation(
            k1,
            [
              { assetId: x.id, blocked: false },
              { assetId: y.id, blocked: true },
            ],
            'test',
            at,
          ),
        ),
        { appeared: [x.id], disappeared: [] },
      );
      // A second source on x: x's assignment already exists, so nothing appears.
      assert.deepEqual(sorted(await tx.replacePropagation(k2, [{ assetId: x.id, blocked: false }], 'test', at)), {
        appeared: [],
        disappeared: [],
      });
      // Unblocking y for s1 makes it appear; dropping x from s1 changes nothing, s2 still holds it.
      assert.deepEqual(sorted(await tx.replacePropagation(k1, [{ assetId: y.id, blocked: false }], 'test', at)), {
        appeared: [y.id],
        disappeared: [],
      });
      assert.deepEqual(sorted(await tx.replacePropagation(k2, [], 'test', at)), { appeared: [], disappeared: [x.id] });
      assert.deepEqual(new Set((await tx.propagationKeysAt([y.id], 'effective')).map((k) => k.sourceId)), new Set([s1.id]));
      assert.deepEqual(await tx.propagationKeysAt([x.id], 'any'), []);
    });
    const state = (await ctx.store.tenant(t).classificationStates([y.id])).get(y.id);
    assert.deepEqual(
      state?.propagated.map((p) => [p.sourceId, p.blocked]),
      [[s1.id, false]],
    );
  });

  it('bounds a reach and a replace when asked, and patches a slice of a unit', async () => {
    const t = uniqueTenant();
    const s = assetRecord('COLUMN', qn('s'));
    const targets = Array.from({ length: 6 }, (_, i) => assetRecord('COLUMN', qn(`x${i}`)));
    const key = { sourceId: s.id, classification: 'PII' };
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([s, ...targets]);
      await tx.addEdges(
        targets.map((x) => ({ fromId: s.id, toId: x.id, processId: null, masking: false })),
        'test',
        s.createdAt,
      );
      assert.equal((await tx.reach(key)).length, 6);
      // With a limit, the walk may stop early but always shows that it went past the limit.
      const limited = await tx.reach(key, 2);
      assert.ok(limited.length > 2 && limited.length <= 6);
      const all = targets.map((x) => ({ assetId: x.id, blocked: false }));
      assert.equal(await tx.replacePropagation(key, all, 'test', s.createdAt, 5), null);
      assert.deepEqual(await tx.propagationRows(key), [], 'a refused replace writes nothing');
      assert.deepEqual(
        sorted(await tx.patchPropagation(key, all.slice(0, 2), 'test', s.createdAt)),
        sorted({ appeared: [targets[0]!.id, targets[1]!.id], disappeared: [] }),
      );
      // A patch names each asset's wanted state: unchanged rows report nothing, null removes.
      const change = await tx.patchPropagation(
        key,
        [
          { assetId: targets[0]!.id, blocked: false },
          { assetId: targets[1]!.id, blocked: null },
          { assetId: targets[2]!.id, blocked: true },
        ],
        'test',
        s.createdAt,
      );
      assert.deepEqual(sorted(change), { appeared: [], disappeared: [targets[1]!.id] });
      assert.deepEqual(
        new Map((await tx.propagationRows(key)).map((r) => [r.assetId, r.blocked])),
        new Map([
          [targets[0]!.id, false],
          [targets[2]!.id, true],
        ]),
      );
      assert.deepEqual(
        sorted(await tx.replacePropagation(key, all, 'test', s.createdAt, 5)),
        sorted({ appeared: [1, 2, 3, 4, 5].map((i) => targets[i]!.id), disappeared: [] }),
      );
    });
  });

  it('keeps classification types, direct assignments and blocks per tenant', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const a = assetRecord('TABLE', qn('a'));
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a]);
      await tx.putClassificationType({
        name: 'PII',
        description: 'Personal',
        propagateByDefault: true,
        maskable: false,
        createdAt: a.createdAt,
      });
      await tx.setDirect({ assetId: a.id, classification: 'PII', propagate: true, addedAt: a.createdAt, addedBy: 'test' });
      assert.equal(await tx.setBlock({ assetId: a.id, classification: 'GDPR', addedAt: a.createdAt, addedBy: 'test' }), true);
      assert.equal(await tx.setBlock({ assetId: a.id, classification: 'GDPR', addedAt: a.createdAt, addedBy: 'test' }), false);
      assert.deepEqual(await tx.propagatingDirectAt([a.id]), [{ sourceId: a.id, classification: 'PII' }]);
    });
    const state = (await ctx.store.tenant(t).classificationStates([a.id])).get(a.id);
    assert.deepEqual(
      state?.direct.map((d) => [d.classification, d.propagate]),
      [['PII', true]],
    );
    assert.deepEqual(
      state?.blocks.map((b) => b.classification),
      ['GDPR'],
    );
    assert.deepEqual(
      (await ctx.store.tenant(t).classificationTypes()).map((c) => c.name),
      ['PII'],
    );
    assert.deepEqual(await ctx.store.tenant(other).classificationTypes(), []);
    assert.equal((await ctx.store.tenant(t).classificationCounts()).get('PII')?.direct, 1);
    assert.equal((await ctx.store.tenant(other).classificationStates([a.id])).size, 0);
    await ctx.write(t, async (tx) => {
      assert.equal(await tx.removeDirect(a.id, 'PII'), true);
      assert.equal(await tx.removeDirect(a.id, 'PII'), false);
      assert.equal(await tx.removeBlock(a.id, 'GDPR'), true);
    });
  });
}

function sorted(c: PropagationChange | null): PropagationChange {
  assert.ok(c, 'an unbounded replace always applies');
  return { appeared: [...c.appeared].sort(), disappeared: [...c.disappeared].sort() };
}
