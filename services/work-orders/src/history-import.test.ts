import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { testApi } from '@hourmeter/http/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyImportRoutes, type HistoryImportResult } from './history-import.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');

describe.each(dbTargets())('maintenance history import on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  let app: FastifyInstance;
  const keys: Record<string, string> = {};
  let serial: string;
  let code: string;
  let assetId: string;
  const notified: HistoryImportResult['failures'][] = [];

  beforeAll(async () => {
    const r = t.repos;
    keys.admin = (await r.apiKeys.bootstrapAdmin(undefined))!.key;
    for (const role of ['planner', 'account-manager'] as const) keys[role] = (await r.apiKeys.create({ name: role, role })).key;
    assetId = await t.newAsset();
    const asset = (await r.assets.find(assetId))!;
    serial = asset.serialNumber;
    code = (await r.assetModels.find(asset.assetModelId))!.code;
    await r.spareParts.parts.create({ partNumber: `BRG-${target.name}`, description: 'Bearing kit', unitCost: { amountMinor: 45_00, currency: 'EUR' }, fitsAssetModelIds: [asset.assetModelId] });
    await r.spareParts.parts.create({ partNumber: `OTHER-${target.name}`, description: 'Does not fit', unitCost: { amountMinor: 10_00, currency: 'EUR' }, fitsAssetModelIds: [] });
    app = await testApi(r.apiKeys, (api) => historyImportRoutes(api, { repos: r, now: () => NOW, onImported: (f) => notified.push(f) }));
  });
  afterAll(async () => app?.close());

  const post = async (csv: string, as = 'planner') => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports/maintenance-history', headers: { authorization: `Bearer ${keys[as]}`, 'content-type': 'text/csv' }, payload: csv });
    return { status: res.statusCode, body: res.json() };
  };
  const orders = async () => (await t.repos.workOrders.list({ filters: { assetId }, limit: 500 })).items;

  it('refuses a file with bad rows, naming each, and imports nothing of it', async () => {
    const csv = [
      'asset_serial,asset_model,date,kind,failure_mode,parts',
      `${serial},${code},2026-03-01,corrective,bearing_wear,BRG-${target.name}`, // good
      `NO-SUCH-SERIAL,,2026-03-02,corrective,bearing_wear,`,
      `${serial},,2026-03-03,corrective,bearing_wear,OTHER-${target.name}`,
      `${serial},,2026-03-04,corrective,bearing_wear,MISSING-PN`,
    ].join('\n');
    const res = await post(csv);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toContain('nothing imported');
    expect(res.body.detail).toContain('row 3 (asset_serial): no asset with serial number NO-SUCH-SERIAL');
    expect(res.body.detail).toContain(`row 4 (parts): part OTHER-${target.name} does not fit asset model ${code}`);
    expect(res.body.detail).toContain('row 5 (parts): unknown part number MISSING-PN');
    expect(await orders()).toHaveLength(0);
    expect((await post('asset_serial,date,kind\nX,2026-01-01,corrective', 'account-manager')).status).toBe(403);
  });

  it('imports good rows as completed historical work orders, once', async () => {
    const csv = [
      'asset_serial,date,kind,failure_mode,symptom_code,cause_code,remedy_code,parts,labour_hours,responsible_department',
      `${serial},2026-03-01T06:30:00Z,corrective,bearing_wear,NOISE,WEAR,REPLACE,BRG-${target.name}*2,3,design`,
      `${serial},2026-06-01,preventive,bearing_wear,,,,BRG-${target.name},1,`,
      `${serial},2026-07-01,inspection,,,,,,0.5,`,
    ].join('\r\n');
    const res = await post(csv);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ rows: 3, imported: 3, duplicateRows: [] });
    const list = await orders();
    expect(list.map((o) => [o.kind, o.state, o.failureMode ?? null, o.completedAt]).sort()).toEqual(
      [
        ['corrective', 'completed', 'bearing_wear', Date.parse('2026-03-01T06:30:00Z')],
        ['inspection', 'completed', null, Date.parse('2026-07-01T00:00:00Z')],
        ['preventive', 'completed', 'bearing_wear', Date.parse('2026-06-01T00:00:00Z')],
      ].sort(),
    );
    const corrective = list.find((o) => o.kind === 'corrective')!;
    const completion = (await t.repos.workOrders.completion(corrective.id))!;
    expect(completion).toMatchObject({ failureAt: Date.parse('2026-03-01T06:30:00Z'), symptomCode: 'NOISE', responsibleDepartment: 'design', labourHours: 3, partsCost: { amountMinor: 90_00, currency: 'EUR' } });
    expect(completion.partsConsumed).toMatchObject([{ partNumber: `BRG-${target.name}`, quantity: 2 }]);
    // The reliability records see the failure and the replacement.
    const model = (await t.repos.assets.find(assetId))!.assetModelId;
    expect((await t.repos.reliability.lifeEndingOrders(model, 'bearing_wear')).map((e) => e.kind)).toEqual(['failure', 'replacement']);
    expect(notified.at(-1)).toEqual([{ assetId, failureMode: 'bearing_wear' }]);

    const again = await post(csv);
    expect(again.body).toEqual({ rows: 3, imported: 0, duplicateRows: [2, 3, 4] });
    expect(await orders()).toHaveLength(3);
  });
});
