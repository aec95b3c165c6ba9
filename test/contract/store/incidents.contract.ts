// The graph store contract, incidents (src/store/ports/incidents.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { type StoreContract, page } from './context.js';
import { assetRecord, qn, uniqueTenant } from '../../support/fixtures.js';

export function incidentsContract(ctx: StoreContract): void {
  it('stores incidents with their assets, finds them by external id, filters and pages them', async () => {
    const t = uniqueTenant();
    const [a, b] = [assetRecord('TABLE', qn('a')), assetRecord('TABLE', qn('b'))];
    const incident = (i: number, extra = {}) => ({
      id: randomUUID(),
      externalId: `ext-${i}`,
      source: 'monte-carlo',
      type: 'FRESHNESS' as const,
      severity: 'SEV2' as const,
      status: 'OPEN' as const,
      title: `late ${i}`,
      url: null,
      detectedAt: new Date(Date.UTC(2026, 1, i)).toISOString(),
      updatedAt: a.createdAt,
      assetIds: [a.id],
      ...extra,
    });
    await ctx.write(t, async (tx) => {
      await tx.writeAssets([a, b]);
      await tx.putIncident(incident(1));
      await tx.putIncident(incident(2, { status: 'RESOLVED', assetIds: [a.id, b.id].sort() }));
      await tx.putIncident(incident(3, { severity: 'SEV1' }));
    });
    const graph = ctx.store.tenant(t);
    const found = await graph.incidentByExternalId('monte-carlo', 'ext-2');
    assert.equal(found?.status, 'RESOLVED');
    assert.deepEqual(found?.assetIds, [a.id, b.id].sort());
    const p1 = await graph.listIncidents({}, page(2));
    assert.deepEqual(
      p1.items.map((i) => i.node.externalId),
      ['ext-3', 'ext-2'],
    );
    const p2 = await graph.listIncidents({}, page(2, p1.items.at(-1)!.cursor));
    assert.deepEqual(
      p2.items.map((i) => i.node.externalId),
      ['ext-1'],
    );
    assert.equal(await graph.countIncidents({ statuses: ['OPEN'] }), 2);
    assert.equal(await graph.countIncidents({ severities: ['SEV1'] }), 1);
    assert.equal(await graph.countIncidents({ assetId: b.id }), 1);
    const byAsset = await graph.incidentsByAssets([a.id, b.id], ['OPEN']);
    assert.equal(byAsset.get(a.id)?.length, 2);
    assert.equal(byAsset.get(b.id), undefined);
    assert.equal(await ctx.store.tenant(uniqueTenant()).incidentByExternalId('monte-carlo', 'ext-2'), null);
  });
}
