import { repositories } from '@hourmeter/db';
import { dbTargets } from '@hourmeter/db/testing';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createServices } from './services.js';

const H = 3_600_000;
const T0 = Date.parse('2026-06-01T08:00:00Z');

describe.each(dbTargets())('the embedded services on $name', (target) => {
  it.skipIf(target.skip)('cost work-order labour and travel at the rate card of the site’s region, the organisation’s, else the configured rates', async () => {
    const { db, cleanup } = await target.open();
    const dir = tempDir();
    const telemetry = await createDuckDbTelemetryStore({ dataDir: dir.path });
    try {
      const repos = repositories(db);
      const s = createServices({ repos, logger: pino({ level: 'silent' }), telemetry, publishCommand: async () => {} });
      const customer = await repos.customers.create({ name: 'C', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
      const model = await repos.assetModels.create({ code: 'RC-1', name: 'Compressor', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
      for (const [kind, code] of [['symptom', 'NOISE'], ['cause', 'WEAR'], ['remedy', 'REPLACE']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
      let serial = 0;
      const assetIn = async (serviceRegion?: string) => {
        const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC', ...(serviceRegion ? { serviceRegion } : {}) });
        return (await repos.assets.create({ serialNumber: `RC-${++serial}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2024-01-01', status: 'active' })).id;
      };
      /** Completes a corrective order on the asset with 2 h labour and 1 h travel; returns its labour and travel cost. */
      const costOf = async (assetId: string) => {
        const wo = await s.workOrders.create({ kind: 'corrective', assetId, failureMode: 'wear', severity: 'high' }, 'test');
        await s.workOrders.schedule(wo.id, { technician: 'Ana', windowFrom: T0, windowTo: T0 + H }, 'test');
        await s.workOrders.start(wo.id, 'test');
        const { completion } = await s.workOrders.complete(
          wo.id,
          { failureAt: T0, symptomCode: 'NOISE', causeCode: 'WEAR', remedyCode: 'REPLACE', responsibleDepartment: 'customer_use', partsConsumed: [], labourHours: 2, travelHours: 1, downtimeFrom: T0, downtimeTo: T0 + H, fixedOnFirstVisit: true },
          'test',
        );
        return [completion.labourCost, completion.travelCost];
      };
      const home = await assetIn();
      const north = await assetIn('NORD');
      // No card yet: the work-order service's configured rates (85.00 / 60.00 EUR).
      expect(await costOf(home)).toEqual([
        { amountMinor: 17_000, currency: 'EUR' },
        { amountMinor: 6_000, currency: 'EUR' },
      ]);
      await s.contracts.createRateCard({ currency: 'EUR', labourRatePerHourMinor: 9_500, travelRatePerHourMinor: 4_000, effectiveFrom: '2026-01-01' });
      await s.contracts.createRateCard({ region: 'NORD', currency: 'EUR', labourRatePerHourMinor: 11_000, travelRatePerHourMinor: 7_000, effectiveFrom: '2026-01-01' });
      expect(await costOf(home)).toEqual([
        { amountMinor: 19_000, currency: 'EUR' },
        { amountMinor: 4_000, currency: 'EUR' },
      ]);
      expect(await costOf(north)).toEqual([
        { amountMinor: 22_000, currency: 'EUR' },
        { amountMinor: 7_000, currency: 'EUR' },
      ]);
    } finally {
      await telemetry.close();
      dir.cleanup();
      await cleanup();
    }
  }, 60_000);
});
