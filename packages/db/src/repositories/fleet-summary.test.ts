import { describe, expect, it } from 'vitest';
import { dbTargets, useDbTarget } from '../testing.js';

const H = 3_600_000;
const evidence = { signals: [{ metric: 'vibration_rms', score: 4 }], windowFrom: 1, windowTo: 2 };

describe.each(dbTargets())('fleet summary repository on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;

  it('gathers hours, newest RUL, active alerts and devices per asset, within the filters', async () => {
    const repos = fixture.repos;
    const a = await fixture.newAsset();
    const b = await fixture.newAsset();
    const [assetA, assetB] = await Promise.all([repos.assets.get(a), repos.assets.get(b)]);
    const siteA = await repos.sites.get(assetA.siteId);

    for (const [day, hours] of [
      ['2026-07-01', 5],
      ['2026-07-02', 7.5],
    ] as const)
      await repos.operatingHours.record({ assetId: a, day, operatingMs: hours * H, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    await repos.rulEstimates.record({ assetId: a, ts: 1_000, modelVersion: 'm1', hours: 900, lowerHours: 800, upperHours: 1000 });
    await repos.rulEstimates.record({ assetId: a, ts: 2_000, modelVersion: 'm1', hours: 400, lowerHours: 300, upperHours: 500, failureMode: 'bearing_wear' });
    const open = await repos.alerts.raise({ assetId: a, failureMode: 'bearing_wear', severity: 'high', evidence, modelVersion: 'v1', at: 10, reason: 'raised' });
    const closed = await repos.alerts.raise({ assetId: a, failureMode: 'seal_leak', severity: 'critical', evidence, modelVersion: 'v1', at: 11, reason: 'raised' });
    await repos.alerts.transition(closed.id, { to: 'dismissed', actor: 'test', reason: 'noise', at: 12, allowedFrom: ['open'] });
    const device = (await repos.devices.create({ assetId: a, name: 'gw' })).device;
    await repos.deviceConnections.record('node-1', [{ kind: 'connected', deviceId: device.id, at: 5_000, clientAddress: undefined, transport: 'tcp' }]);

    const all = await repos.fleetSummary.facts();
    const factsA = all.find((f) => f.assetId === a);
    expect(factsA).toMatchObject({
      serialNumber: assetA.serialNumber,
      site: { id: siteA.id, name: siteA.name },
      customer: { id: siteA.customerId },
      operatingHours: 12.5,
      rul: { ts: 2_000, hours: 400, failureMode: 'bearing_wear' },
      activeAlerts: [{ id: open.id, severity: 'high', failureMode: 'bearing_wear' }],
      devices: [{ id: device.id, online: true, lastSeenAt: 5_000 }],
    });
    expect(all.find((f) => f.assetId === b)).toMatchObject({ operatingHours: 0, rul: null, activeAlerts: [], devices: [] });

    // Each filter narrows every part of the answer, not only the asset list.
    const onlyB = await repos.fleetSummary.facts({ siteId: assetB.siteId });
    expect(onlyB.map((f) => f.assetId)).toEqual([b]);
    expect((await repos.fleetSummary.facts({ customerId: siteA.customerId })).map((f) => f.assetId)).toEqual([a]);
    expect((await repos.fleetSummary.facts({ assetModelId: assetB.assetModelId })).map((f) => f.assetId)).toEqual([b]);
  });

  it('lists the located sites with their customer, within the filters', async () => {
    const repos = fixture.repos;
    const assetId = await fixture.newAsset();
    const asset = await repos.assets.get(assetId);
    const site = await repos.sites.get(asset.siteId);
    const located = await repos.sites.create({ customerId: site.customerId, name: 'Located', timezone: 'UTC', location: { lat: -33.87, lon: 151.21 } });
    const customer = await repos.customers.get(site.customerId);

    const sites = await repos.fleetSummary.sites({ customerId: site.customerId });
    expect(sites.map((s) => s.id).sort()).toEqual([site.id, located.id].sort());
    expect(sites.find((s) => s.id === located.id)).toEqual({ id: located.id, name: 'Located', location: { lat: -33.87, lon: 151.21 }, timezone: 'UTC', customer: { id: customer.id, name: customer.name } });
    expect((await repos.fleetSummary.sites({ siteId: located.id })).map((s) => s.id)).toEqual([located.id]);
  });
});
