// The graph store contract, assets: records, containment, history (src/store/ports/assets.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { DomainError } from '../../../src/domain/errors.js';
import { type StoreContract, page } from './context.js';
import { assetRecord, qn, uniqueTenant, changeEvent } from '../../support/fixtures.js';

export function assetsContract(ctx: StoreContract): void {
  it('writes and reads assets by id and by qualified name', async () => {
    const t = uniqueTenant();
    const a = assetRecord('TABLE', qn('orders'), {
      owners: ['x@acme.io'],
      attributes: { rows: 3, nested: { ok: true } },
      description: 'Orders',
    });
    await ctx.write(t, (tx) => tx.writeAssets([a]));
    assert.deepEqual(await ctx.store.tenant(t).assetsByIds([a.id]), [a]);
    assert.deepEqual(await ctx.store.tenant(t).assetsByQualifiedNames([a.qualifiedName]), [a]);
    assert.deepEqual(await ctx.store.tenant(t).assetsByIds([randomUUID()]), []);
  });

  it('reads an asset view: the asset with its parent and classification state, as the separate reads answer them', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const db = assetRecord('DATABASE', qn('viewdb'));
    const table = assetRecord('TABLE', qn('viewdb.orders'), { parentId: db.id });
    const source = assetRecord('TABLE', qn('viewdb.raw'), { parentId: db.id });
    const at = table.createdAt;
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([db, source, table]);
      await tx.setDirect({ assetId: table.id, classification: 'GDPR', propagate: true, addedAt: at, addedBy: 'test' });
      await tx.setDirect({ assetId: table.id, classification: 'CONFIDENTIAL', propagate: false, addedAt: at, addedBy: 'test' });
      await tx.setBlock({ assetId: table.id, classification: 'SOX', addedAt: at, addedBy: 'test' });
      await tx.replacePropagation({ sourceId: source.id, classification: 'PII' }, [{ assetId: table.id, blocked: false }], 'test', at);
    });
    const graph = ctx.store.tenant(t);
    const state = (await graph.classificationStates([table.id])).get(table.id)!;
    assert.deepEqual(
      state.direct.map((d) => d.classification),
      ['CONFIDENTIAL', 'GDPR'],
    );
    const expected = { asset: table, parent: db, classifications: state };
    assert.deepEqual(await graph.assetView({ qualifiedName: table.qualifiedName }), expected);
    assert.deepEqual(await graph.assetView({ id: table.id }), expected);
    // A root with no classifications: no parent, and an empty state.
    assert.deepEqual(await graph.assetView({ id: db.id }), {
      asset: db,
      parent: null,
      classifications: { direct: [], propagated: [], blocks: [] },
    });
    assert.equal(await graph.assetView({ qualifiedName: qn('viewdb.missing') }), null);
    assert.equal(await ctx.store.tenant(other).assetView({ id: table.id }), null);
    assert.equal(await ctx.store.tenant(other).assetView({ qualifiedName: table.qualifiedName }), null);
  });

  it('reads classified assets: the ones that exist, each once, with the state the separate reads answer', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const tagged = assetRecord('TABLE', qn('classified.orders'));
    const plain = assetRecord('TABLE', qn('classified.plain'));
    const at = tagged.createdAt;
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([tagged, plain]);
      await tx.setDirect({ assetId: tagged.id, classification: 'GDPR', propagate: true, addedAt: at, addedBy: 'test' });
      await tx.setBlock({ assetId: tagged.id, classification: 'SOX', addedAt: at, addedBy: 'test' });
      await tx.replacePropagation({ sourceId: plain.id, classification: 'PII' }, [{ assetId: tagged.id, blocked: false }], 'test', at);
    });
    const graph = ctx.store.tenant(t);
    const state = (await graph.classificationStates([tagged.id])).get(tagged.id)!;
    const found = await graph.classifiedAssets([plain.id, tagged.id, randomUUID(), tagged.id]);
    assert.deepEqual(
      [...found].sort((a, b) => a.asset.qualifiedName.localeCompare(b.asset.qualifiedName)),
      [
        { asset: tagged, classifications: state },
        { asset: plain, classifications: { direct: [], propagated: [], blocks: [] } },
      ],
    );
    // Inside a transaction, its own writes are read.
    await ctx.write(t, async (tx) => {
      await tx.removeBlock(tagged.id, 'SOX');
      const [seen] = await tx.classifiedAssets([tagged.id]);
      assert.deepEqual(seen?.classifications.blocks, []);
    });
    assert.deepEqual(await graph.classifiedAssets([]), []);
    assert.deepEqual(await ctx.store.tenant(other).classifiedAssets([tagged.id, plain.id]), []);
  });

  it('isolates tenants: the same qualified name lives in two tenants, neither sees the other', async () => {
    const [t1, t2] = [uniqueTenant(), uniqueTenant()];
    const a1 = assetRecord('TABLE', qn('shared'));
    const a2 = assetRecord('TABLE', qn('shared'));
    await ctx.write(t1, (tx) => tx.writeAssets([a1]));
    await ctx.write(t2, (tx) => tx.writeAssets([a2]));
    assert.deepEqual(
      (await ctx.store.tenant(t1).assetsByQualifiedNames([qn('shared')])).map((a) => a.id),
      [a1.id],
    );
    assert.deepEqual(await ctx.store.tenant(t2).assetsByIds([a1.id]), []);
    assert.equal(await ctx.store.tenant(t2).countAssets({}), 1);
  });

  it('refuses a second asset with a taken qualified name as CONFLICT, and writes nothing', async () => {
    const t = uniqueTenant();
    await ctx.write(t, (tx) => tx.writeAssets([assetRecord('TABLE', qn('dup'))]));
    await assert.rejects(
      ctx.write(t, (tx) => tx.writeAssets([assetRecord('TABLE', qn('other')), assetRecord('TABLE', qn('dup'))])),
      (e: unknown) => e instanceof DomainError && e.code === 'CONFLICT',
    );
    assert.equal(await ctx.store.tenant(t).countAssets({}), 1);
  });

  it('rolls back everything, outbox events included, when the work fails', async () => {
    const t = uniqueTenant();
    const mine = async () => (await ctx.store.outbox.pending(100_000)).filter((e) => e.event.tenant === t).length;
    await assert.rejects(
      ctx.write(t, async (tx) => {
        await tx.writeAssets([assetRecord('TABLE', qn('ghost'))]);
        await tx.appendEvents([changeEvent(t)]);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await ctx.store.tenant(t).countAssets({}), 0);
    assert.equal(await mine(), 0);
  });

  it('lists with filters and keyset pagination, and counts', async () => {
    const t = uniqueTenant();
    const db = assetRecord('DATABASE', 'pg://h/db');
    const tables = ['a', 'b', 'c', 'd', 'e'].map((n) =>
      assetRecord('TABLE', `pg://h/db.${n}`, { parentId: db.id, owners: n < 'c' ? ['ann'] : ['bob'] }),
    );
    await ctx.write(t, (tx) => tx.writeAssets([db, ...tables, assetRecord('TABLE', 'other://x/y')]));
    const graph = ctx.store.tenant(t);
    const p1 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2));
    assert.deepEqual(
      p1.items.map((i) => i.node.name),
      ['a', 'b'],
    );
    assert.equal(p1.hasNextPage, true);
    const p2 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2, p1.items.at(-1)!.cursor));
    assert.deepEqual(
      p2.items.map((i) => i.node.name),
      ['c', 'd'],
    );
    const p3 = await graph.listAssets({ qualifiedNamePrefix: 'pg://h/db.' }, page(2, p2.items.at(-1)!.cursor));
    assert.deepEqual(
      p3.items.map((i) => i.node.name),
      ['e'],
    );
    assert.equal(p3.hasNextPage, false);
    assert.equal(await graph.countAssets({ kinds: ['TABLE'] }), 6);
    assert.equal(await graph.countAssets({ parentId: db.id }), 5);
    assert.equal(await graph.countAssets({ owner: 'ann' }), 2);
    assert.equal(await graph.countAssets({ kinds: ['DATABASE'], qualifiedNamePrefix: 'pg://' }), 1);
  });

  it('finds containment descendants transitively, and deletes assets with everything attached', async () => {
    const t = uniqueTenant();
    const db = assetRecord('DATABASE', 'pg://h/db');
    const schema = assetRecord('SCHEMA', 'pg://h/db.s', { parentId: db.id });
    const table = assetRecord('TABLE', 'pg://h/db.s.t', { parentId: schema.id });
    const col = assetRecord('COLUMN', 'pg://h/db.s.t.c', { parentId: table.id });
    const other = assetRecord('TABLE', 'pg://h/other');
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([db, schema, table, col, other]);
      await tx.addEdges([{ fromId: table.id, toId: other.id, processId: null, masking: false }], 'test', table.createdAt);
    });
    await ctx.write(t, async (tx) => {
      assert.deepEqual(new Set(await tx.descendants([db.id])), new Set([schema.id, table.id, col.id]));
      assert.deepEqual(await tx.childNames([table.id, schema.id, other.id], ['COLUMN']), new Map([[table.id, ['c']]]));
      assert.deepEqual(await tx.childNames([schema.id], ['TABLE', 'VIEW']), new Map([[schema.id, ['t']]]));
      await tx.deleteAssets([table.id, col.id]);
    });
    assert.equal(await ctx.store.tenant(t).countAssets({}), 3);
    assert.deepEqual(await ctx.store.tenant(t).edgesOf([other.id], 'UPSTREAM'), []);
  });

  it('pages history newest first', async () => {
    const t = uniqueTenant();
    const a = assetRecord('TABLE', qn('a'));
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a]);
      await tx.appendHistory(
        [1, 2, 3].map((v) => ({
          id: randomUUID(),
          assetId: a.id,
          qualifiedName: a.qualifiedName,
          change: v === 1 ? ('CREATED' as const) : ('UPDATED' as const),
          actor: 'ann',
          at: a.createdAt,
          version: v,
          before: v === 1 ? null : { v: v - 1 },
          after: { v },
        })),
      );
    });
    const p1 = await ctx.store.tenant(t).history(a.id, page(2));
    assert.deepEqual(
      p1.items.map((i) => i.node.version),
      [3, 2],
    );
    assert.deepEqual(p1.items[0]?.node.after, { v: 3 });
    const p2 = await ctx.store.tenant(t).history(a.id, page(2, p1.items.at(-1)!.cursor));
    assert.deepEqual(
      p2.items.map((i) => i.node.version),
      [1],
    );
    assert.equal(p2.hasNextPage, false);
    assert.equal((await ctx.store.tenant(uniqueTenant()).history(a.id, page(5))).items.length, 0);
  });
}
