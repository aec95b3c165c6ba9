// Background propagation jobs in the embedded store: one row per propagation unit.
import type { PropagationJobRecord, PropagationJobStatus } from '../../domain/model.js';
import type { PropagationJobReader, PropagationJobWriter, PropagationQueue } from '../ports/index.js';
import { type Conn, driving, list } from './conn.js';

type JobOps = PropagationJobReader & PropagationJobWriter;

interface JobRow {
  id: string;
  tenant: string;
  source_id: string;
  classification: string;
  status: string;
  generation: number;
  total: number | null;
  applied: number;
  actor: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

const COLUMNS = 'id, tenant, source_id, classification, status, generation, total, applied, actor, created_at, updated_at, finished_at';

const toJob = (r: JobRow): PropagationJobRecord => ({
  id: r.id,
  sourceId: r.source_id,
  classification: r.classification,
  status: r.status as PropagationJobStatus,
  generation: r.generation,
  total: r.total,
  applied: r.applied,
  actor: r.actor,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

export function propagationJobOps(c: Conn): JobOps {
  const t = c.tenant;
  const byId = (id: string) =>
    c.stmt(`SELECT ${COLUMNS} FROM propagation_jobs WHERE id = ? AND tenant = ?`).get(id, t) as JobRow | undefined;
  return {
    async propagationJobs(ids) {
      if (ids.length === 0) return [];
      const rows = c
        .stmt(
          `SELECT ${COLUMNS.split(', ')
            .map((col) => `j.${col}`)
            .join(', ')} FROM ${driving('@p')} CROSS JOIN propagation_jobs j ON j.id = l.v AND j.tenant = @t`,
        )
        .all({ t, p: list(ids) }) as JobRow[];
      return rows.map(toJob);
    },
    async propagationJobFor({ sourceId, classification }) {
      const row = c
        .stmt(`SELECT ${COLUMNS} FROM propagation_jobs WHERE tenant = ? AND classification = ? AND source_id = ?`)
        .get(t, classification, sourceId) as JobRow | undefined;
      return row ? toJob(row) : null;
    },
    async enqueuePropagation({ sourceId, classification }, id, actor, at) {
      c.stmt(
        `INSERT INTO propagation_jobs (id, tenant, source_id, classification, status, generation, total, applied, actor, created_at, updated_at, finished_at)
          VALUES (@id, @t, @s, @c, 'PENDING', 1, NULL, 0, @actor, @at, @at, NULL)
        ON CONFLICT (tenant, classification, source_id) DO UPDATE SET status = 'PENDING', generation = generation + 1, total = NULL, applied = 0,
          actor = excluded.actor, updated_at = excluded.updated_at, finished_at = NULL`,
      ).run({ id, t, s: sourceId, c: classification, actor, at });
      const row = c
        .stmt(`SELECT ${COLUMNS} FROM propagation_jobs WHERE tenant = ? AND classification = ? AND source_id = ?`)
        .get(t, classification, sourceId) as JobRow;
      return toJob(row);
    },
    async progressPropagationJob(id, { applied, total, done }, at) {
      c.stmt(
        `UPDATE propagation_jobs SET applied = ?, total = ?, updated_at = ?,
          status = CASE WHEN ? THEN 'DONE' ELSE 'RUNNING' END, finished_at = CASE WHEN ? THEN ? ELSE NULL END
        WHERE id = ? AND tenant = ?`,
      ).run(applied, total, at, done ? 1 : 0, done ? 1 : 0, at, id, t);
      const row = byId(id);
      return row ? toJob(row) : null;
    },
  };
}

/** One process owns the database file, but it may run several workers: leases still decide. */
export function embeddedPropagationQueue(writer: Conn, serialized: <T>(work: () => T) => Promise<T>): PropagationQueue {
  return {
    claim(owner, leaseMs, jobId) {
      return serialized(() => {
        const nowMs = Date.now();
        const row = (
          jobId === undefined
            ? writer
                .stmt(
                  `SELECT ${COLUMNS} FROM propagation_jobs WHERE status <> 'DONE' AND (owner IS NULL OR owner = ? OR lease_until < ?) ORDER BY updated_at LIMIT 1`,
                )
                .get(owner, nowMs)
            : writer
                .stmt(
                  `SELECT ${COLUMNS} FROM propagation_jobs WHERE id = ? AND status <> 'DONE' AND (owner IS NULL OR owner = ? OR lease_until < ?)`,
                )
                .get(jobId, owner, nowMs)
        ) as JobRow | undefined;
        if (!row) return null;
        writer.stmt('UPDATE propagation_jobs SET owner = ?, lease_until = ? WHERE id = ?').run(owner, nowMs + leaseMs, row.id);
        return { tenant: row.tenant, job: toJob(row) };
      });
    },
    async release(owner, jobId) {
      await serialized(() =>
        writer.stmt('UPDATE propagation_jobs SET owner = NULL, lease_until = 0 WHERE id = ? AND owner = ?').run(jobId, owner),
      );
    },
    purgeFinished(olderThan) {
      return serialized(() => writer.stmt("DELETE FROM propagation_jobs WHERE status = 'DONE' AND finished_at < ?").run(olderThan).changes);
    },
  };
}
