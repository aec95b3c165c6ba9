import type { NamedEdge, RunRecord, RunState } from '../../domain/runs.js';
import type { RunWriter } from '../ports/index.js';
import type { Conn } from './conn.js';

interface RunRow {
  key: string;
  job: string;
  state: string;
  body: string;
  updated_at: string;
}
interface RunBody {
  inputs: string[];
  outputs: string[];
  edges: NamedEdge[];
}

export function runOps(c: Conn): RunWriter {
  return {
    // The embedded store runs one write transaction at a time: reading is locking.
    async lockRun(key) {
      const row = c.stmt('SELECT key, job, state, body, updated_at FROM source_runs WHERE tenant = ? AND key = ?').get(c.tenant, key) as
        RunRow | undefined;
      if (!row) return null;
      const body = JSON.parse(row.body) as RunBody;
      return { key: row.key, job: row.job, state: row.state as RunState, ...body, updatedAt: row.updated_at };
    },
    async putRun(r: RunRecord) {
      c.stmt(
        `INSERT INTO source_runs (tenant, key, job, state, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, key) DO UPDATE SET job = excluded.job, state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`,
      ).run(
        c.tenant,
        r.key,
        r.job,
        r.state,
        JSON.stringify({ inputs: r.inputs, outputs: r.outputs, edges: r.edges } satisfies RunBody),
        r.updatedAt,
      );
    },
  };
}
