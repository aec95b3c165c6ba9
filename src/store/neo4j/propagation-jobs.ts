// Background propagation jobs in Neo4j: one :PropagationJob node per propagation unit.
import type { PropagationJobRecord, PropagationJobStatus } from '../../domain/model.js';
import type { PropagationJobReader, PropagationJobWriter, PropagationQueue } from '../ports/index.js';
import type { Cx, Run } from './session.js';

type JobOps = PropagationJobReader & PropagationJobWriter;

const FIELDS =
  'j { .id, .tenant, .sourceId, .classification, .status, .generation, .total, .applied, .actor, .createdAt, .updatedAt, .finishedAt } AS j';

const toJob = (j: Record<string, unknown>): PropagationJobRecord => ({
  id: j.id as string,
  sourceId: j.sourceId as string,
  classification: j.classification as string,
  status: j.status as PropagationJobStatus,
  generation: j.generation as number,
  total: (j.total as number | null | undefined) ?? null,
  applied: j.applied as number,
  actor: j.actor as string,
  createdAt: j.createdAt as string,
  updatedAt: j.updatedAt as string,
  finishedAt: (j.finishedAt as string | null | undefined) ?? null,
});

export function propagationJobOps(cx: Cx): JobOps {
  const t = cx.tenant;
  return {
    async propagationJobs(ids) {
      if (ids.length === 0) return [];
      const rows = await cx.run<{ j: Record<string, unknown> }>(
        `UNWIND $ids AS id MATCH (j:PropagationJob {id: id}) WHERE j.tenant = $t RETURN ${FIELDS}`,
        { t, ids: [...ids] },
      );
      return rows.map((r) => toJob(r.j));
    },
    async propagationJobFor({ sourceId, classification }) {
      const [row] = await cx.run<{ j: Record<string, unknown> }>(
        `MATCH (j:PropagationJob {tenant: $t, classification: $c, sourceId: $s}) RETURN ${FIELDS}`,
        { t, c: classification, s: sourceId },
      );
      return row ? toJob(row.j) : null;
    },
    async enqueuePropagation({ sourceId, classification }, id, actor, at) {
      // MERGE under the unit's uniqueness constraint: concurrent enqueues of one unit serialize on it.
      const [row] = await cx.run<{ j: Record<string, unknown> }>(
        `MERGE (j:PropagationJob {tenant: $t, classification: $c, sourceId: $s})
        ON CREATE SET j.id = $id, j.createdAt = $at, j.generation = 0, j.owner = null, j.leaseUntil = 0
        SET j.status = 'PENDING', j.generation = j.generation + 1, j.total = null, j.applied = 0, j.actor = $actor, j.updatedAt = $at, j.finishedAt = null
        RETURN ${FIELDS}`,
        { t, c: classification, s: sourceId, id, actor, at },
      );
      return toJob(row!.j);
    },
    async progressPropagationJob(id, { applied, total, done }, at) {
      // The SET takes the node's write lock before RETURN reads it: the generation returned is
      // the committed one of any enqueue that raced us.
      const [row] = await cx.run<{ j: Record<string, unknown> }>(
        `MATCH (j:PropagationJob {id: $id}) WHERE j.tenant = $t
        SET j.applied = $applied, j.total = $total, j.updatedAt = $at, j.status = CASE WHEN $done THEN 'DONE' ELSE 'RUNNING' END,
          j.finishedAt = CASE WHEN $done THEN $at ELSE null END
        RETURN ${FIELDS}`,
        { t, id, applied, total, done, at },
      );
      return row ? toJob(row.j) : null;
    },
  };
}

export function neo4jPropagationQueue(write: <T>(work: (run: Run) => Promise<T>) => Promise<T>): PropagationQueue {
  return {
    async claim(owner, leaseMs, jobId) {
      return write(async (run) => {
        const [candidate] = await run<{ id: string }>(
          jobId === undefined
            ? `MATCH (j:PropagationJob) WHERE j.status <> 'DONE' AND (j.owner IS NULL OR j.owner = $owner OR j.leaseUntil < timestamp())
             RETURN j.id AS id ORDER BY j.updatedAt LIMIT 1`
            : 'MATCH (j:PropagationJob {id: $id}) RETURN j.id AS id',
          { owner, id: jobId ?? null },
        );
        if (!candidate) return null;
        // Lock first, then check: of two workers racing for one job, the second re-reads the
        // first one's committed lease and backs off.
        await run('MATCH (j:PropagationJob {id: $id}) SET j.touched = timestamp()', { id: candidate.id });
        const [row] = await run<{ j: Record<string, unknown> }>(
          `MATCH (j:PropagationJob {id: $id})
          WHERE j.status <> 'DONE' AND (j.owner IS NULL OR j.owner = $owner OR j.leaseUntil < timestamp())
          SET j.owner = $owner, j.leaseUntil = timestamp() + $ttl RETURN ${FIELDS}`,
          { id: candidate.id, owner, ttl: leaseMs },
        );
        return row ? { tenant: row.j.tenant as string, job: toJob(row.j) } : null;
      });
    },
    async release(owner, jobId) {
      await write((run) =>
        run('MATCH (j:PropagationJob {id: $id}) WHERE j.owner = $owner SET j.owner = null, j.leaseUntil = 0', { id: jobId, owner }),
      );
    },
    async purgeFinished(olderThan) {
      const [row] = await write((run) =>
        run<{ n: number }>(
          "MATCH (j:PropagationJob) WHERE j.status = 'DONE' AND j.finishedAt < $cutoff WITH j LIMIT 10000 DELETE j RETURN count(*) AS n",
          { cutoff: olderThan },
        ),
      );
      return row?.n ?? 0;
    },
  };
}
