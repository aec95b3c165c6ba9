// Index hints for lookups by key. Every statement that finds an asset by id or qualified name
// (one key, or a list of them through UNWIND) names the unique index it must seek.
//
// Without the hint, Neo4j may choose the tenant index instead (`asset_tenant`, on the tenant
// alone), and the statement then walks every asset of the tenant once per key. It does this when
// the plan is made while the label is young and its statistics are stale (just after a load,
// before index sampling catches up), and the plan stays cached. A reproduction had 5,000 assets
// read with their classification state in 45 s (`NodeIndexSeek a:Asset(tenant)`, 50 million
// rows) against 0.3 s seeking the unique index. `USING INDEX SEEK` admits only a seek on the
// named index, never a scan of it (see classification.ts: a plan honoured a plain `USING INDEX`
// with a whole-index scan per row).
//
// Incidents have the same pair of indexes (the tenant alone, and the unique (tenant, id)), so
// their lookups by id are pinned too. The other labels' lookups by key have one candidate index.
//
// MERGE takes no hints; it is planned on its unique constraint.

/** The (tenant, id) unique index, for a pattern `(v:Asset {tenant: $t, id: …})`. */
export const SEEK_ID = (v: string): string => `USING INDEX SEEK ${v}:Asset(tenant, id)`;

/** The (tenant, qualifiedName) unique index, for a pattern `(v:Asset {tenant: $t, qualifiedName: …})`. */
export const SEEK_NAME = (v: string): string => `USING INDEX SEEK ${v}:Asset(tenant, qualifiedName)`;

/** The (tenant, id) unique index of incidents, for a pattern `(v:Incident {tenant: $t, id: …})`. */
export const SEEK_INCIDENT = (v: string): string => `USING INDEX SEEK ${v}:Incident(tenant, id)`;
