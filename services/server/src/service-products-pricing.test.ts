import { createContractsService, createServiceProducts } from '@hourmeter/contracts';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { createReliabilityService } from '@hourmeter/prediction';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadDemoFleet } from './demo.js';
import { seedDemoHistory } from './demo-history.js';
import { reliabilityPricingPort } from './reliability-pricing-port.js';

const logger = pino({ level: 'silent' });
const NOW = Date.parse('2026-12-07T12:00:00Z');

/**
 * The extended warranty priced from fits the reliability service really
 * trained (the demo fleet's seeded history), through the wiring's port: the
 * working carries the active fit of every failure mode, and the price adds up.
 */
describe.each(dbTargets())('extended warranty priced from trained reliability on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  it('quotes every fitted failure mode with its active Weibull fit and a positive expected cost', async () => {
    const dir = tempDir();
    try {
      const repos = t.repos;
      const fleet = (await loadDemoFleet(repos, dir.path, logger, NOW))!;
      const reliability = createReliabilityService({ repos, logger, now: () => NOW });
      await seedDemoHistory({ repos, reliability, assetIds: fleet.devices.map((d) => d.assetId), now: NOW, telemetryFrom: NOW, logger });
      const facts = repos.workOrderFacts;
      const contracts = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => NOW });
      const products = createServiceProducts({ repos, contracts, reliability: reliabilityPricingPort(reliability), logger, now: () => NOW });

      const assetId = fleet.devices[0]!.assetId;
      const asset = (await repos.assets.find(assetId))!;
      const customer = (await repos.customers.find((await repos.sites.find(asset.siteId))!.customerId))!;
      const product = await products.createProduct({
        assetModelId: asset.assetModelId, kind: 'extended_warranty', name: 'EW 24', currency: customer.currency, termMonths: 24, priceMinor: 0,
        marginPercent: 20, defaultFailureCostMinor: 100_000, eligibility: {}, reminderDays: 60, active: true,
      });
      const quote = await products.quote(product.id, { assetIds: [assetId] });
      const { failureModes } = await reliability.failureModes(asset.assetModelId);
      const fitted = failureModes.filter((m) => m.status === 'fitted');
      expect(fitted.length).toBeGreaterThan(0);
      const pricing = (quote.working as { assets: { pricing: { modes: { failureMode: string; shape: number; scale: number; subtotalMinor: number; expectedFailures: number }[]; expectedCostMinor: number; marginMinor: number } }[] }).assets[0]!.pricing;
      expect(pricing.modes.map((m) => [m.failureMode, m.shape, m.scale]).sort()).toEqual(fitted.map((m) => [m.failureMode, m.active!.fit.shape, m.active!.fit.scale]).sort());
      for (const m of pricing.modes) expect(m.expectedFailures).toBeGreaterThan(0);
      expect(pricing.expectedCostMinor).toBe(pricing.modes.reduce((s, m) => s + m.subtotalMinor, 0));
      expect(quote.totalMinor).toBe(pricing.expectedCostMinor + pricing.marginMinor);
      expect(pricing.marginMinor).toBe(Math.round(pricing.expectedCostMinor * 0.2));
    } finally {
      dir.cleanup();
    }
  });
});
