// The graph store contract, runs (src/store/ports/runs.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { GraphTx } from '../../../src/store/ports/index.js';
import type { StoreContract } from './context.js';
import { qn, uniqueTenant } from '../../support/fixtures.js';

export function runsContract(ctx: StoreContract): void {
  it('keeps reported runs per tenant, applies concurrent events of one run one after the other, and purges old runs', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const key = `openlineage:${randomUUID()}`;
    // Dated long ago, so the purge below touches no other test's runs.
    const at = '2000-01-01T00:00:00.000Z';
    await ctx.write(t, async (tx) => {
      assert.equal(await tx.lockRun(key), null);
    });
    // Five events of one run at once, each a read-modify-write of the run: none is lost.
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        ctx.write(t, async (tx) => {
          const current = await tx.lockRun(key);
          await tx.putRun({
            key,
            job: qn('job'),
            state: 'PENDING',
            inputs: [...(current?.inputs ?? []), name],
            outputs: [],
            edges: [{ from: qn(name), to: qn('out') }, ...(current?.edges ?? [])],
            updatedAt: at,
          });
        }),
      ),
    );
    let seen: Awaited<ReturnType<GraphTx['lockRun']>> = null;
    await ctx.write(t, async (tx) => {
      seen = await tx.lockRun(key);
    });
    assert.deepEqual([...seen!.inputs].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(seen!.edges.length, 5);
    assert.deepEqual(
      { ...seen!, inputs: [], edges: [] },
      { key, job: qn('job'), state: 'PENDING', inputs: [], outputs: [], edges: [], updatedAt: at },
    );
    await ctx.write(other, async (tx) => {
      assert.equal(await tx.lockRun(key), null);
    });
    // Purged once older than the cutoff; a newer run stays.
    const fresh = `openlineage:${randomUUID()}`;
    await ctx.write(t, (tx) =>
      tx.putRun({
        key: fresh,
        job: qn('job'),
        state: 'CONFIRMED',
        inputs: [],
        outputs: [],
        edges: [],
        updatedAt: '2000-01-02T00:00:00.000Z',
      }),
    );
    assert.ok((await ctx.store.purgeRuns('2000-01-01T12:00:00.000Z')) >= 1);
    await ctx.write(t, async (tx) => {
      assert.equal(await tx.lockRun(key), null);
      assert.equal((await tx.lockRun(fresh))?.state, 'CONFIRMED');
    });
  });
}
