import { CustomerInput } from '@hourmeter/domain';
import { describe, expect, it } from 'vitest';
import { dbTargets, useDbTarget } from '../testing.js';

describe.each(dbTargets())('portal reads on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;

  it("answers only with the customer's own work orders, split open and closed, and its open alerts", async () => {
    const repos = fixture.repos;
    const model = await repos.assetModels.create({ code: `PM-${target.name}`, name: 'Pump', runningRule: { kind: 'threshold', metric: 'rpm', above: 1 }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 1 });
    const unit = async (name: string) => {
      const customer = await repos.customers.create(CustomerInput.parse({ name, currency: 'EUR' }));
      const site = await repos.sites.create({ customerId: customer.id, name: `${name} works`, timezone: 'UTC' });
      const asset = await repos.assets.create({ serialNumber: `${name}-1`, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
      return { customer, asset };
    };
    const a = await unit('Acme');
    const b = await unit('Brix');
    const order = (assetId: string, at: number) => repos.workOrders.create({ kind: 'corrective', assetId, description: `fix ${assetId}` }, { actor: 't', now: at, repeatWindowMs: 0 });
    const aOpen = await order(a.asset.id, 1_000);
    const aDone = await order(a.asset.id, 2_000);
    await repos.workOrders.transition(aDone.id, { from: 'open', to: 'cancelled', actor: 't', at: 3_000, note: 'duplicate' });
    const bOpen = await order(b.asset.id, 4_000);
    const evidence = { signals: [{ metric: 'vibration', score: 5 }], windowFrom: 0, windowTo: 1 };
    const aAlert = await repos.alerts.raise({ assetId: a.asset.id, failureMode: 'wear', severity: 'high', evidence, modelVersion: 'v1', at: 5_000, reason: 'r' });
    await repos.alerts.raise({ assetId: b.asset.id, failureMode: 'wear', severity: 'low', evidence, modelVersion: 'v1', at: 6_000, reason: 'r' });

    const open = await repos.portal.workOrders(a.customer.id, { state: 'open' });
    expect(open.map((w) => w.id)).toEqual([aOpen.id]);
    expect(open[0]).toMatchObject({ serialNumber: 'Acme-1', siteName: 'Acme works', state: 'open', completedAt: null });
    const closed = await repos.portal.workOrders(a.customer.id, { state: 'closed' });
    expect(closed.map((w) => [w.id, w.state, w.cancelledAt])).toEqual([[aDone.id, 'cancelled', 3_000]]);
    expect((await repos.portal.workOrders(b.customer.id, { state: 'open' })).map((w) => w.id)).toEqual([bOpen.id]);
    expect((await repos.portal.openAlerts(a.customer.id)).map((x) => [x.id, x.severity, x.serialNumber])).toEqual([[aAlert.id, 'high', 'Acme-1']]);
    // A customer that owns nothing (or does not exist) sees nothing, never everything.
    expect(await repos.portal.workOrders('cus_00000000000000000000000000', { state: 'open' })).toEqual([]);
    expect(await repos.portal.openAlerts('cus_00000000000000000000000000')).toEqual([]);
    // The fleet summary's customer and asset filters together: another customer's asset is not in this customer's fleet.
    expect(await repos.fleetSummary.facts({ customerId: a.customer.id, assetId: b.asset.id })).toEqual([]);
    expect((await repos.fleetSummary.facts({ customerId: a.customer.id, assetId: a.asset.id })).map((f) => f.serialNumber)).toEqual(['Acme-1']);
  });
});
