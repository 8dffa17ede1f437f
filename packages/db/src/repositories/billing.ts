import type { BillTo, ChargedLine, CreditNoteView, DraftContext, DraftHeader, DraftItem, DraftOutcome, DraftResult, InvoiceView, IssueTerms, StoredInvoiceLine, UsageDay } from '@hourmeter/domain';
import { localDayTotals, newId, usageKey as key, utcDaysAround } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import { PostgresAdapter, sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import { insertRows, perRowOnSqlite } from '../bulk.js';
import { translateDbError } from '../db-errors.js';
import { appendToOutbox } from './outbox.js';
import type { Database, InvoicesTable } from '../schema.js';
import { customerParty, invoiceExtras, todayUtc } from './receivables.js';

type Executor = Kysely<Database> | Transaction<Database>;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

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

const USAGE_COLUMNS = ['id', 'asset_id', 'day', 'operating_ms', 'version', 'source_version', 'computed_at'] as const;

function lineFromRow(r: Record<string, unknown>): StoredInvoiceLine {
  return {
    lineNo: Number(r.line_no),
    kind: r.kind as StoredInvoiceLine['kind'],
    description: String(r.description),
    assetId: (r.asset_id as string | null) ?? null,
    workOrderId: (r.work_order_id as string | null) ?? null,
    fromDay: (r.from_day as string | null) ?? null,
    toDay: (r.to_day as string | null) ?? null,
    quantity: Number(r.quantity),
    unitPriceMinor: Number(r.unit_price_minor),
    amountMinor: Number(r.amount_minor),
    taxRateBasisPoints: Number(r.tax_rate_bp),
    taxMinor: Number(r.tax_minor),
    adjustsPeriod: (r.adjusts_period as string | null | undefined) ?? null,
    adjustsKind: (r.adjusts_kind as StoredInvoiceLine['adjustsKind'] | undefined) ?? null,
  };
}

function isImmutableError(err: unknown): boolean {
  return /HM_IMMUTABLE/.test((err as { message?: string })?.message ?? '');
}

/**
 * Usage records, invoices, credit notes and gapless numbering.
 *
 * Idempotency: an invoice is keyed `${contractId}:${periodStart}` (unique). A
 * run inserts it with ON CONFLICT DO NOTHING, then locks the row and rebuilds a
 * draft's lines; an issued one is left alone. Two runs at once therefore meet
 * on the unique key and the row lock, and the second finds the first's invoice.
 *
 * Numbering: `document_counters(series, year)` is incremented inside the
 * issuing transaction; the counter row lock orders concurrent issuers and a
 * rollback gives the number back, so numbers are gapless per year.
 */
export function billingRepository(db: Kysely<Database>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>, what = 'invoice'): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (isImmutableError(err)) throw new AppError('ILLEGAL_TRANSITION', `an issued ${what} is immutable; correct it with a credit note`);
      throw translateDbError(err, what);
    }
  }

  async function nextNumber(tx: Transaction<Database>, series: string, year: number): Promise<number> {
    await tx
      .insertInto('document_counters')
      .values({ series, year, last_value: 0 })
      .onConflict((oc) => oc.columns(['series', 'year']).doNothing())
      .execute();
    const row = await tx
      .updateTable('document_counters')
      .set((eb) => ({ last_value: eb('last_value', '+', 1) }))
      .where('series', '=', series)
      .where('year', '=', year)
      .returning('last_value')
      .executeTakeFirstOrThrow();
    return Number(row.last_value);
  }

  async function loadInvoice(ex: Executor, id: string, asOfDay = todayUtc()): Promise<InvoiceView | undefined> {
    const h = await ex.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!h) return undefined;
    const [rows, credited] = await Promise.all([
      ex.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', id).orderBy('line_no').execute(),
      ex
        .selectFrom('credit_notes')
        .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_minor'), eb.val(0)).as('net'), eb.fn.coalesce(eb.fn.sum<number>('tax_minor'), eb.val(0)).as('tax')])
        .where('invoice_id', '=', id)
        .executeTakeFirstOrThrow(),
    ]);
    const lines = rows.map((l) => lineFromRow(l));
    const extras = await invoiceExtras(ex, h, lines, { netMinor: Number(credited.net), taxMinor: Number(credited.tax) }, asOfDay);
    return { ...invoiceView(h, lines, Number(credited.net)), ...extras };
  }

  function invoiceView(h: Selectable<InvoicesTable>, lines: StoredInvoiceLine[], creditedMinor: number) {
    return {
      id: h.id,
      contractId: h.contract_id,
      customerId: h.customer_id,
      periodStart: h.period_start,
      periodEnd: h.period_end,
      currency: h.currency,
      status: h.status as InvoiceView['status'],
      number: h.number,
      totalMinor: Number(h.total_minor),
      creditedMinor,
      issuedAt: h.issued_at === null ? null : Number(h.issued_at),
      issueForcedReason: h.issue_forced_reason ?? null,
      issueForcedBy: h.issue_forced_by ?? null,
      lines,
      createdAt: Number(h.created_at),
      updatedAt: Number(h.updated_at),
    };
  }

  async function getInvoice(id: string, ex: Executor = db, asOfDay?: string): Promise<InvoiceView> {
    const found = await loadInvoice(ex, id, asOfDay);
    if (!found) throw notFound('invoice', id);
    return found;
  }

  async function usageOf(ex: Executor, assetIds: string[], fromDay: string, toDay: string): Promise<UsageDay[]> {
    if (assetIds.length === 0) return [];
    const rows = await ex
      .selectFrom('usage_records')
      .select(['asset_id', 'day', 'operating_ms', 'version'])
      .where('asset_id', 'in', assetIds)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .orderBy('asset_id')
      .orderBy('day')
      .execute();
    return rows.map((r) => ({ assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) }));
  }

  /** The hour meter's daily totals of those assets in [from, to], 500 assets per query; `lock`: FOR UPDATE on PostgreSQL. */
  async function meteredDays(ex: Executor, assetIds: readonly string[], from: string, to: string, lock = false): Promise<UsageDay[]> {
    const days: UsageDay[] = [];
    for (let i = 0; i < assetIds.length; i += 500) {
      const rows = await ex
        .selectFrom('operating_hours_daily')
        .select(['asset_id', 'day', 'operating_ms', 'version'])
        .where('asset_id', 'in', assetIds.slice(i, i + 500))
        .where('day', '>=', from)
        .where('day', '<=', to)
        .$if(lock && postgres, (q) => q.forUpdate())
        .execute();
      for (const r of rows) days.push({ assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) });
    }
    return days;
  }

  /**
   * The hour meter's days of the assets cut at `zone`'s midnights, for the
   * local days [from, to] (issue #16, rule 12): each local day sums the
   * quarter hours of the UTC days that start inside it. Its version is the
   * newest of the UTC days around it. `lock`: FOR UPDATE on PostgreSQL.
   */
  async function meteredLocalDays(ex: Executor, assetIds: readonly string[], from: string, to: string, zone: string, lock = false): Promise<UsageDay[]> {
    const around = utcDaysAround(from, to);
    const days: UsageDay[] = [];
    for (let i = 0; i < assetIds.length; i += 500) {
      const rows = await ex
        .selectFrom('operating_hours_daily')
        .select(['asset_id', 'day', 'operating_ms', 'version', 'quarter_ms'])
        .where('asset_id', 'in', assetIds.slice(i, i + 500))
        .where('day', '>=', around.from)
        .where('day', '<=', around.to)
        .$if(lock && postgres, (q) => q.forUpdate())
        .execute();
      const byAsset = new Map<string, typeof rows>();
      for (const r of rows) {
        const list = byAsset.get(r.asset_id);
        if (list) list.push(r);
        else byAsset.set(r.asset_id, [r]);
      }
      for (const [assetId, list] of byAsset) {
        const version = new Map(list.map((r) => [r.day, Number(r.version)]));
        const utc = list.map((r) => ({ day: r.day, operatingMs: Number(r.operating_ms), quarterMs: r.quarter_ms ? (JSON.parse(r.quarter_ms) as number[]) : null }));
        for (const [day, operatingMs] of localDayTotals(utc, zone)) {
          if (day < from || day > to) continue;
          const near = utcDaysAround(day, day);
          const v = Math.max(version.get(near.from) ?? 0, version.get(day) ?? 0, version.get(near.to) ?? 0);
          days.push({ assetId, day, operatingMs, version: v });
        }
      }
    }
    return days;
  }

  /**
   * The days as the hour meter has them inside this transaction: between the
   * caller's read and now the meter may have amended a version or added one.
   * The rows are locked on PostgreSQL until the usage records are written, so
   * the meter appends a new version instead of amending one billing took.
   */
  async function asMeteredNow(tx: Transaction<Database>, read: UsageDay[], assetIds: string[], from: string, to: string): Promise<UsageDay[]> {
    const current = new Map((await meteredDays(tx, assetIds, from, to, true)).map((d) => [key(d.assetId, d.day), d]));
    // A day the meter has no row for stays as read (a metering source other than the meter's table).
    return read.map((d) => current.get(key(d.assetId, d.day)) ?? d);
  }


  /**
   * Writes changed days as new usage-record versions. `usage_records` holds
   * each day's current version, `usage_record_versions` the versions it
   * replaced: a version moves to the history when a newer one replaces it, so
   * a first sync writes one row per day, not two (stores from before this rule
   * also hold current versions there; readers take the union of both tables).
   */
  async function writeUsage(tx: Transaction<Database>, changes: { d: UsageDay; prevVersion: number | null }[], now: number): Promise<{ created: number; replaced: number }> {
    const replacing = changes.filter((c) => c.prevVersion !== null);
    // Only the version this sync read: a concurrent sync that replaced it first has kept it already.
    for (const chunk of chunks(replacing, 500)) {
      await tx
        .insertInto('usage_record_versions')
        .columns(USAGE_COLUMNS)
        .expression(
          tx
            .selectFrom('usage_records')
            .select(USAGE_COLUMNS)
            .where((eb) => eb.or(chunk.map(({ d, prevVersion }) => eb.and([eb('asset_id', '=', d.assetId), eb('day', '=', d.day), eb('version', '=', prevVersion!)])))),
        )
        .onConflict((oc) => oc.columns(['asset_id', 'day', 'version']).doNothing())
        .execute();
    }
    const inserts = changes.map(({ d, prevVersion }) => ({
      id: newId('usageRecord', now),
      asset_id: d.assetId,
      day: d.day,
      operating_ms: d.operatingMs,
      version: (prevVersion ?? 0) + 1,
      source_version: d.version,
      computed_at: now,
    }));
    // Two syncs of the same days at once (concurrent runs) compute the same
    // version: the second one's rows are no-ops instead of key violations.
    await insertRows(
      db,
      inserts,
      (rows) =>
        tx
          .insertInto('usage_records')
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(['asset_id', 'day'])
              .doUpdateSet((eb) => ({
                id: eb.ref('excluded.id'),
                operating_ms: eb.ref('excluded.operating_ms'),
                version: eb.ref('excluded.version'),
                source_version: eb.ref('excluded.source_version'),
                computed_at: eb.ref('excluded.computed_at'),
              }))
              .where('usage_records.version', '<', (eb) => eb.ref('excluded.version')),
          ),
      2000,
    );
    return { created: changes.length - replacing.length, replaced: replacing.length };
  }

  /**
   * `writeUsage` for UTC days on SQLite as three statements per 500 assets:
   * no day crosses into JavaScript (a first run of the billing benchmark
   * syncs 300,000). Ids come from `hm_new_id` (connect.ts). The whole sync is
   * one transaction on SQLite's single connection, so nothing changes
   * between the statements; PostgreSQL takes the row locks of the general way.
   */
  async function syncUtcDaysInSqlite(tx: Transaction<Database>, assetIds: readonly string[], from: string, to: string, now: number): Promise<{ created: number; replaced: number }> {
    let created = 0;
    let replaced = 0;
    for (const chunk of chunks(assetIds, 500)) {
      const changed = tx
        .selectFrom('operating_hours_daily as o')
        .leftJoin('usage_records as u', (j) => j.onRef('u.asset_id', '=', 'o.asset_id').onRef('u.day', '=', 'o.day'))
        .where('o.asset_id', 'in', chunk)
        .where('o.day', '>=', from)
        .where('o.day', '<=', to)
        .where((eb) => eb.or([eb('u.operating_ms', 'is', null), eb('u.operating_ms', '!=', eb.ref('o.operating_ms'))]));
      const counts = await changed
        .select((eb) => [eb.fn.countAll<number>().as('changed'), eb.fn.count<number>('u.version').as('replaced')])
        .executeTakeFirstOrThrow();
      if (Number(counts.changed) === 0) continue;
      // The versions being replaced move to the history first (writeUsage's rule).
      await tx
        .insertInto('usage_record_versions')
        .columns(USAGE_COLUMNS)
        .expression(changed.where('u.version', 'is not', null).select(USAGE_COLUMNS.map((c) => `u.${c}` as const)))
        .onConflict((oc) => oc.columns(['asset_id', 'day', 'version']).doNothing())
        .execute();
      await tx
        .insertInto('usage_records')
        .columns(USAGE_COLUMNS)
        .expression(
          changed.select((eb) => [
            sql<string>`hm_new_id('usageRecord', ${now})`.as('id'),
            'o.asset_id',
            'o.day',
            'o.operating_ms',
            sql<number>`coalesce(${eb.ref('u.version')}, 0) + 1`.as('version'),
            'o.version as source_version',
            sql<number>`${now}`.as('computed_at'),
          ]),
        )
        .onConflict((oc) =>
          oc
            .columns(['asset_id', 'day'])
            .doUpdateSet((eb) => ({
              id: eb.ref('excluded.id'),
              operating_ms: eb.ref('excluded.operating_ms'),
              version: eb.ref('excluded.version'),
              source_version: eb.ref('excluded.source_version'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
        )
        .execute();
      created += Number(counts.changed) - Number(counts.replaced);
      replaced += Number(counts.replaced);
    }
    return { created, replaced };
  }

  /** The rows issuing and crediting load and store, inside the transaction `tx`. */
  function documentRows(tx: Transaction<Database>) {
    return {
      async header(invoiceId: string, lock = false) {
        const h = await tx
          .selectFrom('invoices')
          .select(['id', 'customer_id', 'status', 'number', 'currency', 'period_end', 'total_minor', 'tax_minor'])
          .where('id', '=', invoiceId)
          .$if(lock && postgres, (q) => q.forUpdate())
          .executeTakeFirst();
        if (!h) return undefined;
        return {
          id: h.id,
          customerId: h.customer_id,
          status: h.status as 'draft' | 'issued',
          number: h.number,
          currency: h.currency,
          periodEnd: h.period_end,
          totalMinor: Number(h.total_minor),
          taxMinor: Number(h.tax_minor),
        };
      },
      async lines(invoiceId: string): Promise<StoredInvoiceLine[]> {
        const rows = await tx.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoiceId).orderBy('line_no').execute();
        return rows.map((r) => lineFromRow(r));
      },
      async credited(invoiceId: string) {
        const c = await tx
          .selectFrom('credit_notes')
          .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_minor'), eb.val(0)).as('net'), eb.fn.coalesce(eb.fn.sum<number>('tax_minor'), eb.val(0)).as('tax')])
          .where('invoice_id', '=', invoiceId)
          .executeTakeFirstOrThrow();
        return { netMinor: Number(c.net), taxMinor: Number(c.tax) };
      },
      nextNumber: (series: 'invoice' | 'credit_note', year: number) => nextNumber(tx, series, year),
      async setLineTaxes(invoiceId: string, taxes: IssueTerms['taxes']) {
        for (const l of taxes) {
          await tx.updateTable('invoice_lines').set({ tax_rate_bp: l.taxRateBasisPoints, tax_minor: l.taxMinor }).where('invoice_id', '=', invoiceId).where('line_no', '=', l.lineNo).execute();
        }
      },
      async markIssued(
        invoiceId: string,
        f: { number: string; issuedAt: number; taxMinor?: number | undefined; dueDate?: string | undefined; billTo?: BillTo | undefined; forced: { reason: string; by: string } | null },
      ): Promise<boolean> {
        const res = await tx
          .updateTable('invoices')
          .set({
            status: 'issued',
            number: f.number,
            issued_at: f.issuedAt,
            updated_at: f.issuedAt,
            ...(f.taxMinor !== undefined ? { tax_minor: f.taxMinor } : {}),
            ...(f.dueDate !== undefined ? { due_date: f.dueDate } : {}),
            ...(f.billTo !== undefined ? { bill_to: JSON.stringify(f.billTo) } : {}),
            issue_forced_reason: f.forced?.reason ?? null,
            issue_forced_by: f.forced?.by ?? null,
          })
          .where('id', '=', invoiceId)
          .where('status', '=', 'draft')
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      },
      async insertCreditNote(n: Omit<CreditNoteView, 'id'>): Promise<CreditNoteView> {
        const id = newId('creditNote', n.issuedAt);
        await tx
          .insertInto('credit_notes')
          .values({ id, invoice_id: n.invoiceId, number: n.number, reason: n.reason, amount_minor: n.amountMinor, currency: n.currency, issued_at: n.issuedAt, tax_minor: n.taxMinor })
          .execute();
        return { id, invoiceId: n.invoiceId, number: n.number, reason: n.reason, amountMinor: n.amountMinor, taxMinor: n.taxMinor, currency: n.currency, issuedAt: n.issuedAt };
      },
      invoice: (invoiceId: string, asOfDay: string) => getInvoice(invoiceId, tx, asOfDay),
      customer: (customerId: string) => customerParty(tx, customerId),
      async announce(type: string, data: unknown, at: number) {
        await appendToOutbox(tx, type, data, at);
      },
    };
  }

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
    /** The hour meter's current daily totals for many assets at once (the metering source). */
    meterDays: (assetIds: string[], fromDay: string, toDay: string): Promise<UsageDay[]> => meteredDays(db, assetIds, fromDay, toDay),
    /** The same totals cut at another zone's midnights: local days [fromDay, toDay]. */
    meterLocalDays: (assetIds: string[], fromDay: string, toDay: string, zone: string): Promise<UsageDay[]> => meteredLocalDays(db, assetIds, fromDay, toDay, zone),

    /**
     * Makes usage records match the metered days: a new (asset, day) gets
     * version 1, a changed one replaces its record with version n+1 (the old
     * one stays in `usage_record_versions`), an unchanged one is left alone.
     */
    async syncUsage(read: UsageDay[], now = Date.now()): Promise<{ created: number; replaced: number }> {
      if (read.length === 0) return { created: 0, replaced: 0 };
      return write(async (tx) => {
        const assetIds = [...new Set(read.map((d) => d.assetId))];
        const from = read.reduce((m, d) => (d.day < m ? d.day : m), read[0]!.day);
        const to = read.reduce((m, d) => (d.day > m ? d.day : m), read[0]!.day);
        const days = await asMeteredNow(tx, read, assetIds, from, to);
        const existing = new Map<string, { ms: number; version: number }>();
        for (let i = 0; i < assetIds.length; i += 500) {
          const rows = await tx
            .selectFrom('usage_records')
            .select(['asset_id', 'day', 'operating_ms', 'version'])
            .where('asset_id', 'in', assetIds.slice(i, i + 500))
            .where('day', '>=', from)
            .where('day', '<=', to)
            .execute();
          for (const r of rows) existing.set(key(r.asset_id, r.day), { ms: Number(r.operating_ms), version: Number(r.version) });
        }
        const changes: { d: UsageDay; prevVersion: number | null }[] = [];
        for (const d of days) {
          const prev = existing.get(key(d.assetId, d.day));
          if (!prev || prev.ms !== d.operatingMs) changes.push({ d, prevVersion: prev?.version ?? null });
        }
        return writeUsage(tx, changes, now);
      }, 'usage record');
    },

    /**
     * `syncUsage` straight from the hour meter's table: one query returns only
     * the days whose total differs from the usage record (locked on PostgreSQL
     * until they are written), so a re-run that finds nothing new reads next
     * to nothing. `zone`: the assets' contract clock; its days are local days
     * summed from the meter's quarter hours.
     */
    syncUsageFromMeter(assetIds: readonly string[], from: string, to: string, now = Date.now(), zone = 'UTC'): Promise<{ created: number; replaced: number }> {
      if (assetIds.length === 0) return Promise.resolve({ created: 0, replaced: 0 });
      return write(async (tx) => {
        const changes: { d: UsageDay; prevVersion: number | null }[] = [];
        // Local days are summed from the meter's quarter hours here; UTC days are compared in the database.
        if (zone !== 'UTC') {
          for (const chunk of chunks(assetIds, 500)) {
            const existing = new Map<string, { ms: number; version: number }>();
            const rows = await tx.selectFrom('usage_records').select(['asset_id', 'day', 'operating_ms', 'version']).where('asset_id', 'in', chunk).where('day', '>=', from).where('day', '<=', to).execute();
            for (const r of rows) existing.set(key(r.asset_id, r.day), { ms: Number(r.operating_ms), version: Number(r.version) });
            for (const d of await meteredLocalDays(tx, chunk, from, to, zone, true)) {
              const prev = existing.get(key(d.assetId, d.day));
              if (!prev || prev.ms !== d.operatingMs) changes.push({ d, prevVersion: prev?.version ?? null });
            }
          }
          return writeUsage(tx, changes, now);
        }
        if (!postgres) return syncUtcDaysInSqlite(tx, assetIds, from, to, now);
        for (const chunk of chunks(assetIds, 500)) {
          const rows = await tx
            .selectFrom('operating_hours_daily as o')
            .leftJoin('usage_records as u', (j) => j.onRef('u.asset_id', '=', 'o.asset_id').onRef('u.day', '=', 'o.day'))
            .select(['o.asset_id', 'o.day', 'o.operating_ms', 'o.version', 'u.version as prev_version'])
            .where('o.asset_id', 'in', chunk)
            .where('o.day', '>=', from)
            .where('o.day', '<=', to)
            .where((eb) => eb.or([eb('u.operating_ms', 'is', null), eb('u.operating_ms', '!=', eb.ref('o.operating_ms'))]))
            .$if(postgres, (q) => q.forUpdate('o'))
            .execute();
          for (const r of rows) {
            changes.push({ d: { assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) }, prevVersion: r.prev_version === null ? null : Number(r.prev_version) });
          }
        }
        return writeUsage(tx, changes, now);
      }, 'usage record');
    },


    usage: (assetIds: string[], fromDay: string, toDay: string) => usageOf(db, assetIds, fromDay, toDay),

    /** Every version of an asset's usage record of a day, oldest first: the replaced ones (history) and the current one. */
    async usageVersions(assetId: string, day: string) {
      const of = (table: 'usage_records' | 'usage_record_versions') =>
        db.selectFrom(table).select(['version', 'operating_ms', 'source_version', 'computed_at']).where('asset_id', '=', assetId).where('day', '=', day);
      const rows = await of('usage_record_versions').union(of('usage_records')).orderBy('version').execute();
      return rows.map((r) => ({ version: Number(r.version), operatingMs: Number(r.operating_ms), sourceVersion: Number(r.source_version), computedAt: Number(r.computed_at) }));
    },

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

    getInvoice,
    findInvoice: (id: string) => loadInvoice(db, id),

    async listInvoices(
      filters: { contractId?: string | undefined; customerId?: string | undefined; status?: string | undefined; periodStart?: string | undefined },
      limit = 100,
      cursor?: string,
      asOfDay?: string,
    ) {
      let q = db.selectFrom('invoices').select('id').orderBy('id').limit(limit + 1);
      if (cursor) q = q.where('id', '>', cursor);
      if (filters.contractId) q = q.where('contract_id', '=', filters.contractId);
      if (filters.customerId) q = q.where('customer_id', '=', filters.customerId);
      if (filters.status) q = q.where('status', '=', filters.status);
      if (filters.periodStart) q = q.where('period_start', '=', filters.periodStart);
      const ids = await q.execute();
      const page = ids.slice(0, limit);
      const items = [];
      for (const r of page) items.push(await getInvoice(r.id, db, asOfDay));
      return { items, nextCursor: ids.length > limit ? page.at(-1)!.id : null };
    },

    /**
     * Runs `work` in one transaction over the rows of invoices and credit
     * notes (services/contracts, core/issuing.ts, decides what it writes).
     * A throw rolls everything back, numbers taken included; a write to an
     * issued invoice (the HM_IMMUTABLE trigger) is ILLEGAL_TRANSITION.
     */
    documentTransaction<R>(what: 'invoice' | 'credit note', work: (rows: ReturnType<typeof documentRows>) => Promise<R>): Promise<R> {
      return write((tx) => work(documentRows(tx)), what);
    },

    async creditNotes(invoiceId: string): Promise<CreditNoteView[]> {
      const rows = await db.selectFrom('credit_notes').selectAll().where('invoice_id', '=', invoiceId).orderBy('number').execute();
      return rows.map((r) => ({
        id: r.id,
        invoiceId: r.invoice_id,
        number: r.number,
        reason: r.reason,
        amountMinor: Number(r.amount_minor),
        taxMinor: Number(r.tax_minor),
        currency: r.currency,
        issuedAt: Number(r.issued_at),
      }));
    },

    /** Issued invoice lines (and credit notes) for revenue reports. */
    async revenueLines(filter: { from: string; to: string; contractIds?: string[] | undefined }) {
      let q = db
        .selectFrom('invoice_lines')
        .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
        .select([
          'invoices.id as invoice_id',
          'invoices.contract_id',
          'invoices.customer_id',
          'invoices.period_start',
          'invoices.period_end',
          'invoices.currency',
          'invoice_lines.kind',
          'invoice_lines.asset_id',
          'invoice_lines.from_day',
          'invoice_lines.to_day',
          'invoice_lines.amount_minor',
        ])
        .where('invoices.status', '=', 'issued')
        .where('invoices.period_start', '>=', filter.from)
        .where('invoices.period_start', '<=', filter.to);
      if (filter.contractIds) q = q.where('invoices.contract_id', 'in', filter.contractIds);
      const lines = await q.execute();
      let cq = db
        .selectFrom('credit_notes')
        .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
        .select(['invoices.contract_id', 'invoices.customer_id', 'invoices.period_start', 'invoices.period_end', 'credit_notes.amount_minor', 'credit_notes.currency'])
        .where('invoices.period_start', '>=', filter.from)
        .where('invoices.period_start', '<=', filter.to);
      if (filter.contractIds) cq = cq.where('invoices.contract_id', 'in', filter.contractIds);
      const credits = await cq.execute();
      return {
        lines: lines.map((l) => ({
          invoiceId: l.invoice_id,
          contractId: l.contract_id,
          customerId: l.customer_id,
          periodStart: l.period_start,
          periodEnd: l.period_end,
          currency: l.currency,
          kind: l.kind,
          assetId: l.asset_id,
          /** The days the line is about (an adjustment: the period it corrects). */
          fromDay: l.from_day ?? l.period_start,
          toDay: l.to_day ?? l.period_end,
          amountMinor: Number(l.amount_minor),
        })),
        creditNotes: credits.map((c) => ({
          contractId: c.contract_id,
          customerId: c.customer_id,
          periodStart: c.period_start,
          periodEnd: c.period_end,
          amountMinor: Number(c.amount_minor),
          currency: c.currency,
        })),
      };
    },

    // ------------------------------------------------------------ invoice runs

    async createRun(period: string, now = Date.now()): Promise<string> {
      const id = `run_${newId('invoice', now).slice(4)}`;
      await db.insertInto('invoice_runs').values({ id, period, status: 'running', started_at: now, finished_at: null, result: null }).execute();
      return id;
    },
    async finishRun(id: string, status: 'succeeded' | 'failed', result: unknown, now = Date.now()): Promise<void> {
      await db.updateTable('invoice_runs').set({ status, finished_at: now, result: JSON.stringify(result) }).where('id', '=', id).execute();
    },
    async getRun(id: string) {
      const r = await db.selectFrom('invoice_runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('invoice run', id);
      return {
        id: r.id,
        period: r.period,
        status: r.status as 'running' | 'succeeded' | 'failed',
        startedAt: Number(r.started_at),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        result: r.result === null ? null : (JSON.parse(r.result) as unknown),
      };
    },
  };
}

export type BillingRepository = ReturnType<typeof billingRepository>;
