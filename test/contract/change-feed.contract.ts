// The change feed contract: the in-process feed passes it now; the Kafka feed (issue 4) must pass
// the same tests against the real broker.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ChangeEvent } from '../../src/domain/events.js';
import type { ChangeFeed } from '../../src/store/ports.js';
import { assetRecord, qn, uniqueTenant } from '../support/fixtures.js';

export interface FeedFactory {
  name: string;
  open(): Promise<{ feed: ChangeFeed; close(): Promise<void> }>;
}

const event = (tenant: string): ChangeEvent => ({
  type: 'asset.changed', eventId: randomUUID(), tenant, at: new Date().toISOString(), actor: 'test', change: 'CREATED', asset: assetRecord('TABLE', qn(randomUUID())), version: 1,
});

/** Collects what a listener hears; resolves once `count` events arrived (or after `ms`, with what there is). */
function collect(feed: ChangeFeed, tenant: string) {
  const events: ChangeEvent[] = [];
  const stop = feed.listen(tenant, (e) => events.push(e));
  const until = async (count: number, ms = 10_000) => {
    for (const deadline = Date.now() + ms; events.length < count && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    return events;
  };
  return { events, stop, until };
}

export function changeFeedContract(factory: FeedFactory): void {
  describe(`change feed contract: ${factory.name}`, () => {
    let handle: { feed: ChangeFeed; close(): Promise<void> };
    let feed: ChangeFeed;
    before(async () => {
      handle = await factory.open();
      feed = handle.feed;
    });
    after(async () => handle.close());

    it('delivers a tenant’s events to its listeners, whole and in publish order', async () => {
      const t = uniqueTenant();
      const a = collect(feed, t);
      const b = collect(feed, t);
      const published = [event(t), event(t), event(t)];
      await feed.publish(published);
      assert.deepEqual((await a.until(3)).map((e) => e.eventId), published.map((e) => e.eventId));
      assert.deepEqual((await b.until(3)).map((e) => e.eventId), published.map((e) => e.eventId));
      assert.deepEqual(a.events[0], published[0]);
      a.stop();
      b.stop();
    });

    it('never delivers one tenant’s events to another tenant’s listener', async () => {
      const [t, other] = [uniqueTenant(), uniqueTenant()];
      const mine = collect(feed, t);
      const theirs = collect(feed, other);
      await feed.publish([event(t), event(t)]);
      await mine.until(2);
      await theirs.until(1, 300);
      assert.equal(theirs.events.length, 0);
      mine.stop();
      theirs.stop();
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const t = uniqueTenant();
      const gone = collect(feed, t);
      const stays = collect(feed, t);
      gone.stop();
      await feed.publish([event(t)]);
      await stays.until(1);
      await gone.until(1, 300);
      assert.equal(gone.events.length, 0);
      stays.stop();
    });

    it('answers ping while healthy', async () => {
      await feed.ping();
    });
  });
}
