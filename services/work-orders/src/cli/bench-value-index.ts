/**
 * `npm run bench -- value-index [--customers 200]`: ranks every customer by the
 * value index from data on a fresh SQLite store (one asset, work order and NPS
 * answer per customer) and prints the time and the time per customer. The
 * ranking reads each customer's 12 months separately, so it grows linearly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openDb, repositories } from '@hourmeter/db';
import { pino } from 'pino';
import { createLeadService } from '../leads-service.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { customers: { type: 'string', default: '200' } } });
  const n = Number(values.customers);
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-value-'));
  const logger = pino({ level: 'silent' });
  const db = await openDb({ dataDir: dir, logger });
  try {
    const repos = repositories(db);
    const model = await repos.assetModels.create({ code: 'BENCH-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    for (let i = 0; i < n; i++) {
      const c = await repos.customers.create({ name: `Customer ${i}`, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
      const s = await repos.sites.create({ customerId: c.id, name: 'Plant', timezone: 'UTC' });
      const a = await repos.assets.create({ serialNumber: `SN-${i}`, assetModelId: model.id, siteId: s.id, commissionedOn: '2026-01-01', status: 'active' });
      const wo = await repos.workOrders.create({ kind: 'corrective', assetId: a.id }, { actor: 'bench', now: Date.now(), repeatWindowMs: 0 });
      await repos.leads.recordNps(wo.id, { score: i % 11 }, 'bench');
    }
    const svc = createLeadService({ repos, logger, payoutPercent: 2, ports: { availability: async () => null } });
    const t0 = performance.now();
    const ranked = await svc.rankedCustomers();
    const s = (performance.now() - t0) / 1000;
    console.log(`value-index: ${ranked.length} customers ranked in ${s.toFixed(2)} s on sqlite (${((s * 1000) / Math.max(1, ranked.length)).toFixed(1)} ms per customer)`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
