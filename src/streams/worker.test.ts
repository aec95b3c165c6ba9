import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflict, StoreError } from '../store/errors.js';
import { pauseReport, untilAvailable } from './worker.js';

describe('worker pauses', () => {
  it('reports a store failure as weather and anything else as a bug', () => {
    assert.deepEqual(pauseReport(new StoreError('unavailable', 'x')), {
      level: 'warn',
      failure: 'unavailable',
      hint: 'waiting for it to answer',
    });
    assert.equal(pauseReport(new StoreConflict()).failure, 'conflict');
    assert.equal(pauseReport(new StoreError('mapping-outdated', 'x')).level, 'error');
    assert.deepEqual(pauseReport(new Error('bug')), {
      level: 'error',
      failure: 'unexpected',
      hint: 'not a known store failure: retrying, nothing is dropped',
    });
  });

  it('keeps the work through failures and reports the pause once', async () => {
    let attempts = 0;
    const pauses: unknown[] = [];
    const resumed: number[] = [];
    const result = await untilAvailable(
      () => {
        attempts++;
        return attempts < 3 ? Promise.reject(new StoreError('backpressure', 'busy')) : Promise.resolve('done');
      },
      { initialMs: 1, maxMs: 2, keepTrying: () => true, onPause: (e) => pauses.push(e), onResume: (ms) => resumed.push(ms) },
    );
    assert.equal(result, 'done');
    assert.equal(attempts, 3);
    assert.equal(pauses.length, 1);
    assert.equal(resumed.length, 1);
  });
});
