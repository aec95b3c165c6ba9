// The graph store contract, events: the outbox (src/store/ports/events.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoreContract } from './context.js';
import { uniqueTenant, changeEvent } from '../../support/fixtures.js';

export function eventsContract(ctx: StoreContract): void {
  it('keeps committed events in the outbox, in commit order, until published', async () => {
    const t = uniqueTenant();
    const events = [changeEvent(t), changeEvent(t), changeEvent(t)];
    let notified = 0;
    const off = ctx.store.onCommit(() => notified++);
    await ctx.write(t, (tx) => tx.appendEvents(events.slice(0, 2)));
    await ctx.write(t, (tx) => tx.appendEvents(events.slice(2)));
    off();
    assert.ok(notified >= 2);
    const mine = (await ctx.store.outbox.pending(100_000)).filter((e) => e.event.tenant === t);
    assert.deepEqual(
      mine.map((e) => e.event.eventId),
      events.map((e) => e.eventId),
    );
    assert.deepEqual(mine[0]?.event, events[0]);
    await ctx.store.outbox.markPublished(mine.map((e) => e.seq));
    assert.equal((await ctx.store.outbox.pending(100_000)).filter((e) => e.event.tenant === t).length, 0);
  });

  it('hands out a large commit’s events in order a part at a time, and reads them again from any position', async () => {
    const t = uniqueTenant();
    // Nothing else writes to this store meanwhile: after this, what is pending is this test's.
    await ctx.store.outbox.markPublished((await ctx.store.outbox.pending(100_000)).map((e) => e.seq));
    const events = Array.from({ length: 5 }, () => changeEvent(t));
    const ids = (entries: { event: { eventId: string } }[]) => entries.map((e) => e.event.eventId);
    const eventIds = events.map((e) => e.eventId);
    await ctx.write(t, (tx) => tx.appendEvents(events));
    const first = await ctx.store.outbox.pending(2);
    assert.deepEqual(ids(first), eventIds.slice(0, 2));
    await ctx.store.outbox.markPublished(first.map((e) => e.seq));
    const rest = await ctx.store.outbox.pending(10);
    assert.deepEqual(ids(rest), eventIds.slice(2));
    assert.deepEqual(
      rest.map((e) => e.seq),
      [1, 2, 3].map((k) => first[1]!.seq + k),
    );
    // From any position, published or not: the next events in commit order, at most `limit`.
    assert.deepEqual(ids(await ctx.store.outbox.since(first[0]!.seq, 2)), eventIds.slice(1, 3));
    assert.deepEqual(ids(await ctx.store.outbox.since(rest[2]!.seq, 10)), []);
    await ctx.store.outbox.markPublished(rest.map((e) => e.seq));
    assert.deepEqual(await ctx.store.outbox.pending(10), []);
  });
}
