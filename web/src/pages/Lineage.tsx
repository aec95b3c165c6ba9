// The lineage explorer: upstream and downstream from any asset, one hop drawn at first; each node
// says what it has not drawn yet ("+37 downstream") and expands or collapses per direction, so a
// 10,000-asset fan-out never draws 10,000 boxes. Table or column level; a click highlights a
// node's whole path; a classification highlights where it flows (direct, propagated, blocked);
// live events redraw what changed without a reload; the impact list pages everything downstream
// and downloads as CSV.
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MiniMap,
  type Node,
  type NodeChange,
  type NodeProps,
  Position,
  ReactFlow,
  type ReactFlowInstance,
  type ReactFlowState,
  useStore,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK from 'elkjs/lib/elk-api.js';
// ELK itself (1.5 MB of compiled Java) runs in a worker: layout never blocks the page.
import ElkWorker from 'elkjs/lib/elk-worker.min.js?worker';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, gql, messageOf, subscribe } from '../api';
import { Link } from '../Link';
import { LINEAGE_PAGE, assetPath, lineagePath } from '../router';
import { ErrorText } from '../ui';
import {
  type Direction,
  type DrawnGraph,
  type LineageNode,
  collapse,
  columnPathThrough,
  drawnNeighbours,
  emptyGraph,
  expand,
  hidden,
  layeredLayout,
  linkKey,
  pathThrough,
} from './lineage-graph';

/** Neighbours fetched per expansion (the router's, so that a URL's ?first= agrees). */
const PAGE = LINEAGE_PAGE;
/** What one aliased request may hold (GRAPHQL_MAX_ALIASES is 20 by default). */
const ALIASES = 20;

const NODE = `id qualifiedName name kind upstreamCount downstreamCount
  classifications(includeBlocked: true) { name propagated blocked }
  incidents(statuses: [OPEN, ACKNOWLEDGED]) { id severity }`;
const ROOT = `query($qn: String!) { asset(qualifiedName: $qn) { ${NODE} } }`;
/** Neighbours without their incidents, so that 1,000 of them fit one request's cost; incidents follow in batches. */
const NEIGHBOUR = `id qualifiedName name kind upstreamCount downstreamCount classifications(includeBlocked: true) { name propagated blocked }`;
const NEIGHBOURS = {
  DOWNSTREAM: `query($qn: String!, $first: Int!) { asset(qualifiedName: $qn) { downstream(first: $first) { to { ${NEIGHBOUR} } } } }`,
  UPSTREAM: `query($qn: String!, $first: Int!) { asset(qualifiedName: $qn) { upstream(first: $first) { from { ${NEIGHBOUR} } } } }`,
};
const INCIDENTS = (count: number) =>
  `query(${Array.from({ length: count }, (_, i) => `$q${i}: String!`).join(', ')}) {${Array.from(
    { length: count },
    (_, i) => ` a${i}: asset(qualifiedName: $q${i}) { id incidents(statuses: [OPEN, ACKNOWLEDGED]) { id severity } }`,
  ).join('')} }`;
const COLUMNS = (count: number) =>
  `query(${Array.from({ length: count }, (_, i) => `$q${i}: String!`).join(', ')}) {${Array.from(
    { length: count },
    (_, i) =>
      ` t${i}: asset(qualifiedName: $q${i}) { id children(first: 50) { edges { node { qualifiedName name kind classifications(includeBlocked: true) { name propagated blocked } downstream(first: 10) { masking to { qualifiedName parent { id } } } } } } }`,
  ).join('')} }`;
const IMPACT = `query($qn: String!) { lineage(qualifiedName: $qn, direction: DOWNSTREAM, depth: 10) { truncated nodes { qualifiedName name kind classifications { name propagated } } } }`;
const LIVE_CLASSIFICATIONS = `subscription { classificationChanged { asset { id qualifiedName parent { id } classifications(includeBlocked: true) { name propagated blocked } } } }`;
const LIVE_ASSETS = `subscription { assetChanged { change asset { id name kind } } }`;
const LIVE_INCIDENTS = `subscription { incidentChanged { incident { assets { id incidents(statuses: [OPEN, ACKNOWLEDGED]) { id severity } } } } }`;

type ColumnLink = { from: string; fromTable: string; to: string; toTable: string; masking: boolean };
type NodeData = {
  node: LineageNode;
  root: boolean;
  up: number;
  down: number;
  upOpen: boolean;
  downOpen: boolean;
  dim: boolean;
  marked: 'direct' | 'propagated' | 'blocked' | null;
  columnLevel: boolean;
  /** Columns on the highlighted column path, when a column was clicked. */
  litColumns: Set<string> | null;
  onColumn: (qualifiedName: string) => void;
  onExpand: (id: string, d: Direction) => void;
  onCollapse: (id: string, d: Direction) => void;
};

const WIDTH = 250;
const heightOf = (n: LineageNode, columnLevel: boolean) => 64 + (columnLevel ? (n.columns?.length ?? 0) * 22 : 0);

/** Below this zoom a node's text cannot be read: table-level nodes are drawn as plain boxes (one element each, not twenty). */
const DETAIL_ZOOM = 0.35;
const readable = (state: ReactFlowState) => state.transform[2] >= DETAIL_ZOOM;

const AssetNode = memo(function AssetNode({ data }: NodeProps<Node<NodeData>>) {
  const { node, up, down, upOpen, downOpen, dim, marked, columnLevel, litColumns, onColumn, onExpand, onCollapse } = data;
  const detailed = useStore(readable) || columnLevel;
  const className = `lnode${data.root ? ' root' : ''}${dim ? ' dim' : ''}${marked ? ` marked-${marked}` : ''}`;
  if (!detailed)
    return (
      <div
        className={`${className} far`}
        style={{ width: WIDTH, height: heightOf(node, false) }}
        data-testid="lineage-node"
        data-qn={node.qualifiedName}
        title={node.name}
      >
        <Handle type="target" position={Position.Left} />
        <Handle type="source" position={Position.Right} />
      </div>
    );
  return (
    <div className={className} style={{ width: WIDTH }} data-testid="lineage-node" data-qn={node.qualifiedName}>
      <Handle type="target" position={Position.Left} />
      <div className="lnode-head">
        <span className="lnode-expanders">
          {up > 0 && (
            <button
              type="button"
              className="more"
              onClick={(e) => (e.stopPropagation(), onExpand(node.id, 'UPSTREAM'))}
              aria-label={`Show ${up} more upstream of ${node.name}`}
            >
              +{up}
            </button>
          )}
          {upOpen && (
            <button
              type="button"
              className="less"
              onClick={(e) => (e.stopPropagation(), onCollapse(node.id, 'UPSTREAM'))}
              aria-label={`Collapse upstream of ${node.name}`}
            >
              −
            </button>
          )}
        </span>
        <Link to={assetPath(node.qualifiedName)} className="lnode-name">
          {node.name}
        </Link>
        <span className="lnode-expanders">
          {downOpen && (
            <button
              type="button"
              className="less"
              onClick={(e) => (e.stopPropagation(), onCollapse(node.id, 'DOWNSTREAM'))}
              aria-label={`Collapse downstream of ${node.name}`}
            >
              −
            </button>
          )}
          {down > 0 && (
            <button
              type="button"
              className="more"
              onClick={(e) => (e.stopPropagation(), onExpand(node.id, 'DOWNSTREAM'))}
              aria-label={`Show ${down} more downstream of ${node.name}`}
            >
              +{down}
            </button>
          )}
        </span>
      </div>
      <div className="lnode-meta">
        <span className="kind">{node.kind}</span>
        {node.classifications.map((c) => (
          <span
            key={`${c.name}${String(c.propagated)}${String(c.blocked)}`}
            className={c.blocked ? 'tag blocked' : c.propagated ? 'tag propagated' : 'tag'}
          >
            {c.name}
          </span>
        ))}
        {node.incidents.length > 0 && <span className="tag incident">{node.incidents.length} incident</span>}
      </div>
      {columnLevel &&
        node.columns?.map((c) => (
          <div
            key={c.qualifiedName}
            className={`lcol${litColumns === null ? '' : litColumns.has(c.qualifiedName) ? ' lit' : ' dim'}`}
            data-testid="lineage-column"
            data-qn={c.qualifiedName}
            onClick={(e) => (e.stopPropagation(), onColumn(c.qualifiedName))}
          >
            <Handle type="target" position={Position.Left} id={`in:${c.qualifiedName}`} />
            {c.name}
            {c.classifications.map((x) => (
              <span key={x.name + String(x.propagated)} className={x.blocked ? 'tag blocked' : x.propagated ? 'tag propagated' : 'tag'}>
                {x.name}
              </span>
            ))}
            <Handle type="source" position={Position.Right} id={`out:${c.qualifiedName}`} />
          </div>
        ))}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const NODE_TYPES = { asset: AssetNode };
/** The ELK worker, started at the first layout that needs it (a large graph never does; starting it costs a 1.4 MB script's parse). */
let elk: InstanceType<typeof ELK> | null = null;
const elkLayout = (graph: Parameters<InstanceType<typeof ELK>['layout']>[0]) =>
  (elk ??= new ELK({ workerUrl: '', workerFactory: () => new ElkWorker() })).layout(graph);

/** Up to this many nodes ELK lays them out (fewer crossings); beyond, the linear layered layout does, within a frame or two. */
const ELK_LIMIT = 300;

async function layout(graph: DrawnGraph, columnLevel: boolean): Promise<Map<string, { x: number; y: number }>> {
  if (graph.nodes.size > ELK_LIMIT) return layeredLayout(graph, (n) => ({ width: WIDTH, height: heightOf(n, columnLevel) }));
  const result = await elkLayout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '24',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: [...graph.nodes.values()].map((n) => ({ id: n.id, width: WIDTH, height: heightOf(n, columnLevel) })),
    edges: [...graph.links.values()].map((l) => ({ id: linkKey(l), sources: [l.from], targets: [l.to] })),
  });
  return new Map((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

export function LineagePage({ qualifiedName, firstHop = PAGE }: { qualifiedName: string; firstHop?: number }) {
  const [graph, setGraph] = useState<DrawnGraph | null>(null);
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [columnLevel, setColumnLevel] = useState(false);
  const [columnLinks, setColumnLinks] = useState<ColumnLink[]>([]);
  const [focus, setFocus] = useState<string | null>(null);
  const [classification, setClassification] = useState('');
  const [impact, setImpact] = useState<{
    truncated: boolean;
    nodes: { qualifiedName: string; name: string; kind: string; classifications: { name: string; propagated: boolean }[] }[];
  } | null>(null);
  const [impactPage, setImpactPage] = useState(0);
  const graphRef = useRef<DrawnGraph | null>(null);
  const positionsRef = useRef(positions);
  positionsRef.current = positions;
  const flow = useRef<ReactFlowInstance<Node<NodeData>> | null>(null);
  graphRef.current = graph;
  // The sizes React Flow measured, handed back with every node. A node passed without them is
  // taken as new: React Flow drops its measured handles and measures it again, and a node
  // replaced again before that measurement lands (a relayout, a redraw for columns) could be left
  // unmeasured: its edges were not drawn, with nothing to make React Flow look again.
  const [measured, setMeasured] = useState<ReadonlyMap<string, { width: number; height: number }>>(new Map());
  const onNodesChange = useCallback((changes: NodeChange<Node<NodeData>>[]) => {
    const sizes = changes.flatMap((c) => (c.type === 'dimensions' && c.dimensions ? [[c.id, c.dimensions] as const] : []));
    if (sizes.length === 0) return;
    setMeasured((m) => {
      const next = new Map(m);
      for (const [id, size] of sizes) next.set(id, size);
      return next;
    });
  }, []);

  const fetchNeighbours = useCallback(async (qn: string, direction: Direction, first: number): Promise<LineageNode[]> => {
    type Neighbour = Omit<LineageNode, 'incidents'>;
    const data = await gql<{ asset: { downstream?: { to: Neighbour }[]; upstream?: { from: Neighbour }[] } | null }>(
      NEIGHBOURS[direction],
      {
        qn,
        first,
      },
    );
    const found =
      direction === 'DOWNSTREAM' ? (data.asset?.downstream ?? []).map((e) => e.to) : (data.asset?.upstream ?? []).map((e) => e.from);
    // Their incidents follow (below), twenty nodes a request.
    return found.map((n) => ({ ...n, incidents: [] }));
  }, []);

  // The root, and its first hop each way.
  useEffect(() => {
    let current = true;
    setGraph(null);
    setFocus(null);
    setImpact(null);
    (async () => {
      // The root and both directions at once: one round trip's wait, not three.
      const [{ asset }, up, down] = await Promise.all([
        gql<{ asset: LineageNode | null }>(ROOT, { qn: qualifiedName }),
        fetchNeighbours(qualifiedName, 'UPSTREAM', firstHop),
        fetchNeighbours(qualifiedName, 'DOWNSTREAM', firstHop),
      ]);
      if (!asset) throw new ApiError('NOT_FOUND', `No asset ${qualifiedName} in your tenant`);
      let g = emptyGraph(asset);
      if (up.length > 0) g = expand(g, asset.id, 'UPSTREAM', firstHop, up);
      if (down.length > 0) g = expand(g, asset.id, 'DOWNSTREAM', firstHop, down);
      if (!current) return;
      performance.mark('lineage:fetched');
      setGraph(g);
      setError(null);
    })().catch((e: unknown) => current && setError(messageOf(e)));
    return () => {
      current = false;
    };
  }, [qualifiedName, fetchNeighbours, firstHop]);

  const onExpand = useCallback(
    (id: string, direction: Direction) => {
      const g = graphRef.current;
      const node = g?.nodes.get(id);
      if (!g || !node) return;
      const asked = (g.shown.get(id)?.[direction] ?? 0) + PAGE;
      fetchNeighbours(node.qualifiedName, direction, asked)
        .then((neighbours) => setGraph((current) => (current ? expand(current, id, direction, asked, neighbours) : current)))
        .catch((e: unknown) => setError(messageOf(e)));
    },
    [fetchNeighbours],
  );
  const onCollapse = useCallback((id: string, direction: Direction) => setGraph((g) => (g ? collapse(g, id, direction) : g)), []);

  // Incidents of newly drawn nodes, twenty a request, after they are drawn.
  const askedIncidents = useRef(new Set<string>());
  useEffect(() => {
    if (!graph) return;
    const fresh = [...graph.nodes.values()].filter((n) => !askedIncidents.current.has(n.id));
    if (fresh.length === 0) return;
    for (const n of fresh) askedIncidents.current.add(n.id);
    (async () => {
      const batches: LineageNode[][] = [];
      for (let i = 0; i < fresh.length; i += ALIASES) batches.push(fresh.slice(i, i + ALIASES));
      // Four requests at a time, and one redraw at the end.
      const found: { id: string; incidents: LineageNode['incidents'] }[] = [];
      for (let i = 0; i < batches.length; i += 4) {
        const answers = await Promise.all(
          batches
            .slice(i, i + 4)
            .map((slice) =>
              gql<Record<string, { id: string; incidents: LineageNode['incidents'] } | null>>(
                INCIDENTS(slice.length),
                Object.fromEntries(slice.map((n, k) => [`q${k}`, n.qualifiedName])),
              ),
            ),
        );
        for (const data of answers) for (const a of Object.values(data)) if (a && a.incidents.length > 0) found.push(a);
      }
      if (found.length === 0) return;
      setGraph((g) => {
        if (!g) return g;
        const nodes = new Map(g.nodes);
        for (const a of found) {
          const n = nodes.get(a.id);
          if (n) nodes.set(a.id, { ...n, incidents: a.incidents });
        }
        return { ...g, nodes };
      });
    })().catch((e: unknown) => setError(messageOf(e)));
  }, [graph]);

  // Column level: the columns of every drawn table, and the column edges between drawn tables.
  useEffect(() => {
    if (!columnLevel || !graph) return;
    const missing = [...graph.nodes.values()].filter((n) => n.columns === undefined);
    if (missing.length === 0) return;
    let current = true;
    (async () => {
      const found = new Map<string, { columns: NonNullable<LineageNode['columns']>; links: ColumnLink[] }>();
      // Ten tables a request: fifty columns each with ten edges stays well inside the cost limit.
      for (let i = 0; i < missing.length; i += ALIASES / 2) {
        const slice = missing.slice(i, i + ALIASES / 2);
        type Col = {
          qualifiedName: string;
          name: string;
          kind: string;
          classifications: LineageNode['classifications'];
          downstream: { masking: boolean; to: { qualifiedName: string; parent: { id: string } | null } }[];
        };
        const data = await gql<Record<string, { id: string; children: { edges: { node: Col }[] } } | null>>(
          COLUMNS(slice.length),
          Object.fromEntries(slice.map((n, k) => [`q${k}`, n.qualifiedName])),
        );
        slice.forEach((n, k) => {
          const cols = (data[`t${k}`]?.children.edges ?? []).map((e) => e.node).filter((c) => c.kind === 'COLUMN');
          found.set(n.id, {
            columns: cols.map((c) => ({ qualifiedName: c.qualifiedName, name: c.name, classifications: c.classifications })),
            links: cols.flatMap((c) =>
              c.downstream.flatMap((e) =>
                e.to.parent
                  ? [{ from: c.qualifiedName, fromTable: n.id, to: e.to.qualifiedName, toTable: e.to.parent.id, masking: e.masking }]
                  : [],
              ),
            ),
          });
        });
      }
      if (!current) return;
      setGraph((g) => {
        if (!g) return g;
        const nodes = new Map(g.nodes);
        for (const [id, f] of found) {
          const n = nodes.get(id);
          if (n) nodes.set(id, { ...n, columns: f.columns });
        }
        return { ...g, nodes };
      });
      setColumnLinks((links) => [...links, ...[...found.values()].flatMap((f) => f.links)]);
    })().catch((e: unknown) => current && setError(messageOf(e)));
    return () => {
      current = false;
    };
  }, [columnLevel, graph]);

  // Layout whenever what is drawn (or its size) changes.
  const shape = graph
    ? `${[...graph.nodes.keys()].join()}|${[...graph.links.keys()].join()}|${columnLevel ? [...graph.nodes.values()].map((n) => n.columns?.length ?? 0).join() : ''}`
    : '';
  useEffect(() => {
    if (!graph) return;
    let current = true;
    layout(graph, columnLevel)
      .then((p) => {
        if (!current) return;
        performance.mark('lineage:laid-out');
        // Once React Flow has the new positions: show everything drawn. Animated after an
        // expansion (the eye follows what moved); at once on the first draw, where each frame of
        // an animation would draw and drop hundreds of nodes as the view zooms out across them.
        const first = positionsRef.current.size === 0;
        setPositions(p);
        requestAnimationFrame(() => void flow.current?.fitView({ duration: first ? 0 : 150, maxZoom: 1.2 }));
      })
      .catch((e: unknown) => current && setError(messageOf(e)));
    return () => {
      current = false;
    };
  }, [shape]);

  // Live: what changed among the drawn assets is redrawn in place.
  useEffect(() => {
    const update = (id: string, change: (n: LineageNode) => LineageNode) =>
      setGraph((g) => {
        const n = g?.nodes.get(id);
        if (!g || !n) return g;
        return { ...g, nodes: new Map(g.nodes).set(id, change(n)) };
      });
    const offs = [
      subscribe<{
        classificationChanged: {
          asset: { id: string; qualifiedName: string; parent: { id: string } | null; classifications: LineageNode['classifications'] };
        };
      }>(LIVE_CLASSIFICATIONS, {}, ({ classificationChanged: { asset } }) => {
        update(asset.id, (n) => ({ ...n, classifications: asset.classifications }));
        if (asset.parent)
          update(asset.parent.id, (n) => ({
            ...n,
            columns: n.columns?.map((c) =>
              c.qualifiedName === asset.qualifiedName ? { ...c, classifications: asset.classifications } : c,
            ),
          }));
      }),
      subscribe<{ assetChanged: { change: string; asset: { id: string; name: string; kind: string } } }>(
        LIVE_ASSETS,
        {},
        ({ assetChanged }) =>
          update(assetChanged.asset.id, (n) => ({ ...n, name: assetChanged.asset.name, kind: assetChanged.asset.kind })),
      ),
      subscribe<{ incidentChanged: { incident: { assets: { id: string; incidents: LineageNode['incidents'] }[] } } }>(
        LIVE_INCIDENTS,
        {},
        ({ incidentChanged }) => {
          for (const a of incidentChanged.incident.assets) update(a.id, (n) => ({ ...n, incidents: a.incidents }));
        },
      ),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  // A clicked table lights its path of tables; a clicked column its path of columns (and their tables).
  const litColumns = useMemo(
    () => (columnLevel && focus?.startsWith('column:') ? columnPathThrough(columnLinks, focus.slice('column:'.length)) : null),
    [columnLevel, focus, columnLinks],
  );
  const highlighted = useMemo(() => {
    if (!graph || !focus) return null;
    if (!focus.startsWith('column:')) return pathThrough(graph, focus);
    if (!litColumns) return null;
    const tables = new Set<string>();
    for (const n of graph.nodes.values()) if (n.columns?.some((c) => litColumns.has(c.qualifiedName))) tables.add(n.id);
    return tables;
  }, [graph, focus, litColumns]);
  const onColumn = useCallback((qn: string) => setFocus((f) => (f === `column:${qn}` ? null : `column:${qn}`)), []);
  const classifications = useMemo(
    () => [...new Set(graph ? [...graph.nodes.values()].flatMap((n) => n.classifications.map((c) => c.name)) : [])].sort(),
    [graph],
  );

  const flowNodes: Node<NodeData>[] = useMemo(() => {
    if (!graph) return [];
    // Only what is laid out: a node drawn before its position is known would be drawn (and measured) twice.
    return [...graph.nodes.values()].flatMap((node) => {
      const position = positions.get(node.id);
      if (!position) return [];
      const shown = graph.shown.get(node.id);
      const c = classification ? node.classifications.find((x) => x.name === classification) : undefined;
      const size = measured.get(node.id);
      return {
        id: node.id,
        type: 'asset' as const,
        position,
        // Sizes until measured: the minimap draws the nodes that are off screen (and so never measured).
        initialWidth: WIDTH,
        initialHeight: heightOf(node, columnLevel),
        ...(size ? { measured: size } : {}),
        data: {
          node,
          root: node.id === graph.rootId,
          up: hidden(graph, node.id, 'UPSTREAM'),
          down: hidden(graph, node.id, 'DOWNSTREAM'),
          upOpen: (shown?.UPSTREAM ?? 0) > 0 && drawnNeighbours(graph, node.id, 'UPSTREAM').length > 0 && node.id !== graph.rootId,
          downOpen: (shown?.DOWNSTREAM ?? 0) > 0 && drawnNeighbours(graph, node.id, 'DOWNSTREAM').length > 0 && node.id !== graph.rootId,
          dim: (highlighted !== null && !highlighted.has(node.id)) || (classification !== '' && !c),
          marked: c ? (c.blocked ? 'blocked' : c.propagated ? 'propagated' : 'direct') : null,
          columnLevel,
          litColumns,
          onColumn,
          onExpand,
          onCollapse,
        },
      };
    });
  }, [graph, positions, measured, highlighted, classification, columnLevel, litColumns, onColumn, onExpand, onCollapse]);

  const flowEdges: Edge[] = useMemo(() => {
    if (!graph) return [];
    const tableEdges = [...graph.links.values()].map((l) => ({
      id: linkKey(l),
      source: l.from,
      target: l.to,
      animated: highlighted !== null && highlighted.has(l.from) && highlighted.has(l.to),
    }));
    if (!columnLevel) return tableEdges;
    const columnEdges = columnLinks
      .filter((c) => graph.nodes.has(c.fromTable) && graph.nodes.has(c.toTable))
      .map((c) => ({
        id: `${c.from}→${c.to}`,
        source: c.fromTable,
        sourceHandle: `out:${c.from}`,
        target: c.toTable,
        targetHandle: `in:${c.to}`,
        // A masking flow (a hash, a redaction) is dashed: maskable classifications stop there.
        className: c.masking ? 'column-edge masking' : 'column-edge',
        animated: litColumns !== null && litColumns.has(c.from) && litColumns.has(c.to),
      }));
    return [...tableEdges.map((e) => ({ ...e, className: 'table-edge faint' })), ...columnEdges];
  }, [graph, highlighted, columnLevel, columnLinks, litColumns]);

  const loadImpact = () => {
    setImpactPage(0);
    gql<{ lineage: NonNullable<typeof impact> }>(IMPACT, { qn: qualifiedName })
      .then((d) => setImpact({ ...d.lineage, nodes: d.lineage.nodes.filter((n) => n.qualifiedName !== qualifiedName) }))
      .catch((e: unknown) => setError(messageOf(e)));
  };
  const downloadCsv = () => {
    if (!impact) return;
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const rows = [
      ['qualifiedName', 'name', 'kind', 'classifications'],
      ...impact.nodes.map((n) => [n.qualifiedName, n.name, n.kind, n.classifications.map((c) => c.name).join(' ')]),
    ];
    const url = URL.createObjectURL(new Blob([rows.map((r) => r.map(quote).join(',')).join('\n')], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'impact.csv';
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="lineage">
      <div className="toolbar" role="toolbar" aria-label="Lineage">
        <h1>
          Lineage of <Link to={assetPath(qualifiedName)}>{graph?.nodes.get(graph.rootId)?.name ?? qualifiedName}</Link>
        </h1>
        <label>
          <input type="checkbox" checked={columnLevel} onChange={(e) => setColumnLevel(e.target.checked)} /> Column level
        </label>
        <label>
          Highlight{' '}
          <select value={classification} onChange={(e) => setClassification(e.target.value)} aria-label="Highlight a classification">
            <option value="">no classification</option>
            {classifications.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        {focus && (
          <button type="button" onClick={() => setFocus(null)}>
            Clear path
          </button>
        )}
        <button type="button" onClick={loadImpact}>
          Impact list
        </button>
        <span className="muted" data-testid="drawn">
          {graph ? `${graph.nodes.size} drawn` : ''}
        </span>
      </div>
      <ErrorText error={error} />
      <div
        className="flow"
        data-testid="lineage-canvas"
        data-laid-out={graph !== null && [...graph.nodes.keys()].every((id) => positions.has(id))}
      >
        {graph && (
          <ReactFlow
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onNodeClick={(_, n) => setFocus((f) => (f === n.id ? null : n.id))}
            onlyRenderVisibleElements
            onInit={(instance) => {
              flow.current = instance;
            }}
            minZoom={0.05}
            nodesDraggable={false}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
            <MiniMap pannable zoomable />
          </ReactFlow>
        )}
      </div>
      {impact && (
        <section className="impact" aria-labelledby="h-impact">
          <h2 id="h-impact">
            Downstream impact: {impact.nodes.length} assets{impact.truncated ? ' (cut at the lineage limit)' : ''}{' '}
            <button type="button" onClick={downloadCsv}>
              Download CSV
            </button>
          </h2>
          <ol start={impactPage * 50 + 1}>
            {impact.nodes.slice(impactPage * 50, impactPage * 50 + 50).map((n) => (
              <li key={n.qualifiedName}>
                <Link to={lineagePath(n.qualifiedName)}>{n.name}</Link> <span className="kind">{n.kind}</span>{' '}
                <span className="qn">{n.qualifiedName}</span>
              </li>
            ))}
          </ol>
          <nav className="pager" aria-label="Impact pages">
            <button type="button" disabled={impactPage === 0} onClick={() => setImpactPage((p) => p - 1)}>
              Previous
            </button>
            <button type="button" disabled={(impactPage + 1) * 50 >= impact.nodes.length} onClick={() => setImpactPage((p) => p + 1)}>
              Next
            </button>
          </nav>
        </section>
      )}
    </div>
  );
}
