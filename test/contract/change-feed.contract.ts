// The change feed contract: the in-process feed passes it now; the Kafka feed (issue 4) must pass
// the same tests against the real broker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChangeEvent } from '../../src/domain/events.js';
import type { ChangeFeed } from '../../src/store/ports/index.js';
import { uniqueTenant, changeEvent as event } from '../support/fixtures.js';

export interface FeedFactory {
  name: string;
  open(): Promise<{ feed: ChangeFeed; close(): Promise<void> }>;
}

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
      assert.deepEqual(
        (await a.until(3)).map((e) => e.eventId),
        published.map((e) => e.eventId),
      );
      assert.deepEqual(
        (await b.until(3)).map((e) => e.eventId),
        published.map((e) => e.eventId),
      );
      assert.deepEqual(a.events[0], published[0]);
      a.stop();
      b.stop();
    });

    it('delivers one publish larger than a broker takes in one request (1,000 events of 1.5 KB, one tenant), whole and in order', async () => {
      // Kafka refuses a record batch over 1 MiB for good (MESSAGE_TOO_LARGE): a relay batch this
      // size sent as one request would never be published, and every later event would wait behind it.
      const t = uniqueTenant();
      const heard = collect(feed, t);
      const published = Array.from({ length: 1000 }, () => {
        const e = event(t);
        return e.type === 'asset.changed' ? { ...e, asset: { ...e.asset, description: 'd'.repeat(1500) } } : e;
      });
      await feed.publish(published);
      assert.deepEqual(
        (await heard.until(1000, 30_000)).map((e) => e.eventId),
        published.map((e) => e.eventId),
      );
      heard.stop();
    });

    it('never delivers one tenant’s events to another tenant’s listener', async () => {
      const [t, other] = [uniqueTenant(), uniqueTenant()];
      const mine = collect(feed, t);
      const theirs = collect(feed, other);
      await feed.publish([event(t), event(t)]);
      await mine.until(2);
      // The control: the other tenant's own event, published after, is the first thing its listener hears.
      const control = event(other);
      await feed.publish([control]);
      assert.deepEqual(
        (await theirs.until(1)).map((e) => e.eventId),
        [control.eventId],
      );
      assert.equal(mine.events.length, 2);
      mine.stop();
      theirs.stop();
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const t = uniqueTenant();
      const gone = collect(feed, t);
      const stays = collect(feed, t);
      gone.stop();
      const sent = [event(t), event(t)];
      await feed.publish(sent);
      // One dispatch hands an event to every listener of its tenant: once `stays` has both, `gone` would have had them too.
      assert.deepEqual(
        (await stays.until(2)).map((e) => e.eventId),
        sent.map((e) => e.eventId),
      );
      assert.equal(gone.events.length, 0);
      stays.stop();
    });

    it('answers ping while open, and refuses ping and publish once closed (the relay then keeps its events)', async () => {
      await feed.ping();
      const other = await factory.open();
      await other.feed.ping();
      await other.close();
      await assert.rejects(other.feed.ping(), /closed/);
      await assert.rejects(other.feed.publish([event(uniqueTenant())]), /closed/);
    });
  });
}
