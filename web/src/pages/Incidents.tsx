// Incidents with severity and status filters, updated live.
import { useCallback, useEffect, useState } from 'react';
import { gql, messageOf, subscribe } from '../api';
import { Link } from '../Link';
import { assetPath } from '../router';
import { ErrorText } from '../ui';

const SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4', 'UNKNOWN'];
const STATUSES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED'];
const LIST = `query($filter: IncidentFilter) { incidents(filter: $filter, first: 100) { totalCount edges { node { id title severity status type source detectedAt assets { qualifiedName name } } } } }`;
const LIVE = `subscription { incidentChanged { change incident { id } } }`;

interface Incident {
  id: string;
  title: string;
  severity: string;
  status: string;
  type: string;
  source: string;
  detectedAt: string;
  assets: { qualifiedName: string; name: string }[];
}

export function IncidentsPage() {
  const [severities, setSeverities] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<string[]>(['OPEN', 'ACKNOWLEDGED']);
  const [list, setList] = useState<{ totalCount: number; items: Incident[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    const filter = { ...(severities.length ? { severities } : {}), ...(statuses.length ? { statuses } : {}) };
    gql<{ incidents: { totalCount: number; edges: { node: Incident }[] } }>(LIST, { filter })
      .then((d) => (setList({ totalCount: d.incidents.totalCount, items: d.incidents.edges.map((e) => e.node) }), setError(null)))
      .catch((e: unknown) => setError(messageOf(e)));
  }, [severities, statuses]);
  useEffect(load, [load]);
  useEffect(() => subscribe(LIVE, {}, load), [load]);
  const toggle = (values: string[], set: (v: string[]) => void, value: string) =>
    set(values.includes(value) ? values.filter((v) => v !== value) : [...values, value]);
  return (
    <div className="incidents">
      <h1>Incidents</h1>
      <fieldset>
        <legend>Severity</legend>
        {SEVERITIES.map((s) => (
          <button
            key={s}
            type="button"
            className={severities.includes(s) ? 'chip on' : 'chip'}
            aria-pressed={severities.includes(s)}
            onClick={() => toggle(severities, setSeverities, s)}
          >
            {s}
          </button>
        ))}
      </fieldset>
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            className={statuses.includes(s) ? 'chip on' : 'chip'}
            aria-pressed={statuses.includes(s)}
            onClick={() => toggle(statuses, setStatuses, s)}
          >
            {s}
          </button>
        ))}
      </fieldset>
      <ErrorText error={error} />
      {list && <p className="muted">{list.totalCount} incidents</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Title</th>
            <th scope="col">Assets</th>
            <th scope="col">Detected</th>
          </tr>
        </thead>
        <tbody>
          {list?.items.map((i) => (
            <tr key={i.id}>
              <td>
                <span className={`severity severity-${i.severity.toLowerCase()}`}>{i.severity}</span>
              </td>
              <td>{i.status}</td>
              <td>{i.title}</td>
              <td>
                {i.assets.map((a) => (
                  <div key={a.qualifiedName}>
                    <Link to={assetPath(a.qualifiedName)}>{a.name}</Link>
                  </div>
                ))}
              </td>
              <td>{new Date(i.detectedAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
