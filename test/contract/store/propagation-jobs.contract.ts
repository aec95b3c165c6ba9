// The graph store contract, propagation jobs: one per unit, leased (src/store/ports/propagation-jobs.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { StoreContract } from './context.js';
import { uniqueTenant } from '../../support/fixtures.js';

export function propagationJobsContract(ctx: StoreContract): void {
  it('keeps one background job per propagation unit: enqueue restarts it, progress reports its generation', async () => {
    const [t, other] = [uniqueTenant(), uniqueTenant()];
    const key = { sourceId: randomUUID(), classification: 'PII' };
    const at = new Date().toISOString();
    const first = await ctx.store.tenant(t).transaction((tx) => tx.enqueuePropagation(key, randomUUID(), 'alice', at));
    assert.deepEqual(
      { ...first, id: 'x' },
      {
        id: 'x',
        ...key,
        status: 'PENDING',
        generation: 1,
        total: null,
        applied: 0,
        actor: 'alice',
        createdAt: at,
        updatedAt: at,
        finishedAt: null,
      },
    );
    await ctx.write(t, async (tx) => {
      const progressed = await tx.progressPropagationJob(first.id, { applied: 2, total: 5, done: false }, at);
      assert.deepEqual([progressed?.status, progressed?.applied, progressed?.total, progressed?.generation], ['RUNNING', 2, 5, 1]);
      // Enqueued again (a later change to the unit): same job, next generation, progress reset.
      const again = await tx.enqueuePropagation(key, randomUUID(), 'bob', at);
      assert.deepEqual(
        [again.id, again.status, again.generation, again.applied, again.total, again.actor],
        [first.id, 'PENDING', 2, 0, null, 'bob'],
      );
      assert.equal((await tx.progressPropagationJob(first.id, { applied: 5, total: 5, done: true }, at))?.generation, 2);
    });
    const [done] = await ctx.store.tenant(t).propagationJobs([first.id]);
    assert.deepEqual([done?.status, done?.finishedAt], ['DONE', at]);
    assert.equal((await ctx.store.tenant(t).transaction((tx) => tx.propagationJobFor(key)))?.id, first.id);
    // Another tenant sees nothing of it, by id or by unit, and cannot touch it.
    assert.deepEqual(await ctx.store.tenant(other).propagationJobs([first.id]), []);
    assert.equal(await ctx.store.tenant(other).transaction((tx) => tx.propagationJobFor(key)), null);
    assert.equal(
      await ctx.store.tenant(other).transaction((tx) => tx.progressPropagationJob(first.id, { applied: 0, total: 0, done: false }, at)),
      null,
    );
    // A finished job is no longer claimable.
    assert.equal(await ctx.store.propagationQueue.claim('worker-a', 60_000, first.id), null);
  });

  it('leases a job to one worker at a time, renews it for the holder, and hands it over on release or expiry', async () => {
    const t = uniqueTenant();
    const key = { sourceId: randomUUID(), classification: 'PII' };
    const job = await ctx.store.tenant(t).transaction((tx) => tx.enqueuePropagation(key, randomUUID(), 'alice', new Date().toISOString()));
    // No other worker polls this store meanwhile: the runner gives a file that uses Neo4j the database alone.
    const claimed = await ctx.store.propagationQueue.claim('worker-a', 60_000, job.id);
    assert.equal(claimed?.tenant, t);
    assert.equal(claimed?.job.id, job.id);
    assert.equal(await ctx.store.propagationQueue.claim('worker-b', 60_000, job.id), null, 'held by worker-a');
    assert.ok(await ctx.store.propagationQueue.claim('worker-a', 60_000, job.id), 'the holder renews');
    await ctx.store.propagationQueue.release('worker-b', job.id);
    assert.equal(await ctx.store.propagationQueue.claim('worker-b', 60_000, job.id), null, 'only the holder releases');
    await ctx.store.propagationQueue.release('worker-a', job.id);
    assert.ok(await ctx.store.propagationQueue.claim('worker-b', 1, job.id), 'released: free for anyone');
    await new Promise((r) => setTimeout(r, 20)); // the 1 ms lease certainly expires
    assert.ok(await ctx.store.propagationQueue.claim('worker-c', 60_000, job.id), 'an expired lease is free for anyone');
    await ctx.store.propagationQueue.release('worker-c', job.id);
  });
}
