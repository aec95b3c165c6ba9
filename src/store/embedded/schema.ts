// DDL of the embedded store. Every table leads with the tenant: rows of one tenant cluster
// together and every index lookup is tenant-first.
import type { Database } from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE assets (
    tenant TEXT NOT NULL, id TEXT NOT NULL, qualified_name TEXT NOT NULL, kind TEXT NOT NULL,
    name TEXT NOT NULL, description TEXT, owners TEXT NOT NULL, attributes TEXT NOT NULL,
    parent_id TEXT, version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX assets_qualified_name ON assets (tenant, qualified_name);
  CREATE INDEX assets_parent ON assets (tenant, parent_id, qualified_name);
  CREATE INDEX assets_kind ON assets (tenant, kind, qualified_name);

  CREATE TABLE edges (
    tenant TEXT NOT NULL, from_id TEXT NOT NULL, to_id TEXT NOT NULL, process_id TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL,
    PRIMARY KEY (tenant, from_id, to_id, process_id)
  ) WITHOUT ROWID;
  CREATE INDEX edges_to ON edges (tenant, to_id, from_id);
  CREATE INDEX edges_process ON edges (tenant, process_id) WHERE process_id <> '';

  CREATE TABLE classification_types (
    tenant TEXT NOT NULL, name TEXT NOT NULL, description TEXT, propagate_by_default INTEGER NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (tenant, name)
  ) WITHOUT ROWID;

  CREATE TABLE direct_assignments (
    tenant TEXT NOT NULL, asset_id TEXT NOT NULL, classification TEXT NOT NULL, propagate INTEGER NOT NULL,
    added_at TEXT NOT NULL, added_by TEXT NOT NULL, PRIMARY KEY (tenant, asset_id, classification)
  ) WITHOUT ROWID;
  CREATE INDEX direct_by_classification ON direct_assignments (tenant, classification);

  CREATE TABLE propagations (
    tenant TEXT NOT NULL, classification TEXT NOT NULL, source_id TEXT NOT NULL, asset_id TEXT NOT NULL,
    blocked INTEGER NOT NULL, added_at TEXT NOT NULL, added_by TEXT NOT NULL,
    PRIMARY KEY (tenant, classification, source_id, asset_id)
  ) WITHOUT ROWID;
  CREATE INDEX propagations_by_asset ON propagations (tenant, asset_id, classification, blocked);

  CREATE TABLE blocks (
    tenant TEXT NOT NULL, asset_id TEXT NOT NULL, classification TEXT NOT NULL,
    added_at TEXT NOT NULL, added_by TEXT NOT NULL, PRIMARY KEY (tenant, asset_id, classification)
  ) WITHOUT ROWID;

  CREATE TABLE history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, id TEXT NOT NULL, asset_id TEXT NOT NULL,
    qualified_name TEXT NOT NULL, change TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL,
    version INTEGER NOT NULL, before TEXT, after TEXT
  );
  CREATE INDEX history_by_asset ON history (tenant, asset_id, seq);

  CREATE TABLE incidents (
    tenant TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL, external_id TEXT NOT NULL, type TEXT NOT NULL,
    severity TEXT NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL, url TEXT, detected_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (tenant, id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX incidents_external ON incidents (tenant, source, external_id);
  CREATE INDEX incidents_detected ON incidents (tenant, detected_at, id);

  CREATE TABLE incident_assets (
    tenant TEXT NOT NULL, incident_id TEXT NOT NULL, asset_id TEXT NOT NULL,
    PRIMARY KEY (tenant, incident_id, asset_id)
  ) WITHOUT ROWID;
  CREATE INDEX incident_assets_by_asset ON incident_assets (tenant, asset_id);

  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
    payload TEXT NOT NULL, created_at TEXT NOT NULL, published_at TEXT
  );
  CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
  `,
  `
  CREATE TABLE ingested_events (
    tenant TEXT NOT NULL, event_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (tenant, event_id)
  ) WITHOUT ROWID;
  CREATE INDEX ingested_events_at ON ingested_events (at);
  `,
  `
  CREATE TABLE propagation_jobs (
    id TEXT NOT NULL PRIMARY KEY, tenant TEXT NOT NULL, source_id TEXT NOT NULL, classification TEXT NOT NULL,
    status TEXT NOT NULL, generation INTEGER NOT NULL, total INTEGER, applied INTEGER NOT NULL, actor TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT, owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX propagation_jobs_unit ON propagation_jobs (tenant, classification, source_id);
  CREATE INDEX propagation_jobs_open ON propagation_jobs (status, updated_at);
  `,
  `
  CREATE TABLE source_runs (
    tenant TEXT NOT NULL, key TEXT NOT NULL, job TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, key)
  ) WITHOUT ROWID;
  CREATE INDEX source_runs_updated ON source_runs (updated_at);
  `,
  `
  CREATE TABLE crawl_runs (
    tenant TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL, started_at TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  ) WITHOUT ROWID;
  CREATE INDEX crawl_runs_started ON crawl_runs (tenant, started_at, id);
  CREATE INDEX crawl_runs_source ON crawl_runs (tenant, source, started_at, id);
  CREATE TABLE crawl_inventory (
    tenant TEXT NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL, owned INTEGER NOT NULL,
    PRIMARY KEY (tenant, source, key)
  ) WITHOUT ROWID;
  CREATE TABLE crawl_leases (
    tenant TEXT NOT NULL, source TEXT NOT NULL, holder TEXT NOT NULL, until_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant, source)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE edges ADD COLUMN masking INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX edges_masking ON edges (tenant, from_id) WHERE masking = 1;
  ALTER TABLE classification_types ADD COLUMN maskable INTEGER NOT NULL DEFAULT 0;
  `,
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    const ddl = MIGRATIONS[version];
    if (ddl === undefined) break;
    db.transaction(() => {
      db.exec(ddl);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
