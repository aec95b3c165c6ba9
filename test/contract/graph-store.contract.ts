// The graph store contract: every adapter (embedded, Neo4j) must pass exactly these tests, one
// suite per domain port (test/contract/store/<domain>.contract.ts beside src/store/ports/<domain>.ts).
import { after, before, describe } from 'node:test';
import type { GraphStore } from '../../src/store/ports/index.js';
import type { StoreFactory, StoreHandle } from '../support/fixtures.js';
import { assetsContract } from './store/assets.contract.js';
import { classificationContract } from './store/classification.contract.js';
import { crawlsContract } from './store/crawls.contract.js';
import type { StoreContract } from './store/context.js';
import { eventsContract } from './store/events.contract.js';
import { incidentsContract } from './store/incidents.contract.js';
import { lineageContract } from './store/lineage.contract.js';
import { propagationJobsContract } from './store/propagation-jobs.contract.js';
import { runsContract } from './store/runs.contract.js';

const PORTS: [string, (ctx: StoreContract) => void][] = [
  ['assets', assetsContract],
  ['lineage', lineageContract],
  ['classification', classificationContract],
  ['propagation jobs', propagationJobsContract],
  ['incidents', incidentsContract],
  ['runs', runsContract],
  ['crawls', crawlsContract],
  ['events', eventsContract],
];

export function graphStoreContract(factory: StoreFactory): void {
  describe(`graph store contract: ${factory.name}`, () => {
    let handle: StoreHandle | undefined;
    before(async () => {
      handle = await factory.open();
    });
    after(async () => handle?.close());
    const ctx: StoreContract = {
      get store(): GraphStore {
        if (!handle) throw new Error('the store is opened in before()');
        return handle.store;
      },
      write: (tenant, work) => ctx.store.tenant(tenant).transaction(work),
    };
    for (const [name, contract] of PORTS) describe(name, () => contract(ctx));
  });
}
