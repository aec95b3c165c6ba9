// Runs of a job, as producers report them (OpenLineage's run cycle): what a run observed becomes
// lineage only once the run is known to have moved data. A run is reported by several events
// (START, RUNNING…, then COMPLETE, FAIL or ABORT), each naming some of its inputs and outputs;
// they are accumulated across the run, as the OpenLineage spec asks of consumers, and may arrive
// in any order.
//
//   PENDING   — reported, nothing moved yet (START, OTHER): what it names is remembered.
//   CONFIRMED — a RUNNING or COMPLETE event said data moved (a streaming job never completes):
//               everything the run named, before and after, is lineage.
//   FAILED    — FAIL or ABORT before any confirmation: nothing it named becomes lineage, and
//               its late or redelivered events add none either.
// CONFIRMED and FAILED are final: the first of them that arrives decides.

export const RUN_EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export type RunState = 'PENDING' | 'CONFIRMED' | 'FAILED';

/** Lineage between two assets' qualified names. */
export interface NamedEdge {
  from: string;
  to: string;
  /** The flow masks the data (column lineage whose transformations all mask). */
  masking?: boolean | undefined;
}

/** What one event of a run says: its inputs flow to its outputs through the job, plus explicit edges (column lineage). */
export interface RunReport {
  /** The source's key of the run (OpenLineage: `openlineage:<runId>`, one key per level). */
  run: string;
  /** The job (a PIPELINE asset) the run executes: the edges' process. */
  job: string;
  eventType: RunEventType;
  inputs: readonly string[];
  outputs: readonly string[];
  edges: readonly NamedEdge[];
}

/** What is remembered of a run between its events. */
export interface RunRecord {
  key: string;
  job: string;
  state: RunState;
  inputs: string[];
  outputs: string[];
  edges: NamedEdge[];
  updatedAt: string;
}

export interface RunStep {
  next: RunRecord;
  /** The lineage to write now (already written edges may repeat: adding them is idempotent). */
  lineage: NamedEdge[];
}

/** The size of a run's lineage: every input to every output, and the explicit edges. */
export const runEdgeCount = (r: Pick<RunRecord, 'inputs' | 'outputs' | 'edges'>): number =>
  r.inputs.length * r.outputs.length + r.edges.length;

const edgeKey = (e: NamedEdge): string => `${e.from}\u0000${e.to}`;
const stateKey = (e: NamedEdge): string => `${edgeKey(e)}\u0000${e.masking === true}`;
const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];

/** The run after one more of its events, and the lineage that event makes real. */
export function advanceRun(current: RunRecord | null, report: RunReport, at: string): RunStep {
  const base: RunRecord = current ?? {
    key: report.run,
    job: report.job,
    state: 'PENDING',
    inputs: [],
    outputs: [],
    edges: [],
    updatedAt: at,
  };
  if (base.state === 'FAILED') return { next: { ...base, updatedAt: at }, lineage: [] };
  const edges = new Map(base.edges.map((e) => [edgeKey(e), e]));
  // A later event's word on masking wins (its column lineage is the newer statement).
  for (const e of report.edges) edges.set(edgeKey(e), { from: e.from, to: e.to, ...(e.masking ? { masking: true } : {}) });
  const merged: RunRecord = {
    ...base,
    inputs: union(base.inputs, report.inputs),
    outputs: union(base.outputs, report.outputs),
    edges: [...edges.values()],
    updatedAt: at,
  };
  if (base.state === 'CONFIRMED') {
    // Only what this event adds or changes: an edge someone removed since is not brought back by a late event.
    const before = new Set(runLineage(base).map(stateKey));
    return { next: merged, lineage: runLineage(merged).filter((e) => !before.has(stateKey(e))) };
  }
  if (report.eventType === 'RUNNING' || report.eventType === 'COMPLETE')
    return { next: { ...merged, state: 'CONFIRMED' }, lineage: runLineage(merged) };
  if (report.eventType === 'FAIL' || report.eventType === 'ABORT')
    return { next: { ...merged, state: 'FAILED', inputs: [], outputs: [], edges: [] }, lineage: [] };
  return { next: merged, lineage: [] };
}

/** Every input to every output (not to itself), then the explicit edges, each once. */
function runLineage(r: RunRecord): NamedEdge[] {
  const out = new Map<string, NamedEdge>();
  for (const from of r.inputs) for (const to of r.outputs) if (from !== to) out.set(edgeKey({ from, to }), { from, to });
  for (const e of r.edges) if (e.from !== e.to) out.set(edgeKey(e), e);
  return [...out.values()];
}
