import type { NamedEdge, RunRecord, RunState } from '../../domain/runs.js';
import type { RunWriter } from '../ports/index.js';
import type { Cx } from './session.js';

interface RunBody {
  inputs: string[];
  outputs: string[];
  edges: NamedEdge[];
}

export function runOps(cx: Cx): RunWriter {
  const t = cx.tenant;
  return {
    async lockRun(key) {
      // MERGE under the (tenant, key) constraint, then a write: the run's lock is held to commit,
      // and the read after it sees what the run's previous event committed.
      await cx.run('MERGE (r:SourceRun {tenant: $t, key: $key}) SET r.lockedAt = timestamp()', { t, key });
      const [row] = await cx.run<{ job: string | null; state: string | null; body: string | null; updatedAt: string | null }>(
        'MATCH (r:SourceRun {tenant: $t, key: $key}) RETURN r.job AS job, r.state AS state, r.body AS body, r.updatedAt AS updatedAt',
        { t, key },
      );
      if (!row?.state || !row.body || !row.job || !row.updatedAt) return null;
      return { key, job: row.job, state: row.state as RunState, ...(JSON.parse(row.body) as RunBody), updatedAt: row.updatedAt };
    },
    async putRun(r: RunRecord) {
      await cx.run('MERGE (r:SourceRun {tenant: $t, key: $key}) SET r.job = $job, r.state = $state, r.body = $body, r.updatedAt = $at', {
        t,
        key: r.key,
        job: r.job,
        state: r.state,
        body: JSON.stringify({ inputs: r.inputs, outputs: r.outputs, edges: r.edges } satisfies RunBody),
        at: r.updatedAt,
      });
    },
  };
}
