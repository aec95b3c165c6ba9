// Steward actions on one asset, through the API's own mutations: classify (with the propagate
// switch), declassify, block and unblock propagation. Shown only to roles that may use them; the
// server decides anyway and its refusals are shown as they come.
import { useEffect, useState } from 'react';
import { failure, gql, messageOf } from './api';
import { ErrorText } from './ui';

const TYPES = `{ classificationTypes { name propagateByDefault } }`;
const ACTIONS = {
  classify: `mutation($qn: String!, $c: String!, $p: Boolean) { classify(qualifiedName: $qn, classification: $c, propagate: $p) { added removed propagations { id } } }`,
  declassify: `mutation($qn: String!, $c: String!) { declassify(qualifiedName: $qn, classification: $c) { added removed propagations { id } } }`,
  block: `mutation($qn: String!, $c: String!) { blockPropagation(qualifiedName: $qn, classification: $c) { added removed propagations { id } } }`,
  unblock: `mutation($qn: String!, $c: String!) { unblockPropagation(qualifiedName: $qn, classification: $c) { added removed propagations { id } } }`,
};
const FIELD = { classify: 'classify', declassify: 'declassify', block: 'blockPropagation', unblock: 'unblockPropagation' } as const;
const JOB = `query($id: ID!) { propagationJob(id: $id) { status applied total } }`;

type Action = keyof typeof ACTIONS;
interface Outcome {
  added: number;
  removed: number;
  propagations: { id: string }[];
}

export function StewardActions({ qualifiedName, onDone }: { qualifiedName: string; onDone: () => void }) {
  const [types, setTypes] = useState<{ name: string; propagateByDefault: boolean }[]>([]);
  const [classification, setClassification] = useState('');
  const [propagate, setPropagate] = useState(true);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<{ id: string; status: string; applied: number; total: number | null } | null>(null);

  useEffect(() => {
    gql<{ classificationTypes: { name: string; propagateByDefault: boolean }[] }>(TYPES)
      .then((d) => {
        setTypes(d.classificationTypes);
        const first = d.classificationTypes[0];
        if (first) {
          setClassification(first.name);
          setPropagate(first.propagateByDefault);
        }
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, []);

  // A propagation too large for the change's own transaction runs in the background: follow it.
  useEffect(() => {
    if (!job || job.status === 'DONE') return;
    const timer = setTimeout(() => {
      gql<{ propagationJob: { status: string; applied: number; total: number | null } | null }>(JOB, { id: job.id })
        .then((d) => {
          if (d.propagationJob) setJob({ id: job.id, ...d.propagationJob });
          if (d.propagationJob?.status === 'DONE') onDone();
        })
        .catch(() => undefined);
    }, 500);
    return () => clearTimeout(timer);
  }, [job, onDone]);

  const run = async (action: Action) => {
    setError(null);
    setMessage(null);
    try {
      const data = await gql<Record<string, Outcome>>(ACTIONS[action], { qn: qualifiedName, c: classification, p: propagate });
      const outcome = data[FIELD[action]]!;
      setMessage(
        `${action}: ${outcome.added} added, ${outcome.removed} removed${outcome.propagations.length ? ', the rest in the background' : ''}`,
      );
      const first = outcome.propagations[0];
      if (first) setJob({ id: first.id, status: 'PENDING', applied: 0, total: null });
      onDone();
    } catch (e) {
      setError(failure(e));
    }
  };

  return (
    <div className="steward" role="group" aria-label="Steward actions">
      <label>
        Classification{' '}
        <select value={classification} onChange={(e) => setClassification(e.target.value)}>
          {types.map((t) => (
            <option key={t.name}>{t.name}</option>
          ))}
        </select>
      </label>{' '}
      <label>
        <input type="checkbox" checked={propagate} onChange={(e) => setPropagate(e.target.checked)} /> propagate downstream
      </label>{' '}
      <button type="button" onClick={() => void run('classify')} disabled={!classification}>
        Classify
      </button>{' '}
      <button type="button" onClick={() => void run('declassify')} disabled={!classification}>
        Declassify
      </button>{' '}
      <button type="button" onClick={() => void run('block')} disabled={!classification}>
        Block propagation
      </button>{' '}
      <button type="button" onClick={() => void run('unblock')} disabled={!classification}>
        Unblock
      </button>
      {message && (
        <p role="status" className="muted">
          {message}
        </p>
      )}
      {job && job.status !== 'DONE' && (
        <p role="status">
          Propagating in the background: {job.applied}
          {job.total !== null ? ` of ${job.total}` : ''} rows ({job.status.toLowerCase()})
        </p>
      )}
      <ErrorText error={error} />
    </div>
  );
}
