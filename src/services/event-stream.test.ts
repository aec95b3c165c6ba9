import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventStream, SlowConsumerError } from './event-stream.js';

describe('event stream', () => {
  it('hands over pushed values in order, buffered or awaited', async () => {
    const s = new EventStream<number>(() => {});
    s.push(1);
    const pending = [s.next(), s.next()];
    s.push(2);
    assert.deepEqual(await Promise.all(pending), [
      { value: 1, done: false },
      { value: 2, done: false },
    ]);
  });

  it('detaches at once on return(), even while a consumer is waiting', async () => {
    let detached = 0;
    const s = new EventStream<number>(() => detached++);
    const waiting = s.next();
    await s.return();
    assert.deepEqual(await waiting, { value: undefined, done: true });
    s.push(3);
    assert.deepEqual(await s.next(), { value: undefined, done: true });
    await s.return();
    assert.equal(detached, 1);
  });

  it('ends a consumer that falls too far behind with an error', async () => {
    let detached = false;
    const s = new EventStream<number>(() => (detached = true), 2);
    s.push(1);
    s.push(2);
    s.push(3);
    assert.equal(detached, true);
    await assert.rejects(s.next(), SlowConsumerError);
  });
});
