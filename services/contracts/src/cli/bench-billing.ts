/**
 * `npm run bench -- billing [--contracts 10000] [--days 30] [--database-url postgres://...] [--no-postgres]`:
 * N PBH contracts (one asset each) with `days` days of metered usage; times a
 * full invoice run (metering sync + one draft per contract), then a second run
 * of the same period (idempotent refresh), and prints invoices/s. The same
 * scenario then runs on PostgreSQL (`--database-url`, else a throwaway cluster
 * from Debian's `postgresql` when installed) and prints its figure; the last
 * line is the SQLite summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, repositories } from '@hourmeter/db';
import { ContractInput, newId } from '@hourmeter/domain';
import { findPostgresBin, pgDatabase, startPostgres } from '@hourmeter/testkit';
import { pino } from 'pino';
import { staticWorkOrderFacts } from '../adapters/static.js';
import { createContractsService } from '../service.js';

interface Figures {
  dialect: string;
  invoices: number;
  first: number;
  second: number;
  stored: number;
  failed: number;
}

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Sets up n contracts x dayCount metered days on a fresh store and times two runs of the period. */
async function scenario(opts: { n: number; dayCount: number; databaseUrl?: string | undefined }): Promise<Figures> {
  const { n, dayCount } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-billing-'));
  const logger = pino({ level: 'warn' });
  const db = await openDb({ dataDir: dir, databaseUrl: opts.databaseUrl, logger });
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
    // One contract through the service (validation), the rest as bulk rows of the same shape.
    const terms = ContractInput.parse({
      customerId: customer.id,
      assetIds: [assetIds[0]!],
      startsOn: '2025-04-16',
      endsOn: '2027-12-31',
      currency: 'EUR',
      terms: { kind: 'pbh', ratePerHourMinor: 4_250, annualEscalationPercent: 2.5, minimumHoursPerPeriod: 100, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 2, capPercent: 10 } },
    });
    await svc.createContract(terms);
    const rest = assetIds.slice(1).map((assetId) => ({ assetId, id: newId('contract', now) }));
    for (let i = 0; i < rest.length; i += 1000) {
      const chunk = rest.slice(i, i + 1000);
      await db.kysely
        .insertInto('contracts')
        .values(chunk.map((c) => ({ id: c.id, customer_id: customer.id, kind: 'pbh', currency: 'EUR', billing_period: 'monthly', starts_on: terms.startsOn, ends_on: terms.endsOn, current_version: 1, created_at: now, updated_at: now })))
        .execute();
      await db.kysely
        .insertInto('contract_versions')
        .values(chunk.map((c) => ({ contract_id: c.id, version: 1, effective_from: terms.startsOn, ends_on: terms.endsOn, asset_ids: JSON.stringify([c.assetId]), terms: JSON.stringify(terms.terms), reason: null, created_at: now })))
        .execute();
      await db.kysely
        .insertInto('contract_assets')
        .values(chunk.map((c) => ({ contract_id: c.id, version: 1, asset_id: c.assetId, kind: 'pbh', from_day: terms.startsOn, to_day: terms.endsOn })))
        .execute();
    }
    out(`setup: ${n} contracts, ${rows.length} metered days on ${db.dialect} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const t1 = performance.now();
    const first = await svc.runPeriod('2026-04');
    const s1 = (performance.now() - t1) / 1000;
    out(`first run on ${db.dialect} (meter sync + ${first.invoices} drafts): ${s1.toFixed(2)} s, ${(first.invoices / s1).toFixed(0)} invoices/s`);
    const t2 = performance.now();
    const second = await svc.runPeriod('2026-04');
    const s2 = (performance.now() - t2) / 1000;
    out(`second run on ${db.dialect} (idempotent refresh of ${second.invoices}): ${s2.toFixed(2)} s, ${(second.invoices / s2).toFixed(0)} invoices/s`);
    const count = await db.kysely.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const failed = first.outcomes.filter((o) => o.outcome === 'failed').length + second.outcomes.filter((o) => o.outcome === 'failed').length;
    return { dialect: db.dialect, invoices: first.invoices, first: s1, second: s2, stored: Number(count.n), failed };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (f: Figures, n: number, dayCount: number) =>
  `${n} contracts x ${dayCount} days: ${(f.invoices / f.first).toFixed(0)} invoices/s (first run ${f.first.toFixed(2)} s), ratio second/first ${(f.second / f.first).toFixed(2)}, invoices stored ${f.stored}, failed ${f.failed}`;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      contracts: { type: 'string', default: '10000' },
      days: { type: 'string', default: '30' },
      'database-url': { type: 'string' },
      'no-postgres': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.contracts);
  const dayCount = Math.min(Number(values.days), 30);
  const sqlite = await scenario({ n, dayCount });
  if (!values['no-postgres']) {
    const bin = values['database-url'] ? undefined : findPostgresBin();
    const server = bin ? await startPostgres(bin) : undefined;
    const url = values['database-url'] ?? server?.url;
    try {
      if (!url) out('postgres: skipped (no --database-url and Debian package `postgresql` not installed)');
      else {
        const database = await pgDatabase(url);
        try {
          out(`postgres: ${summary(await scenario({ n, dayCount, databaseUrl: database.url }), n, dayCount)}`);
        } finally {
          await database.drop();
        }
      }
    } finally {
      await server?.stop();
    }
  }
  out(`billing: ${summary(sqlite, n, dayCount)}`);
}
