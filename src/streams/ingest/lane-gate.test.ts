import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLaneGate } from './lane-gate.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lane gate', () => {
  it('holds the bulk lane while the core lane writes, and lets it go once the core lane is quiet', async () => {
    const gate = createLaneGate({ quietMs: 50, maxWaitMs: 5000 });
    const order: string[] = [];
    let release!: () => void;
    const core = gate.priority(async () => {
      await new Promise<void>((r) => (release = r));
      order.push('core');
    });
    const bulk = gate
      .yieldToPriority(() => Promise.resolve())
      .then((waited) => {
        order.push('bulk');
        return waited;
      });
    await wait(100);
    assert.deepEqual(order, [], 'the bulk lane waits while a core chunk is in flight');
    release();
    await core;
    const waited = await bulk;
    assert.deepEqual(order, ['core', 'bulk']);
    assert.ok(waited >= 100 + 50 - 5, `it also waited out the quiet time (${waited} ms)`);
  });

  it('never holds the bulk lane longer than maxWaitMs, and not at all when the core lane is idle', async () => {
    const gate = createLaneGate({ quietMs: 10, maxWaitMs: 150 });
    assert.ok((await gate.yieldToPriority(() => Promise.resolve())) < 10, 'an idle core lane costs the bulk lane nothing');
    const endless = gate.priority(() => wait(400));
    const waited = await gate.yieldToPriority(() => Promise.resolve());
    assert.ok(waited >= 150 && waited < 390, `bounded by maxWaitMs (${waited} ms)`);
    await endless;
  });
});
