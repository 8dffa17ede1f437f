import type { ChargedLine, DraftContext, DraftHeader, DraftItem, DraftOutcome, DraftResult, UsageDay } from '@hourmeter/domain';
import { newId, usageKey as key } from '@hourmeter/domain';
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { insertRows, perRowOnSqlite } from '../bulk.js';
import type { Database, InvoicesTable } from '../schema.js';
import { billingWriter, chunks, isPostgres } from './billing-rows.js';
import { usageOf } from './billing-usage.js';

type StoredLineRow = { line_no: number; kind: string; description: string; asset_id: string | null; work_order_id: string | null; from_day: string | null; to_day: string | null; quantity: number; unit_price_minor: number; amount_minor: number; tax_rate_bp: number; tax_minor: number; adjusts_period?: string | null | undefined; adjusts_kind?: string | null | undefined };

/** Whether a draft's stored lines are exactly the computed ones. */
function sameLines(stored: StoredLineRow[], computed: Insertable<Database['invoice_lines']>[]): boolean {
  if (stored.length !== computed.length) return false;
  const byNo = [...stored].sort((a, b) => Number(a.line_no) - Number(b.line_no));
  return computed.every((c, i) => {
    const s = byNo[i]!;
    return (
      Number(s.line_no) === c.line_no &&
      s.kind === c.kind &&
      s.description === c.description &&
      s.asset_id === c.asset_id &&
      s.work_order_id === c.work_order_id &&
      s.from_day === c.from_day &&
      s.to_day === c.to_day &&
      Number(s.quantity) === c.quantity &&
      Number(s.unit_price_minor) === c.unit_price_minor &&
      Number(s.amount_minor) === c.amount_minor &&
      Number(s.tax_rate_bp) === (c.tax_rate_bp ?? 0) &&
      Number(s.tax_minor) === (c.tax_minor ?? 0) &&
      (s.adjusts_period ?? null) === (c.adjusts_period ?? null) &&
      (s.adjusts_kind ?? null) === (c.adjusts_kind ?? null)
    );
  });
}

/** Whether a draft's stored billed usage is exactly the computed one. */
function sameUsage(stored: { asset_id: string; day: string; billed_ms: number; usage_version: number }[], computed: { asset_id: string; day: string; billed_ms: number; usage_version: number }[]): boolean {
  if (stored.length !== computed.length) return false;
  const keyOf = (u: { asset_id: string; day: string; billed_ms: number; usage_version: number }) => `${u.asset_id}|${u.day}|${Number(u.billed_ms)}|${Number(u.usage_version)}`;
  const have = new Set(stored.map(keyOf));
  return computed.every((u) => have.has(keyOf(u)));
}

const CHARGE_KINDS = new Set(['usage', 'minimum_true_up', 'availability_credit']);

/**
 * Draft invoices of an invoice run. Idempotency: an invoice is keyed
 * `${contractId}:${periodStart}` (unique). A run inserts it with ON CONFLICT
 * DO NOTHING, then locks the row and rebuilds a draft's lines; an issued one
 * is left alone. Two runs at once therefore meet on the unique key and the
 * row lock, and the second finds the first's invoice.
 */
export function invoiceDraftsRepository(db: Kysely<Database>) {
  const postgres = isPostgres(db);
  const write = billingWriter(db);

  /**
   * Creates or refreshes the drafts of many contracts in one transaction, with
   * a few set-based statements instead of a round of queries per contract (an
   * invoice run writes a page of contracts at a time). Each item's lines come
   * from its `compute` over what the database holds for its contract; an item
   * whose compute throws is left out and reported, the others are written.
   * Invoices are locked in key order (PostgreSQL), so concurrent runs queue
   * instead of deadlocking, and meet on the unique key as before.
   */
  function upsertDrafts(items: DraftItem[], now = Date.now()): Promise<(DraftOutcome | { error: unknown })[]> {
    if (items.length === 0) return Promise.resolve([]);
    return write(async (tx) => {
      const keyOf = (h: DraftHeader) => `${h.contractId}:${h.periodStart}`;
      const rows = items.map(({ header: h }) => ({
        id: newId('invoice', now),
        contract_id: h.contractId,
        customer_id: h.customerId,
        idempotency_key: keyOf(h),
        period_start: h.periodStart,
        period_end: h.periodEnd,
        currency: h.currency,
        status: 'draft',
        number: null,
        total_minor: 0,
        issued_at: null,
        run_id: h.runId,
        created_at: now,
        updated_at: now,
      }));
      await insertRows(db, rows, (chunk) => tx.insertInto('invoices').values(chunk).onConflict((oc) => oc.column('idempotency_key').doNothing()), 1000);
      const newIds = new Set(rows.map((r) => r.id));
      const invoices = new Map<string, Selectable<InvoicesTable>>();
      for (const chunk of chunks(rows.map((r) => r.idempotency_key).sort(), 1000)) {
        let q = tx.selectFrom('invoices').selectAll().where('idempotency_key', 'in', chunk).orderBy('idempotency_key');
        if (postgres) q = q.forUpdate();
        for (const inv of await q.execute()) invoices.set(inv.idempotency_key, inv);
      }
      const open = items.filter(({ header }) => invoices.get(keyOf(header))!.status !== 'issued');
      const contractIds = [...new Set(open.map((i) => i.header.contractId))];
      const ownIds = new Set(open.map(({ header }) => invoices.get(keyOf(header))!.id));

      // What the contracts' other invoices hold: billed time, issued periods, lines.
      const usageByAsset = new Map<string, UsageDay[]>();
      const assets = [...new Set(open.flatMap((i) => i.header.assetIds))];
      if (open.length) {
        const from = open.reduce((m, i) => (i.header.usageFrom < m ? i.header.usageFrom : m), open[0]!.header.usageFrom);
        const to = open.reduce((m, i) => (i.header.periodEnd > m ? i.header.periodEnd : m), open[0]!.header.periodEnd);
        for (const chunk of chunks(assets, 500)) {
          for (const u of await usageOf(tx, chunk, from, to)) {
            const list = usageByAsset.get(u.assetId);
            if (list) list.push(u);
            else usageByAsset.set(u.assetId, [u]);
          }
        }
      }
      const billedRows: { contract_id: string; invoice_id: string; asset_id: string; day: string; billed_ms: number; usage_version: number }[] = [];
      const issuedRows: { contract_id: string; period_start: string; period_end: string }[] = [];
      const lineRows: {
        contract_id: string;
        invoice_id: string;
        period_start: string;
        status: string;
        kind: string;
        asset_id: string | null;
        work_order_id: string | null;
        from_day: string | null;
        amount_minor: number;
        adjusts_period: string | null | undefined;
        adjusts_kind: string | null | undefined;
        line_no: number;
        description: string;
        to_day: string | null;
        quantity: number;
        unit_price_minor: number;
        tax_rate_bp: number;
        tax_minor: number;
      }[] = [];
      for (const chunk of chunks(contractIds, 500)) {
        billedRows.push(
          ...(await tx.selectFrom('invoice_usage').select(['contract_id', 'invoice_id', 'asset_id', 'day', 'billed_ms', 'usage_version']).where('contract_id', 'in', chunk).execute()),
        );
        issuedRows.push(
          ...(await tx
            .selectFrom('invoices')
            .select(['contract_id', 'period_start', 'period_end'])
            .where('contract_id', 'in', chunk)
            .where('status', '=', 'issued')
            .orderBy('period_start')
            .execute()),
        );
        lineRows.push(
          ...(await tx
            .selectFrom('invoice_lines')
            .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
            .select([
              'invoices.contract_id',
              'invoices.id as invoice_id',
              'invoices.period_start',
              'invoices.status',
              'invoice_lines.kind',
              'invoice_lines.asset_id',
              'invoice_lines.work_order_id',
              'invoice_lines.from_day',
              'invoice_lines.amount_minor',
              'invoice_lines.adjusts_period',
              'invoice_lines.adjusts_kind',
              'invoice_lines.line_no',
              'invoice_lines.description',
              'invoice_lines.to_day',
              'invoice_lines.quantity',
              'invoice_lines.unit_price_minor',
              'invoice_lines.tax_rate_bp',
              'invoice_lines.tax_minor',
            ])
            .where('invoices.contract_id', 'in', chunk)
            .execute()),
        );
      }
      const byContract = <T extends { contract_id: string }>(list: T[]) => {
        const m = new Map<string, T[]>();
        for (const r of list) {
          const l = m.get(r.contract_id);
          if (l) l.push(r);
          else m.set(r.contract_id, [r]);
        }
        return m;
      };
      const billedOf = byContract(billedRows);
      const issuedOf = byContract(issuedRows);
      const linesOf = byContract(lineRows);

      const results = new Map<number, DraftOutcome | { error: unknown }>();
      const newLines: Insertable<Database['invoice_lines']>[] = [];
      const newUsage: Insertable<Database['invoice_usage']>[] = [];
      const totals: { id: string; total: number; tax: number; runId: string | null }[] = [];
      items.forEach(({ header, compute }, idx) => {
        const inv = invoices.get(keyOf(header))!;
        if (inv.status === 'issued') {
          results.set(idx, { outcome: 'already_issued', invoiceId: inv.id, totalMinor: Number(inv.total_minor) });
          return;
        }
        const usage = header.assetIds
          .flatMap((a) => usageByAsset.get(a) ?? [])
          .filter((u) => u.day >= header.usageFrom && u.day <= header.periodEnd);
        const billed = new Map<string, number>();
        for (const r of billedOf.get(header.contractId) ?? []) {
          if (r.invoice_id === inv.id) continue;
          const k = key(r.asset_id, r.day);
          billed.set(k, (billed.get(k) ?? 0) + Number(r.billed_ms));
        }
        const others = (linesOf.get(header.contractId) ?? []).filter((l) => l.invoice_id !== inv.id);
        let result: DraftResult;
        try {
          result = compute({
            invoiceId: inv.id,
            usage,
            billed,
            issuedPeriods: (issuedOf.get(header.contractId) ?? []).map((p) => ({ start: p.period_start, end: p.period_end })),
            billedWorkOrders: new Set(others.filter((l) => l.work_order_id !== null).map((l) => l.work_order_id!)),
            // An issued period's own charge lines, and adjustments on any other invoice.
            chargedLines: others
              .filter((l) => (l.kind === 'adjustment' ? true : l.status === 'issued' && CHARGE_KINDS.has(l.kind)))
              .map((l) => ({
                periodStart: l.period_start,
                kind: l.kind,
                assetId: l.asset_id,
                fromDay: l.from_day,
                amountMinor: Number(l.amount_minor),
                adjustsPeriod: l.adjusts_period ?? null,
                adjustsKind: (l.adjusts_kind ?? null) as ChargedLine['adjustsKind'],
              })),
          });
        } catch (error) {
          ownIds.delete(inv.id);
          results.set(idx, { error });
          return;
        }
        const lines: Insertable<Database['invoice_lines']>[] = result.lines.map((l, i) => ({
          invoice_id: inv.id,
          line_no: i + 1,
          kind: l.kind,
          description: l.description,
          asset_id: l.assetId,
          work_order_id: l.workOrderId,
          from_day: l.fromDay,
          to_day: l.toDay,
          quantity: l.quantity,
          unit_price_minor: l.unitPriceMinor,
          amount_minor: l.amountMinor,
          tax_rate_bp: l.taxRateBasisPoints ?? 0,
          tax_minor: l.taxMinor ?? 0,
          adjusts_period: l.adjustsPeriod ?? null,
          adjusts_kind: l.adjustsKind ?? null,
        }));
        const usageRows = result.usage
          .filter((u) => u.billedMs !== 0)
          .map((u) => ({ invoice_id: inv.id, contract_id: header.contractId, asset_id: u.assetId, day: u.day, billed_ms: u.billedMs, usage_version: u.usageVersion }));
        const total = result.lines.reduce((sum, l) => sum + l.amountMinor, 0);
        const tax = result.lines.reduce((sum, l) => sum + (l.taxMinor ?? 0), 0);
        const runId = header.runId ?? inv.run_id;
        results.set(idx, { outcome: newIds.has(inv.id) ? 'created' : 'refreshed', invoiceId: inv.id, totalMinor: total });
        // A refresh that computes exactly what the draft holds writes nothing (a re-run is reads only).
        const unchanged =
          !newIds.has(inv.id) &&
          total === Number(inv.total_minor) &&
          runId === inv.run_id &&
          sameLines((linesOf.get(header.contractId) ?? []).filter((l) => l.invoice_id === inv.id), lines) &&
          sameUsage((billedOf.get(header.contractId) ?? []).filter((u) => u.invoice_id === inv.id), usageRows);
        if (unchanged) {
          ownIds.delete(inv.id);
          return;
        }
        newLines.push(...lines);
        newUsage.push(...usageRows);
        totals.push({ id: inv.id, total, tax, runId });
      });

      // Rebuild the drafts' lines: old ones out (new invoices have none), new ones in, bulk.
      const refreshed = [...ownIds].filter((id) => !newIds.has(id));
      for (const chunk of chunks(refreshed, 500)) {
        await tx.deleteFrom('invoice_lines').where('invoice_id', 'in', chunk).execute();
        await tx.deleteFrom('invoice_usage').where('invoice_id', 'in', chunk).execute();
      }
      await insertRows(db, newLines, (rows) => tx.insertInto('invoice_lines').values(rows), 2000);
      await insertRows(db, newUsage, (rows) => tx.insertInto('invoice_usage').values(rows), 4000);
      if (postgres) {
        for (const chunk of chunks(totals, 2000)) {
          const values = sql.join(chunk.map((t) => sql`(${t.id}, ${t.total}::bigint, ${t.tax}::bigint, ${t.runId}::text)`));
          await sql`UPDATE invoices SET total_minor = v.total, tax_minor = v.tax, updated_at = ${now}, run_id = v.run_id FROM (VALUES ${values}) AS v(id, total, tax, run_id) WHERE invoices.id = v.id`.execute(tx);
        }
      } else {
        const update = (t: (typeof totals)[number]) => tx.updateTable('invoices').set({ total_minor: t.total, tax_minor: t.tax, updated_at: now, run_id: t.runId }).where('id', '=', t.id);
        if (!perRowOnSqlite(db, totals, update, (t) => [t.total, t.tax, now, t.runId, t.id])) for (const t of totals) await update(t).execute();
      }
      return items.map((_, i) => results.get(i)!);
    });
  }

  return {
    /**
     * Creates or refreshes the one draft invoice of a contract and period,
     * computing its lines with `compute` inside the same transaction. An issued
     * invoice is returned untouched.
     */
    async upsertDraft(header: DraftHeader, compute: (ctx: DraftContext) => DraftResult, now = Date.now()): Promise<DraftOutcome> {
      const [res] = await upsertDrafts([{ header, compute }], now);
      if ('error' in res!) throw res.error;
      return res!;
    },

    upsertDrafts,

    /** The start of each contract's oldest issued period (contracts with none are absent). */
    async oldestIssuedPeriods(contractIds: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const chunk of chunks(contractIds, 500)) {
        const rows = await db
          .selectFrom('invoices')
          .select(['contract_id', (eb) => eb.fn.min<string>('period_start').as('start')])
          .where('contract_id', 'in', chunk)
          .where('status', '=', 'issued')
          .groupBy('contract_id')
          .execute();
        for (const r of rows) out.set(r.contract_id, r.start);
      }
      return out;
    },
  };
}
