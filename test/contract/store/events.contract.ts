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
}
