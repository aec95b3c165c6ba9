// The real Python 3 on this machine, for checks against what Python itself computes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Runs a Python script with `input` on stdin; answers its stdout (fails the test if Python fails). */
export function runPython(script: string, input = ''): string {
  const run = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `python3 failed (is it on PATH?): ${run.error?.message ?? run.stderr}`);
  return run.stdout;
}

/** `urllib.parse.urlencode(json.loads(body))` of each body: the payload Monte Carlo signs. */
export function pythonUrlencodeOf(bodies: readonly string[]): string[] {
  const script = [
    'import sys, json, urllib.parse',
    'for line in sys.stdin.buffer.read().decode("utf-8").split("\\n"):',
    '    if line: print(json.dumps(urllib.parse.urlencode(json.loads(json.loads(line)))))',
  ].join('\n');
  return runPython(script, bodies.map((b) => JSON.stringify(b)).join('\n'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string);
}
