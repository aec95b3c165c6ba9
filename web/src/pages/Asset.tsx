// One asset: what it is, where it sits, what it contains, its classifications (direct, propagated
// with their sources, blocked), incidents, and its history with a before/after diff per version.
// Updated live when the asset or its classifications change.
import { useCallback, useEffect, useState } from 'react';
import { gql, messageOf, subscribe } from '../api';
import { Link } from '../Link';
import { EditAsset } from '../EditAsset';
import { StewardActions } from '../Steward';
import { assetPath, lineagePath } from '../router';
import { ErrorText, kindClass } from '../ui';

const ASSET = `query($qn: String!) {
  asset(qualifiedName: $qn) {
    id qualifiedName kind name description owners attributes version updatedAt downstreamCount upstreamCount
    parent { qualifiedName name kind parent { qualifiedName name kind parent { qualifiedName name kind parent { qualifiedName name kind } } } }
    children(first: 100) { totalCount edges { node { qualifiedName name kind attributes classifications { name propagated } } } }
    classifications(includeBlocked: true) { name propagated propagate blocked blockReason addedAt addedBy sources { qualifiedName name } }
    incidents { id title severity status type url }
    history(first: 20) { edges { node { id change actor at version before after } } }
  }
}`;

interface Ref {
  qualifiedName: string;
  name: string;
  kind: string;
  parent?: Ref | null;
}
interface Assignment {
  name: string;
  propagated: boolean;
  propagate: boolean;
  blocked: boolean;
  blockReason: 'STEWARD' | 'MASKING' | null;
  addedAt: string;
  addedBy: string;
  sources: { qualifiedName: string; name: string }[];
}
interface Change {
  id: string;
  change: string;
  actor: string;
  at: string;
  version: number;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
export interface AssetView {
  id: string;
  qualifiedName: string;
  kind: string;
  name: string;
  description: string | null;
  owners: string[];
  attributes: Record<string, unknown>;
  version: number;
  updatedAt: string;
  downstreamCount: number;
  upstreamCount: number;
  parent: Ref | null;
  children: {
    totalCount: number;
    edges: { node: Ref & { attributes: Record<string, unknown>; classifications: { name: string; propagated: boolean }[] } }[];
  };
  classifications: Assignment[];
  incidents: { id: string; title: string; severity: string; status: string; type: string; url: string | null }[];
  history: { edges: { node: Change }[] };
}

const LIVE = `subscription($prefix: String!) {
  assetChanged(qualifiedNamePrefix: $prefix) { change asset { qualifiedName } }
}`;
const LIVE_CLASSIFICATIONS = `subscription($prefix: String!) { classificationChanged(qualifiedNamePrefix: $prefix) { asset { qualifiedName } } }`;

function ancestors(parent: Ref | null | undefined): Ref[] {
  const chain: Ref[] = [];
  for (let p = parent; p; p = p.parent) chain.unshift(p);
  return chain;
}

/** The fields a version changed, before → after. */
function diff(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): { field: string; from: string; to: string }[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter((k) => k !== 'version');
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]))
    .map((k) => ({ field: k, from: show(before?.[k]), to: show(after?.[k]) }));
}

/** What the signed-in roles allow on this page (from `me { permissions }`). */
export interface AssetPermissions {
  classify: boolean;
  edit: boolean;
}

export function AssetPage({ qualifiedName, can }: { qualifiedName: string; can: AssetPermissions }) {
  const [asset, setAsset] = useState<AssetView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    gql<{ asset: AssetView | null }>(ASSET, { qn: qualifiedName })
      .then((d) => (setAsset(d.asset), setError(null)))
      .catch((e: unknown) => setError(messageOf(e)));
  }, [qualifiedName]);
  useEffect(load, [load]);
  // Live: a change to this asset (or below it), or to any classification that lands on it.
  useEffect(() => {
    const offAsset = subscribe(LIVE, { prefix: qualifiedName }, load);
    // The asset and its columns (their tags show in the columns table): only their events are sent.
    const offClass = subscribe(LIVE_CLASSIFICATIONS, { prefix: qualifiedName }, load);
    return () => (offAsset(), offClass());
  }, [qualifiedName, load]);

  if (error) return <ErrorText error={error} />;
  if (asset === undefined) return <p className="muted">Loading…</p>;
  if (asset === null) return <p role="alert">No asset {qualifiedName} in your tenant.</p>;
  const columns = asset.children.edges.map((e) => e.node);
  return (
    <article className="asset">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        {ancestors(asset.parent).map((p) => (
          <span key={p.qualifiedName}>
            <Link to={assetPath(p.qualifiedName)}>{p.name}</Link> ›{' '}
          </span>
        ))}
      </nav>
      <header>
        <h1>
          {asset.name} <span className={kindClass(asset.kind)}>{asset.kind}</span>
        </h1>
        <div className="qn">{asset.qualifiedName}</div>
        <p data-testid="description">{asset.description ?? <span className="muted">No description.</span>}</p>
        {can.edit && <EditAsset asset={asset} onDone={load} />}
        <p>
          <Link to={lineagePath(asset.qualifiedName)} className="button">
            Lineage: {asset.upstreamCount} upstream, {asset.downstreamCount} downstream
          </Link>
        </p>
      </header>
      <section aria-labelledby="h-classifications">
        <h2 id="h-classifications">Classifications</h2>
        {asset.classifications.length === 0 && <p className="muted">None.</p>}
        <ul className="assignments">
          {asset.classifications.map((c) => (
            <li key={`${c.name}-${String(c.propagated)}-${String(c.blocked)}`} data-testid="assignment">
              <span className={c.blocked ? 'tag blocked' : c.propagated ? 'tag propagated' : 'tag'}>{c.name}</span>{' '}
              {c.propagated ? (
                <>
                  propagated from{' '}
                  {c.sources.map((s, i) => (
                    <span key={s.qualifiedName}>
                      {i > 0 && ', '}
                      <Link to={assetPath(s.qualifiedName)}>{s.name}</Link>
                    </span>
                  ))}
                </>
              ) : (
                <>direct{c.propagate ? ', flows downstream' : ', does not flow downstream'}</>
              )}
              {c.blockReason === 'MASKING' ? (
                <strong> — stopped here: it arrives only through masking lineage</strong>
              ) : (
                c.blocked && <strong> — blocked here</strong>
              )}{' '}
              <span className="muted">by {c.addedBy}</span>
            </li>
          ))}
        </ul>
        {can.classify && <StewardActions qualifiedName={asset.qualifiedName} onDone={load} />}
      </section>
      <section aria-labelledby="h-about">
        <h2 id="h-about">About</h2>
        <dl className="about">
          <dt>Owners</dt>
          <dd data-testid="owners">{asset.owners.length ? asset.owners.join(', ') : <span className="muted">none</span>}</dd>
          <dt>Version</dt>
          <dd>
            {asset.version}, updated {new Date(asset.updatedAt).toLocaleString()}
          </dd>
          {Object.entries(asset.attributes).map(([k, v]) => (
            <div key={k} className="attr">
              <dt>{k}</dt>
              <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
            </div>
          ))}
        </dl>
      </section>
      {asset.children.totalCount > 0 && (
        <section aria-labelledby="h-children">
          <h2 id="h-children">
            Contains <span className="muted">({asset.children.totalCount})</span>
          </h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Type</th>
                <th scope="col">Classifications</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c.qualifiedName}>
                  <td>
                    <Link to={assetPath(c.qualifiedName)}>{c.name}</Link>
                  </td>
                  <td>{c.kind}</td>
                  <td>{typeof c.attributes.dataType === 'string' ? c.attributes.dataType : ''}</td>
                  <td>
                    {c.classifications.map((x) => (
                      <span key={x.name + String(x.propagated)} className={x.propagated ? 'tag propagated' : 'tag'}>
                        {x.name}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section aria-labelledby="h-incidents">
        <h2 id="h-incidents">Incidents</h2>
        {asset.incidents.length === 0 && <p className="muted">None.</p>}
        <ul>
          {asset.incidents.map((i) => (
            <li key={i.id}>
              <span className={`severity severity-${i.severity.toLowerCase()}`}>{i.severity}</span> {i.status} · {i.title}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="h-history">
        <h2 id="h-history">History</h2>
        <ol className="history">
          {asset.history.edges.map(({ node: h }) => (
            <li key={h.id}>
              <strong>{h.change}</strong> v{h.version} by {h.actor} <span className="muted">{new Date(h.at).toLocaleString()}</span>
              <ul className="diff">
                {diff(h.before, h.after).map((d) => (
                  <li key={d.field}>
                    <code>{d.field}</code>: <del>{d.from}</del> → <ins>{d.to}</ins>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
