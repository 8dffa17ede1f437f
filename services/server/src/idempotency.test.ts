import { repositories, type Repositories } from '@hourmeter/db';
import { dbTargets } from '@hourmeter/db/testing';
import { buildApi } from '@hourmeter/api';
import { MONEY_AND_STOCK_WRITES } from '@hourmeter/http';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from './services.js';

const logger = pino({ level: 'silent' });

/**
 * Idempotency-Key on money- and stock-writing POSTs (issue 22, item 6),
 * through the API as the process builds it, on SQLite and PostgreSQL: a
 * replay returns the first answer and writes nothing, another body with the
 * same key is 422, concurrent retries write once.
 */
describe.each(dbTargets())('Idempotency-Key on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let app: FastifyInstance;
  let repos: Repositories;
  let store: TelemetryStore;
  let cleanup: () => Promise<void>;
  const dir = tempDir();
  let admin = '';
  let partId = '';
  let warehouseId = '';
  let assetId = '';
  let customerId = '';

  beforeAll(async () => {
    const opened = await target.open();
    cleanup = opened.cleanup;
    repos = repositories(opened.db);
    store = await createDuckDbTelemetryStore({ dataDir: dir.path });
    const services = createServices({ repos, logger, telemetry: store, publishCommand: async () => {} });
    const hourMeter = createHourMeter({ samples: store, totals: repos.operatingHours, logger, settings: modelSettingsSource(repos) });
    app = await buildApi({ repos, logger, health: {}, version: 'test', telemetry: store, hourMeter, ingestCounters: { forDevice: () => undefined }, serviceRoutes: services.routes });
    admin = (await repos.apiKeys.bootstrapAdmin(undefined))!.key;
    customerId = (await repos.customers.create({ name: 'Once Only AG', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } })).id;
    const site = await repos.sites.create({ customerId, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `IDEM-${target.name}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 12, leadTimeHours: 24 });
    assetId = (await repos.assets.create({ serialNumber: 'IDEM-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' })).id;
    partId = (await post('/parts', { partNumber: 'IDM-100', description: 'Seal kit', unitCost: { amountMinor: 1_000, currency: 'EUR' }, fitsAssetModelIds: [model.id] })).json().id;
    warehouseId = (await post('/warehouses', { code: 'C1', name: 'Central', level: 'central', location: { lat: 50, lon: 8 } })).json().id;
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup?.();
    dir.cleanup();
  });

  function post(path: string, body?: unknown, key?: string) {
    return app.inject({
      method: 'POST',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${admin}`, ...(key ? { 'idempotency-key': key } : {}) },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  }
  const onHand = async () => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/stock?warehouseId=${warehouseId}&partId=${partId}`, headers: { authorization: `Bearer ${admin}` } });
    return (res.json().items[0]?.onHand as number | undefined) ?? 0;
  };

  it('declares the policy on routes that exist, so the list cannot drift from the API', () => {
    for (const path of MONEY_AND_STOCK_WRITES) expect(app.hasRoute({ method: 'POST', url: `/api/v1${path}` }), path).toBe(true);
  });

  it('moves stock once for a replayed receipt, answers the replay with the first result, and refuses the key for another body', async () => {
    const receipt = { warehouseId, partId, kind: 'receipt', quantity: 7 };
    const first = await post('/stock/movements', receipt, `rcpt-${target.name}-1`);
    expect(first.statusCode).toBe(201);
    const replay = await post('/stock/movements', receipt, `rcpt-${target.name}-1`);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await onHand()).toBe(7);

    const other = await post('/stock/movements', { ...receipt, quantity: 8 }, `rcpt-${target.name}-1`);
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await onHand()).toBe(7);

    // Without a key, two requests are two receipts (the header is what makes a retry safe).
    await post('/stock/movements', receipt);
    await post('/stock/movements', receipt);
    expect(await onHand()).toBe(21);
  });

  it('writes once when the same keyed request arrives ten times at once', async () => {
    const before = await onHand();
    const receipt = { warehouseId, partId, kind: 'receipt', quantity: 3 };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post('/stock/movements', receipt, `burst-${target.name}`)));
    expect(answers.filter((a) => a.statusCode === 201 && a.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const a of answers) expect([201, 409]).toContain(a.statusCode);
    expect(await onHand()).toBe(before + 3);
  });

  it('stores the same credit note once when it is sent twice', async () => {
    for (let d = 1; d <= 31; d++) {
      await repos.operatingHours.record({ assetId, day: `2026-01-${String(d).padStart(2, '0')}`, operatingMs: 4 * 3_600_000, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
    const terms = { kind: 'pbh', ratePerHourMinor: 1_000, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 1, capPercent: 5 } };
    const contractBody = { customerId, assetIds: [assetId], startsOn: '2026-01-01', endsOn: '2026-12-31', currency: 'EUR', terms };
    const contract = await post('/contracts', contractBody, `ctr-${target.name}`);
    expect(contract.statusCode).toBe(201);
    const again = await post('/contracts', contractBody, `ctr-${target.name}`);
    expect(again.json().id).toBe(contract.json().id);

    let run = (await post('/invoice-runs', { period: '2026-01' }, `run-${target.name}`)).json();
    for (const deadline = Date.now() + 15_000; run.status === 'running' && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 20));
      run = (await app.inject({ method: 'GET', url: `/api/v1/invoice-runs/${run.id}`, headers: { authorization: `Bearer ${admin}` } })).json();
    }
    expect(run.status).toBe('succeeded');
    const invoiceId = run.result.outcomes[0].invoiceId as string;
    expect((await post(`/invoices/${invoiceId}/issue`, undefined, `issue-${target.name}`)).statusCode).toBe(200);
    const replayedIssue = await post(`/invoices/${invoiceId}/issue`, undefined, `issue-${target.name}`);
    expect([replayedIssue.statusCode, replayedIssue.headers['idempotent-replayed']]).toEqual([200, 'true']);

    const note = { amountMinor: 2_500, reason: 'goodwill for the January outage' };
    const first = await post(`/invoices/${invoiceId}/credit-notes`, note, `cn-${target.name}`);
    expect(first.statusCode).toBe(201);
    const second = await post(`/invoices/${invoiceId}/credit-notes`, note, `cn-${target.name}`);
    expect(second.json()).toEqual(first.json());
    const stored = await repos.billing.creditNotes(invoiceId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ amountMinor: 2_500 });
  }, 60_000);

  it('keeps nothing for a failed request, so the same key can be retried once the cause is fixed', async () => {
    const reservation = { warehouseId, partId, kind: 'reservation', quantity: 10_000 };
    const refused = await post('/stock/movements', reservation, `res-${target.name}`);
    expect(refused.statusCode).toBe(409);
    await post('/stock/movements', { warehouseId, partId, kind: 'receipt', quantity: 10_000 });
    const retried = await post('/stock/movements', reservation, `res-${target.name}`);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });
});
