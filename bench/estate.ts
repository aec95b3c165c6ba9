// The synthetic estate every benchmark uses: 10 warehouses × 10 schema layers × 100 tables × 9
// columns, each table fed by two tables of the layer above (and each column by its namesake),
// plus a fan-out of 10,001 tables (root → 100 → 100 × 99) for propagation: 110,113 assets and
// 109,000 lineage edges.
import { join } from 'node:path';
import type { Viewer } from '../src/domain/auth.js';
import type { AssetInput } from '../src/services/assets.js';
import type { EdgeInput } from '../src/services/lineage.js';
import { createEmbeddedFeed } from '../src/store/embedded/feed.js';
import { createEmbeddedStore } from '../src/store/embedded/index.js';
import { createOutboxRelay } from '../src/streams/outbox-relay.js';
import { servicesFor, silentLog } from '../test/support/fixtures.js';

export const DBS = 10,
  SCHEMAS = 10,
  TABLES = 100,
  COLUMNS = 9;
export const FANOUT = 100,
  LEAVES = 99; // 100 + 100 × 99 = 10,000 downstream of the root

export const tq = (d: number, s: number, t: number): string => `snowflake://bench/db${d}.s${s}.t${t}`;
export const pq = (i: number): string => `snowflake://bench/prop.fan.t${i}`;
/** A table in one of the first five layers, so that depth-5 lineage has room to go. */
export const pick = (i: number): string => tq((i * 7) % DBS, (i * 3) % 5, (i * 13) % TABLES);

/** Per warehouse: its assets (parents before children) and its lineage. */
export function* warehouses(): Generator<{ assets: AssetInput[]; lineage: EdgeInput[] }> {
  for (let d = 0; d < DBS; d++) {
    const db = `snowflake://bench/db${d}`;
    const assets: AssetInput[] = [{ qualifiedName: db, kind: 'DATABASE' }];
    for (let s = 0; s < SCHEMAS; s++) {
      assets.push({ qualifiedName: `${db}.s${s}`, kind: 'SCHEMA', parentQualifiedName: db });
      for (let t = 0; t < TABLES; t++) {
        assets.push({
          qualifiedName: tq(d, s, t),
          kind: 'TABLE',
          description: `Layer ${s} model ${t} of warehouse ${d}`,
          owners: [`team${t % 7}@bench.io`],
          parentQualifiedName: `${db}.s${s}`,
          attributes: { rows: t * 1000 },
        });
        for (let c = 0; c < COLUMNS; c++)
          assets.push({
            qualifiedName: `${tq(d, s, t)}.c${c}`,
            kind: 'COLUMN',
            parentQualifiedName: tq(d, s, t),
            attributes: { dataType: 'VARCHAR' },
          });
      }
    }
    const lineage: EdgeInput[] = [];
    for (let s = 1; s < SCHEMAS; s++) {
      for (let t = 0; t < TABLES; t++) {
        lineage.push({ from: tq(d, s - 1, t), to: tq(d, s, t) }, { from: tq(d, s - 1, (t * 7 + 3) % TABLES), to: tq(d, s, t) });
        for (let c = 0; c < COLUMNS; c++) lineage.push({ from: `${tq(d, s - 1, t)}.c${c}`, to: `${tq(d, s, t)}.c${c}` });
      }
    }
    yield { assets, lineage };
  }
}

export function fanout(): { assets: AssetInput[]; lineage: EdgeInput[] } {
  const assets: AssetInput[] = [
    { qualifiedName: 'snowflake://bench/prop', kind: 'DATABASE' },
    { qualifiedName: 'snowflake://bench/prop.fan', kind: 'SCHEMA', parentQualifiedName: 'snowflake://bench/prop' },
  ];
  for (let i = 0; i <= FANOUT * (LEAVES + 1); i++)
    assets.push({ qualifiedName: pq(i), kind: 'TABLE', parentQualifiedName: 'snowflake://bench/prop.fan' });
  const lineage: EdgeInput[] = [];
  for (let m = 1; m <= FANOUT; m++) {
    lineage.push({ from: pq(0), to: pq(m) });
    for (let l = 0; l < LEAVES; l++) lineage.push({ from: pq(m), to: pq(FANOUT + 1 + (m - 1) * LEAVES + l) });
  }
  return { assets, lineage };
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The whole estate in an embedded store under `dataDir`, through the services (validation, history, outbox), with PII defined. */
export async function buildEmbeddedEstate(dataDir: string, tenant: string): Promise<{ assets: number; edges: number; seconds: number }> {
  const store = createEmbeddedStore({ path: join(dataDir, 'metalake.db'), synchronous: 'normal' });
  const feed = createEmbeddedFeed();
  const relay = createOutboxRelay({ store, feed, log: silentLog, retentionHours: 1 });
  await relay.start();
  const services = servicesFor(store, feed, 1000);
  const admin: Viewer = { subject: 'bench', tenant, roles: ['admin'], expiresAt: null };
  const started = performance.now();
  let assets = 0,
    edges = 0;
  const upsert = async (batch: AssetInput[]) => {
    for (let i = 0; i < batch.length; i += 1000) {
      await services.assets.upsert(admin, batch.slice(i, i + 1000));
      assets += Math.min(1000, batch.length - i);
    }
  };
  const link = async (batch: EdgeInput[]) => {
    for (let i = 0; i < batch.length; i += 1000) {
      await services.lineage.add(admin, batch.slice(i, i + 1000));
      edges += Math.min(1000, batch.length - i);
    }
  };
  for (const warehouse of [...warehouses(), fanout()]) {
    await upsert(warehouse.assets);
    await link(warehouse.lineage);
  }
  await services.classification.define(admin, { name: 'PII', propagateByDefault: true });
  await relay.flush();
  await relay.stop();
  await store.close();
  return { assets, edges, seconds: Math.round((performance.now() - started) / 100) / 10 };
}
