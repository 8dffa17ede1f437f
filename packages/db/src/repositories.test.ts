import { beforeAll, describe, expect, it } from 'vitest';
import type { Db, Repositories } from './index.js';
import { dbTargets, expectAppError, useDbTarget } from './testing.js';


const targets = dbTargets();

describe.each(targets)('registry repositories on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let db: Db;
  let repos: Repositories;

  beforeAll(async () => {
    ({ db, repos } = store);
  });

  async function fixture() {
    const customer = await repos.customers.create({
      name: 'Acme Foods',
      currency: 'EUR',
      value: { annualRevenueMinor: 12_000_000_00, onTimePaymentRate: 0.97, annualCostToServeMinor: 0, size: 'large', influence: 0.5 },
    });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant 1', timezone: 'Europe/Berlin' });
    const model = await repos.assetModels.create({
      code: `PUMP-${Math.random().toString(36).slice(2, 8).toUpperCase()}`,
      name: 'Centrifugal pump',
      runningRule: { kind: 'threshold', metric: 'rpm', above: 100 },
      maxGapSeconds: 600,
      warrantyMonths: 24,
      leadTimeHours: 72,
    });
    const batch = await repos.productionBatches.create({
      assetModelId: model.id,
      code: 'B-2026-01',
      producedOn: '2026-01-15',
      unitCount: 500,
      qualityReserve: { amountMinor: 2_500_000, currency: 'EUR' },
    });
    return { customer, site, model, batch };
  }

  it('creates and reads back every registry entity with its fields', async () => {
    const { customer, site, model, batch } = await fixture();
    expect(await repos.customers.get(customer.id)).toEqual(customer);
    // Computed from the customer's payments, never taken from the input: a new customer has none.
    expect(customer.value.onTimePaymentRate).toBe(1);
    expect(customer.value.annualRevenueMinor).toBe(1_200_000_000);
    expect(site.customerId).toBe(customer.id);
    expect(model.runningRule).toEqual({ kind: 'threshold', metric: 'rpm', above: 100 });
    expect(batch.qualityReserve).toEqual({ amountMinor: 2_500_000, currency: 'EUR' });

    const asset = await repos.assets.create({
      serialNumber: 'SN-0001',
      assetModelId: model.id,
      productionBatchId: batch.id,
      siteId: site.id,
      commissionedOn: '2026-01-31',
      status: 'active',
    });
    // Warranty defaults to commissioning + the model's 24 months.
    expect(asset.warrantyEndsOn).toBe('2028-01-31');
    expect(await repos.assets.get(asset.id)).toEqual(asset);
  });

  it('rejects a duplicate serial number within a model and allows it in another', async () => {
    const { site, model } = await fixture();
    const base = { serialNumber: 'SN-DUP', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-02-01', status: 'active' as const };
    await repos.assets.create(base);
    await expectAppError(repos.assets.create(base), 'CONFLICT');
    const other = await fixture();
    const again = await repos.assets.create({ ...base, assetModelId: other.model.id, siteId: other.site.id });
    expect(again.serialNumber).toBe('SN-DUP');
  });

  it('names the missing reference and writes nothing', async () => {
    const { site } = await fixture();
    const before = await repos.assets.list({ filters: { siteId: site.id } });
    const err = await expectAppError(
      repos.assets.create({
        serialNumber: 'SN-X',
        assetModelId: 'mdl_01JAAAAAAAAAAAAAAAAAAAAAAA',
        siteId: site.id,
        commissionedOn: '2026-02-01',
        status: 'active',
      }),
      'REFERENCE_NOT_FOUND',
    );
    expect(err.message).toContain('assetModelId');
    expect((await repos.assets.list({ filters: { siteId: site.id } })).items).toEqual(before.items);
    await expectAppError(repos.devices.create({ assetId: 'ast_01JAAAAAAAAAAAAAAAAAAAAAAA' }), 'REFERENCE_NOT_FOUND');
  });

  it('rejects a batch of another model', async () => {
    const a = await fixture();
    const b = await fixture();
    await expectAppError(
      repos.assets.create({
        serialNumber: 'SN-B',
        assetModelId: a.model.id,
        productionBatchId: b.batch.id,
        siteId: a.site.id,
        commissionedOn: '2026-02-01',
        status: 'active',
      }),
      'VALIDATION_FAILED',
    );
  });

  it('pages with a cursor in creation order and filters', async () => {
    const { site, model } = await fixture();
    const created = [];
    for (let i = 0; i < 7; i++) {
      created.push(
        await repos.assets.create({ serialNumber: `SN-P${i}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-03-01', status: 'active' }),
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await repos.assets.list({ limit: 3, cursor, filters: { assetModelId: model.id } });
      seen.push(...page.items.map((a) => a.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(created.map((a) => a.id));
    const byCustomer = await repos.assets.list({ filters: { customerId: site.customerId }, limit: 500 });
    expect(byCustomer.items.map((a) => a.id)).toEqual(created.map((a) => a.id));
  });

  it('updates with validation and refuses to delete what is referenced', async () => {
    const { customer, site } = await fixture();
    const renamed = await repos.sites.update(site.id, { name: 'Plant 2' });
    expect(renamed.name).toBe('Plant 2');
    expect(renamed.timezone).toBe('Europe/Berlin');
    expect(renamed.updatedAt).toBeGreaterThanOrEqual(site.updatedAt);
    await expectAppError(repos.customers.remove(customer.id), 'IN_USE');
    expect(await repos.customers.get(customer.id)).toEqual(customer);
    await expectAppError(repos.sites.get('sit_01JAAAAAAAAAAAAAAAAAAAAAAA'), 'NOT_FOUND');
  });

  it('stores device secrets hashed, rotates and revokes', async () => {
    const { site, model } = await fixture();
    const asset = await repos.assets.create({ serialNumber: 'SN-D', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-03-01', status: 'active' });
    const { device, credentials } = await repos.devices.create({ assetId: asset.id, name: 'gateway' });
    expect(credentials.username).toBe(device.id);
    const auth = await repos.devices.findForAuth(device.id);
    expect(auth?.secretHash).not.toContain(credentials.password);
    expect(auth?.secretHash).toMatch(/^[0-9a-f]{64}$/);

    const rotated = await repos.devices.rotateSecret(device.id);
    expect(rotated.credentials.password).not.toBe(credentials.password);
    expect((await repos.devices.findForAuth(device.id))?.secretHash).not.toBe(auth?.secretHash);

    const renamed = await repos.devices.update(device.id, { name: 'gateway 2' });
    expect(renamed.name).toBe('gateway 2');
    expect((await repos.devices.findForAuth(device.id))?.secretHash).toBe((await repos.devices.findForAuth(device.id))?.secretHash);

    const revoked = await repos.devices.revoke(device.id);
    expect(revoked.status).toBe('revoked');
    expect((await repos.devices.findForAuth(device.id))?.status).toBe('revoked');
    await expectAppError(repos.devices.rotateSecret(device.id), 'ILLEGAL_TRANSITION');
  });

  it('authenticates API keys, refuses revoked ones, bootstraps the admin key once', async () => {
    const first = await repos.apiKeys.bootstrapAdmin(undefined);
    const second = await repos.apiKeys.bootstrapAdmin('x'.repeat(30));
    expect(first?.generated).toBe(true);
    expect(second).toBeUndefined();
    expect(await repos.apiKeys.authenticate(first!.key)).toMatchObject({ role: 'admin' });

    const { apiKey, key } = await repos.apiKeys.create({ name: 'Planning desk', role: 'planner' });
    // The key's name is who history shows as having acted.
    expect(await repos.apiKeys.authenticate(key)).toEqual({ id: apiKey.id, role: 'planner', name: 'Planning desk', customerId: null });
    expect(await repos.apiKeys.authenticate(key + 'x')).toBeUndefined();
    await repos.apiKeys.revoke(apiKey.id);
    expect(await repos.apiKeys.authenticate(key)).toBeUndefined();
    const listed = await repos.apiKeys.list();
    expect(listed.find((k) => k.id === apiKey.id)?.revokedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(key);
  });

  it('reopens an existing store without re-running migrations', async () => {
    expect(await db.ping()).toBe(true);
  });
});
