import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RunEventType, type RunRecord, type RunReport, advanceRun } from './runs.js';

const report = (eventType: RunEventType, io: Partial<Pick<RunReport, 'inputs' | 'outputs' | 'edges'>> = {}): RunReport => ({
  run: 'openlineage:r1',
  job: 'job',
  eventType,
  inputs: [],
  outputs: [],
  edges: [],
  ...io,
});

/** Applies events in order; answers the final record and every edge written on the way, as `from>to`. */
function play(...reports: RunReport[]): { run: RunRecord; written: string[] } {
  let run: RunRecord | null = null;
  const written: string[] = [];
  reports.forEach((r, i) => {
    const step = advanceRun(run, r, `2026-01-01T00:00:0${i}Z`);
    run = step.next;
    written.push(...step.lineage.map((e) => `${e.from}>${e.to}`));
  });
  return { run: run!, written };
}

describe('run cycle', () => {
  it('writes no lineage for a run that started and failed or was aborted', () => {
    for (const end of ['FAIL', 'ABORT'] as const) {
      const { run, written } = play(report('START', { inputs: ['a'], outputs: ['b'] }), report(end, { inputs: ['a'], outputs: ['b'] }));
      assert.deepEqual([run.state, written, run.inputs], ['FAILED', [], []]);
    }
  });

  it('writes the lineage of the whole run on COMPLETE, accumulated across its events', () => {
    // START names the input, COMPLETE the output: every input flows to every output, not only within one event.
    const { run, written } = play(
      report('START', { inputs: ['a'] }),
      report('OTHER', { inputs: ['c'] }),
      report('COMPLETE', { outputs: ['b'], edges: [{ from: 'a.x', to: 'b.y' }] }),
    );
    assert.equal(run.state, 'CONFIRMED');
    assert.deepEqual(written.sort(), ['a.x>b.y', 'a>b', 'c>b']);
  });

  it('treats RUNNING as data moved (a streaming job never completes), and keeps that lineage if the run later fails', () => {
    const { run, written } = play(
      report('START', { inputs: ['a'], outputs: ['b'] }),
      report('RUNNING'),
      report('FAIL', { outputs: ['c'] }),
    );
    assert.equal(run.state, 'CONFIRMED');
    assert.deepEqual(written, ['a>b', 'a>c']);
  });

  it('writes nothing for a run that never reported more than START', () => {
    const { run, written } = play(report('START', { inputs: ['a'], outputs: ['b'] }));
    assert.deepEqual([run.state, written, run.inputs, run.outputs], ['PENDING', [], ['a'], ['b']]);
  });

  it('handles events delivered out of order: a late START of a completed run adds its part, of a failed run nothing', () => {
    const completed = play(report('COMPLETE', { outputs: ['b'] }), report('START', { inputs: ['a'] }), report('START', { inputs: ['a'] }));
    assert.deepEqual(completed.written, ['a>b']); // once: the second late event adds nothing new
    const failed = play(
      report('FAIL'),
      report('START', { inputs: ['a'], outputs: ['b'] }),
      report('COMPLETE', { inputs: ['a'], outputs: ['b'] }),
    );
    assert.deepEqual([failed.run.state, failed.written], ['FAILED', []]);
  });

  it('carries column edges’ masking, and writes an edge again when a later event of a confirmed run changes it', () => {
    const masked = (from: string, to: string) => ({ from, to, masking: true });
    let run: RunRecord | null = null;
    const steps = [
      report('START', { edges: [masked('a.x', 'b.y'), { from: 'a.z', to: 'b.z' }] }),
      report('COMPLETE'),
      report('OTHER', { edges: [masked('a.x', 'b.y')] }),
      report('OTHER', { edges: [{ from: 'a.x', to: 'b.y' }] }),
    ].map((r) => {
      const step = advanceRun(run, r, '2026-01-01T00:00:00Z');
      run = step.next;
      return step.lineage.map((e) => `${e.from}>${e.to}${e.masking ? '~' : ''}`).sort();
    });
    assert.deepEqual(steps, [[], ['a.x>b.y~', 'a.z>b.z'], [], ['a.x>b.y']]);
  });

  it('never writes an edge from a dataset to itself', () => {
    assert.deepEqual(play(report('COMPLETE', { inputs: ['a', 'b'], outputs: ['a'], edges: [{ from: 'a.x', to: 'a.x' }] })).written, [
      'b>a',
    ]);
  });
});
