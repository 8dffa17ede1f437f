/**
 * `npm run bench -- billing [--contracts 10000] [--days 30] [--database-url postgres://...]`:
 * N PBH contracts (one asset each) with `days` days of metered usage; times a
 * full invoice run (metering sync + one draft per contract), then a second run
 * of the same period (idempotent refresh), and prints invoices/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, repositories } from '@hourmeter/db';
import { ContractInput, newId } from '@hourmeter/domain';
import { pino } from 'pino';
import { staticWorkOrderFacts } from '../adapters/static.js';
import { createContractsService } from '../service.js';

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      contracts: { type: 'string', default: '10000' },
      days: { type: 'string', default: '30' },
      'database-url': { type: 'string' },
    },
  });
  const n = Number(values.contracts);
  const dayCount = Math.min(Number(values.days), 30);
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-billing-'));
  const logger = pino({ level: 'warn' });
  const db = await openDb({ dataDir: dir, databaseUrl: values['database-url'], logger });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const repos = repositories(db);
    const customer = await repos.customers.create({
      name: 'Bench',
      currency: 'EUR',
      value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'large', influence: 0 },
    });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Bench', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `B-${Date.now()}`, name: 'Bench', runningRule: { kind: 'threshold', metric: 'rpm', above: 1 }, maxGapSeconds: 600, warrantyMonths: 12, leadTimeHours: 1 });
    const t0 = performance.now();
    const now = Date.now();
    const assetIds: string[] = [];
    for (let i = 0; i < n; i++) assetIds.push(newId('asset', now));
    for (let i = 0; i < n; i += 2000) {
      await db.kysely
        .insertInto('assets')
        .values(assetIds.slice(i, i + 2000).map((id, j) => ({ id, serial_number: `BENCH-${i + j}`, asset_model_id: model.id, production_batch_id: null, site_id: site.id, commissioned_on: '2025-01-01', warranty_ends_on: '2026-01-01', status: 'active', created_at: now, updated_at: now })))
        .execute();
    }
    const days = Array.from({ length: dayCount }, (_, d) => `2026-04-${String(d + 1).padStart(2, '0')}`);
    const rows = assetIds.flatMap((assetId, i) =>
      days.map((day) => ({ asset_id: assetId, day, operating_ms: ((i + day.length) % 24) * 3_600_000 + 1_234, samples: 1, gap_ms: 0, counter_resets: 0, first_sample_ts: null, last_sample_ts: null, settings: '{}', version: 1, computed_at: now })),
    );
    for (let i = 0; i < rows.length; i += 2000) await db.kysely.insertInto('operating_hours_daily').values(rows.slice(i, i + 2000)).execute();
    const facts = staticWorkOrderFacts();
    const svc = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger });
    for (const assetId of assetIds) {
      await svc.createContract(
        ContractInput.parse({
          customerId: customer.id,
          assetIds: [assetId],
          startsOn: '2025-04-16',
          endsOn: '2027-12-31',
          currency: 'EUR',
          terms: { kind: 'pbh', ratePerHourMinor: 4_250, annualEscalationPercent: 2.5, minimumHoursPerPeriod: 100, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 2, capPercent: 10 } },
        }),
      );
    }
    out(`setup: ${n} contracts, ${rows.length} metered days on ${db.dialect} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const t1 = performance.now();
    const first = await svc.runPeriod('2026-04');
    const s1 = (performance.now() - t1) / 1000;
    out(`first run (meter sync + ${first.invoices} drafts): ${s1.toFixed(2)} s, ${(first.invoices / s1).toFixed(0)} invoices/s`);
    const t2 = performance.now();
    const second = await svc.runPeriod('2026-04');
    const s2 = (performance.now() - t2) / 1000;
    out(`second run (idempotent refresh of ${second.invoices}): ${s2.toFixed(2)} s, ${(second.invoices / s2).toFixed(0)} invoices/s`);
    const count = await db.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const failed = first.outcomes.filter((o) => o.outcome === 'failed').length + second.outcomes.filter((o) => o.outcome === 'failed').length;
    out(`billing: ${n} contracts x ${dayCount} days: ${(first.invoices / s1).toFixed(0)} invoices/s (first run ${s1.toFixed(2)} s), ratio second/first ${(s2 / s1).toFixed(2)}, invoices stored ${Number(count.n)}, failed ${failed}`);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
