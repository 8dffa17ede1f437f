import type {
  Technician} from '@hourmeter/domain';
import {
  TechnicianInput,
  WeeklyCalendar,
  newId,
  type Absence,
  type AbsenceInput,
  type Certification,
  type TechnicianPatch,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, TechniciansTable } from '../schema.js';
import type { Executor } from './crud.js';
import { ACTIVE_STATES, num } from './work-orders-rows.js';
import { serviceId } from './service-ids.js';

export interface TechnicianFilters {
  serviceRegion?: string | undefined;
  active?: boolean | undefined;
}

/** What dispatch needs to know about an order: where, which model, by when, and who has it. */
export interface DispatchOrder {
  workOrderId: string;
  state: string;
  kind: string;
  assetId: string;
  serialNumber: string;
  assetModelId: string;
  assetModelName: string;
  customerName: string;
  siteName: string;
  serviceRegion: string | undefined;
  site: { lat: number; lon: number } | undefined;
  severity: string | undefined;
  slaDueAt: number | undefined;
  technicianId: string | undefined;
  windowFrom: number | undefined;
  windowTo: number | undefined;
  createdAt: number;
}

/** One completed order as the field-service KPIs see it (issue 18 item 8). */
export interface FieldServiceFact {
  workOrderId: string;
  kind: string;
  technicianId: string | undefined;
  technicianName: string | undefined;
  /** The technician's region, else the site's. */
  serviceRegion: string | undefined;
  assetModelId: string;
  assetModelName: string;
  createdAt: number;
  /** When work started (the order's first move to in_progress). */
  startedAt: number | undefined;
  completedAt: number;
  slaDueAt: number | undefined;
  firstTimeFix: boolean;
  downtimeHours: number;
  labourHours: number;
  travelHours: number;
  /** Billed on issued invoices for this order, per currency (minor units). */
  revenue: { currency: string; amountMinor: number }[];
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/**
 * Technicians with their certifications and absences (migration 0022). A
 * technician's van is created with the technician as a `van` warehouse below
 * the station that replenishes it, so van stock is ordinary ledger stock.
 */
export function technicianRepository(db: Kysely<Database>) {
  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'technician');
    }
  }

  async function certificationsOf(ex: Executor, ids: readonly string[]): Promise<Map<string, Certification[]>> {
    const out = new Map<string, Certification[]>(ids.map((id) => [id, []]));
    if (!ids.length) return out;
    const rows = await ex.selectFrom('technician_certifications').selectAll().where('technician_id', 'in', ids).orderBy('asset_model_id').execute();
    for (const r of rows) {
      out.get(r.technician_id)?.push({ assetModelId: r.asset_model_id, certification: r.certification, ...(r.valid_until ? { validUntil: r.valid_until } : {}) });
    }
    return out;
  }

  const fromRow = (r: Selectable<TechniciansTable>, certifications: Certification[]): Technician => ({
    id: r.id,
    name: r.name,
    email: r.email,
    home: { lat: num(r.home_lat), lon: num(r.home_lon) },
    serviceRegion: r.service_region,
    vanWarehouseId: r.van_warehouse_id,
    calendar: WeeklyCalendar.parse(JSON.parse(r.calendar)),
    certifications,
    active: Boolean(num(r.active)),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  });

  async function find(id: string, ex: Executor = db): Promise<Technician | undefined> {
    const row = await ex.selectFrom('technicians').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row, (await certificationsOf(ex, [id])).get(id) ?? []) : undefined;
  }
  async function get(id: string, ex: Executor = db): Promise<Technician> {
    const t = await find(id, ex);
    if (!t) throw notFound('technician', id);
    return t;
  }

  async function putCertifications(tx: Executor, technicianId: string, certifications: readonly Certification[]): Promise<void> {
    await tx.deleteFrom('technician_certifications').where('technician_id', '=', technicianId).execute();
    for (const [i, c] of certifications.entries()) {
      const model = await tx.selectFrom('asset_models').select('id').where('id', '=', c.assetModelId).executeTakeFirst();
      if (!model) throw new AppError('REFERENCE_NOT_FOUND', `certifications.${i}.assetModelId: asset model ${c.assetModelId} does not exist`, { field: `certifications.${i}.assetModelId` });
      await tx
        .insertInto('technician_certifications')
        .values({ technician_id: technicianId, asset_model_id: c.assetModelId, certification: c.certification, valid_until: c.validUntil ?? null })
        .execute();
    }
  }

  return {
    find,
    get,

    /** Creates the technician and the van (a `van` warehouse at the home base below `vanParentWarehouseId`). */
    create(input: TechnicianInput, now = Date.now()): Promise<Technician> {
      const t = TechnicianInput.parse(input);
      return write(async (tx) => {
        const parent = await tx.selectFrom('warehouses').select(['id', 'level']).where('id', '=', t.vanParentWarehouseId).executeTakeFirst();
        if (!parent) throw new AppError('REFERENCE_NOT_FOUND', `vanParentWarehouseId: warehouse ${t.vanParentWarehouseId} does not exist`, { field: 'vanParentWarehouseId' });
        if (parent.level !== 'station' && parent.level !== 'regional') {
          throw new AppError('VALIDATION_FAILED', `vanParentWarehouseId: a van is replenished from a station or regional centre, not a ${parent.level} location`, { field: 'vanParentWarehouseId' });
        }
        const id = newId('technician', now);
        const vanId = newId('warehouse', now);
        await tx
          .insertInto('warehouses')
          .values({ id: vanId, code: `VAN-${id.slice(4)}`, name: `Van of ${t.name}`, level: 'van', parent_id: parent.id, lat: t.home.lat, lon: t.home.lon, created_at: now, updated_at: now })
          .execute();
        await tx
          .insertInto('technicians')
          .values({
            id,
            name: t.name,
            email: t.email.toLowerCase(),
            home_lat: t.home.lat,
            home_lon: t.home.lon,
            service_region: t.serviceRegion,
            van_warehouse_id: vanId,
            calendar: JSON.stringify(t.calendar),
            active: t.active ? 1 : 0,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await putCertifications(tx, id, t.certifications);
        return get(id, tx);
      });
    },

    async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: TechnicianFilters | undefined } = {}): Promise<{ items: Technician[]; nextCursor: string | null }> {
      const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
      let q = db.selectFrom('technicians').selectAll().orderBy('id').limit(limit + 1);
      if (opts.cursor) q = q.where('id', '>', opts.cursor);
      if (opts.filters?.serviceRegion !== undefined) q = q.where('service_region', '=', opts.filters.serviceRegion);
      if (opts.filters?.active !== undefined) q = q.where('active', '=', opts.filters.active ? 1 : 0);
      const rows = await q.execute();
      const page = rows.slice(0, limit);
      const certs = await certificationsOf(db, page.map((r) => r.id));
      return { items: page.map((r) => fromRow(r, certs.get(r.id) ?? [])), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
    },

    /** Changes the given fields; certifications, when given, replace the list; the van moves with the home base. */
    update(id: string, patch: TechnicianPatch, now = Date.now()): Promise<Technician> {
      return write(async (tx) => {
        const t = await get(id, tx);
        const home = patch.home ?? t.home;
        await tx
          .updateTable('technicians')
          .set({
            name: patch.name ?? t.name,
            email: (patch.email ?? t.email).toLowerCase(),
            home_lat: home.lat,
            home_lon: home.lon,
            service_region: patch.serviceRegion ?? t.serviceRegion,
            calendar: JSON.stringify(patch.calendar ?? t.calendar),
            active: (patch.active ?? t.active) ? 1 : 0,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        if (patch.home) await tx.updateTable('warehouses').set({ lat: home.lat, lon: home.lon, updated_at: now }).where('id', '=', t.vanWarehouseId).execute();
        if (patch.name) await tx.updateTable('warehouses').set({ name: `Van of ${patch.name}`, updated_at: now }).where('id', '=', t.vanWarehouseId).execute();
        if (patch.certifications) await putCertifications(tx, id, patch.certifications);
        return get(id, tx);
      });
    },

    /**
     * Removes a technician who never took an order and whose van is empty (with
     * its van); otherwise IN_USE: deactivate instead, so history keeps its name.
     */
    remove(id: string): Promise<void> {
      return write(async (tx) => {
        const t = await get(id, tx);
        const stock = await tx.selectFrom('stock_movements').select('id').where('warehouse_id', '=', t.vanWarehouseId).limit(1).executeTakeFirst();
        if (stock) throw new AppError('IN_USE', `technician ${id}: the van has stock movements; deactivate the technician instead`);
        const orders = await tx.selectFrom('work_orders').select('id').where('technician_id', '=', id).limit(1).executeTakeFirst();
        if (orders) throw new AppError('IN_USE', `technician ${id} has work orders; deactivate the technician instead`);
        await tx.deleteFrom('technicians').where('id', '=', id).execute();
        await tx.deleteFrom('stock_levels').where('warehouse_id', '=', t.vanWarehouseId).execute();
        await tx.deleteFrom('warehouses').where('id', '=', t.vanWarehouseId).execute();
      });
    },

    absences: {
      add(technicianId: string, a: AbsenceInput, now = Date.now()): Promise<Absence> {
        return write(async (tx) => {
          await get(technicianId, tx);
          const id = serviceId('abs', now);
          await tx.insertInto('technician_absences').values({ id, technician_id: technicianId, from_ms: a.from, to_ms: a.to, reason: a.reason, created_at: now }).execute();
          return { id, technicianId, from: a.from, to: a.to, reason: a.reason, createdAt: now };
        });
      },
      /** Absences of the technicians (all when `technicianIds` is undefined) overlapping [from, to). */
      async overlapping(technicianIds: readonly string[] | undefined, from: number, to: number): Promise<Absence[]> {
        if (technicianIds && !technicianIds.length) return [];
        let q = db.selectFrom('technician_absences').selectAll().where('from_ms', '<', to).where('to_ms', '>', from).orderBy('from_ms');
        if (technicianIds) q = q.where('technician_id', 'in', technicianIds);
        return (await q.execute()).map((r) => ({ id: r.id, technicianId: r.technician_id, from: num(r.from_ms), to: num(r.to_ms), reason: r.reason, createdAt: num(r.created_at) }));
      },
      async remove(technicianId: string, absenceId: string): Promise<void> {
        const res = await db.deleteFrom('technician_absences').where('id', '=', absenceId).where('technician_id', '=', technicianId).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw notFound('absence', absenceId);
      },
    },

    /** Completed orders with completion in [from, to), with who did them, where, and what they billed. */
    async fieldServiceFacts(from: number, to: number): Promise<FieldServiceFact[]> {
      const rows = await db
        .selectFrom('work_order_completions as c')
        .innerJoin('work_orders as w', 'w.id', 'c.work_order_id')
        .innerJoin('assets as a', 'a.id', 'w.asset_id')
        .innerJoin('asset_models as m', 'm.id', 'a.asset_model_id')
        .innerJoin('sites as s', 's.id', 'a.site_id')
        .leftJoin('technicians as t', 't.id', 'w.technician_id')
        .select([
          'w.id', 'w.kind', 'w.technician_id', 't.name as technician_name', 't.service_region as tech_region', 's.service_region as site_region', 'a.asset_model_id', 'm.name as model_name',
          'w.created_at', 'w.sla_due_at', 'c.completed_at', 'c.fixed_on_first_visit', 'c.repeated_by_id', 'c.downtime_from', 'c.downtime_to', 'c.labour_hours', 'c.travel_hours',
        ])
        .where('c.completed_at', '>=', from)
        .where('c.completed_at', '<', to)
        .orderBy('w.id')
        .execute();
      const ids = rows.map((r) => r.id);
      const started = new Map<string, number>();
      const revenue = new Map<string, Map<string, number>>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const ev = await db.selectFrom('work_order_events').select(['work_order_id', (eb) => eb.fn.min('at').as('at')]).where('to_state', '=', 'in_progress').where('work_order_id', 'in', chunk).groupBy('work_order_id').execute();
        for (const e of ev) started.set(e.work_order_id, num(e.at));
        const lines = await db
          .selectFrom('invoice_lines as l')
          .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
          .select(['l.work_order_id', 'i.currency', (eb) => eb.fn.sum<number>('l.amount_minor').as('amount')])
          .where('i.status', '=', 'issued')
          .where('l.work_order_id', 'in', chunk)
          .groupBy(['l.work_order_id', 'i.currency'])
          .execute();
        for (const l of lines) {
          const byCur = revenue.get(l.work_order_id!) ?? new Map<string, number>();
          byCur.set(l.currency, (byCur.get(l.currency) ?? 0) + num(l.amount));
          revenue.set(l.work_order_id!, byCur);
        }
      }
      return rows.map((r) => ({
        workOrderId: r.id,
        kind: r.kind,
        technicianId: opt(r.technician_id),
        technicianName: opt(r.technician_name),
        serviceRegion: opt(r.tech_region) ?? opt(r.site_region),
        assetModelId: r.asset_model_id,
        assetModelName: r.model_name,
        createdAt: num(r.created_at),
        startedAt: started.get(r.id),
        completedAt: num(r.completed_at),
        slaDueAt: r.sla_due_at === null ? undefined : num(r.sla_due_at),
        firstTimeFix: num(r.fixed_on_first_visit) === 1 && r.repeated_by_id === null,
        downtimeHours: (num(r.downtime_to) - num(r.downtime_from)) / 3_600_000,
        labourHours: num(r.labour_hours),
        travelHours: num(r.travel_hours),
        revenue: [...(revenue.get(r.id) ?? new Map<string, number>())].map(([currency, amountMinor]) => ({ currency, amountMinor })),
      }));
    },

    /**
     * Orders as dispatch sees them: the active ones without a technician (the
     * backlog), and those assigned to a window overlapping [from, to).
     */
    async dispatchOrders(q: { from: number; to: number; technicianIds?: readonly string[] | undefined; workOrderIds?: readonly string[] | undefined; unassigned?: boolean | undefined }): Promise<DispatchOrder[]> {
      let sel = db
        .selectFrom('work_orders as w')
        .innerJoin('assets as a', 'a.id', 'w.asset_id')
        .innerJoin('asset_models as m', 'm.id', 'a.asset_model_id')
        .innerJoin('sites as s', 's.id', 'a.site_id')
        .innerJoin('customers as c', 'c.id', 's.customer_id')
        .select([
          'w.id', 'w.state', 'w.kind', 'w.asset_id', 'a.serial_number', 'a.asset_model_id', 'm.name as model_name', 'c.name as customer_name', 's.name as site_name',
          's.service_region', 's.lat', 's.lon', 'w.severity', 'w.sla_due_at', 'w.technician_id', 'w.window_from', 'w.window_to', 'w.created_at',
        ])
        .where('w.state', 'in', ACTIVE_STATES)
        .orderBy('w.id');
      if (q.workOrderIds) {
        if (!q.workOrderIds.length) return [];
        sel = sel.where('w.id', 'in', q.workOrderIds);
      } else if (q.unassigned) {
        sel = sel.where('w.technician_id', 'is', null);
      } else {
        sel = sel.where('w.technician_id', 'is not', null).where('w.window_from', '<', q.to).where('w.window_to', '>', q.from);
        if (q.technicianIds) {
          if (!q.technicianIds.length) return [];
          sel = sel.where('w.technician_id', 'in', q.technicianIds);
        }
      }
      return (await sel.execute()).map((r) => ({
        workOrderId: r.id,
        state: r.state,
        kind: r.kind,
        assetId: r.asset_id,
        serialNumber: r.serial_number,
        assetModelId: r.asset_model_id,
        assetModelName: r.model_name,
        customerName: r.customer_name,
        siteName: r.site_name,
        serviceRegion: opt(r.service_region),
        site: r.lat === null || r.lon === null ? undefined : { lat: num(r.lat), lon: num(r.lon) },
        severity: opt(r.severity),
        slaDueAt: r.sla_due_at === null ? undefined : num(r.sla_due_at),
        technicianId: opt(r.technician_id),
        windowFrom: r.window_from === null ? undefined : num(r.window_from),
        windowTo: r.window_to === null ? undefined : num(r.window_to),
        createdAt: num(r.created_at),
      }));
    },
  };
}

export type TechnicianRepository = ReturnType<typeof technicianRepository>;
