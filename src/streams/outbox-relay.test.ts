// Nothing is lost between commit and publish: events committed while no relay ran (a crash
// after commit) are published when the relay starts, in commit order, exactly once per relay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ChangeEvent } from '../domain/events.js';
import { createEmbeddedFeed } from '../store/embedded/feed.js';
import { createEmbeddedStore } from '../store/embedded/index.js';
import { silentLog, tempDir, uniqueTenant, changeEvent as event } from '../../test/support/fixtures.js';
import { createOutboxRelay } from './outbox-relay.js';

describe('outbox relay', () => {
  it('publishes what was committed before a crash when it starts, then what is committed while it runs', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'metalake.db');
    const t = uniqueTenant();
    const before = [event(t), event(t), event(t)];
    // A process that committed and died before publishing.
    const crashed = createEmbeddedStore({ path });
    await crashed.tenant(t).transaction((tx) => tx.appendEvents(before));
    await crashed.close();

    const store = createEmbeddedStore({ path });
    const feed = createEmbeddedFeed();
    const received: string[] = [];
    feed.listen(t, (e) => received.push(e.eventId));
    const relay = createOutboxRelay({ store, feed, log: silentLog, retentionHours: 1, batchSize: 2 });
    await relay.start();
    assert.deepEqual(
      received,
      before.map((e) => e.eventId),
    );

    const after = event(t);
    await store.tenant(t).transaction((tx) => tx.appendEvents([after]));
    await relay.flush();
    assert.deepEqual(
      received,
      [...before, after].map((e) => e.eventId),
    );
    assert.deepEqual(await store.outbox.pending(10), []);
    await relay.stop();
    await store.close();
    dir.remove();
  });

  it('keeps events pending while the feed refuses them, and publishes them once it accepts', async () => {
    const dir = tempDir();
    const store = createEmbeddedStore({ path: join(dir.path, 'metalake.db') });
    const inner = createEmbeddedFeed();
    let down = true;
    let refused = 0;
    const feed = {
      ...inner,
      publish: (events: readonly ChangeEvent[]) =>
        down ? Promise.reject(new Error(`feed unavailable (${++refused})`)) : inner.publish(events),
    };
    const t = uniqueTenant();
    const received: string[] = [];
    inner.listen(t, (e) => received.push(e.eventId));
    const relay = createOutboxRelay({ store, feed, log: silentLog, retentionHours: 1 });
    await relay.start();
    const e = event(t);
    await store.tenant(t).transaction((tx) => tx.appendEvents([e]));
    await relay.flush();
    assert.ok(refused >= 1, 'the relay did try to publish (and was refused)');
    assert.deepEqual(received, []);
    assert.equal((await store.outbox.pending(10)).length, 1);
    down = false;
    await relay.flush();
    assert.deepEqual(received, [e.eventId]);
    await relay.stop();
    await store.close();
    dir.remove();
  });
});
