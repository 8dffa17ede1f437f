import { ACTIVE_ALERT_STATES, type Severity } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A work order as a customer sees it: what was done on which unit and when, without costs, technicians or internal notes. */
export interface PortalWorkOrder {
  id: string;
  kind: string;
  state: string;
  assetId: string;
  serialNumber: string;
  siteName: string;
  failureMode: string | null;
  description: string | null;
  createdAt: number;
  completedAt: number | null;
  cancelledAt: number | null;
}

export interface PortalAlert {
  id: string;
  assetId: string;
  serialNumber: string;
  siteName: string;
  severity: Severity;
  failureMode: string;
  state: string;
  raisedAt: number;
}

const OPEN_ORDER_STATES = ['open', 'scheduled', 'in_progress'] as const;

/**
 * The customer portal's reads (issue #19). Every query takes the customer
 * and joins through the asset's site to it, so a row of another customer
 * cannot be selected whatever the other filters say; there is no unscoped
 * variant to call by mistake.
 */
export function portalRepository(db: Kysely<Database>) {
  const ofCustomer = (customerId: string) =>
    db.selectFrom('assets').innerJoin('sites', 'sites.id', 'assets.site_id').where('sites.customer_id', '=', customerId);

  return {
    async workOrders(customerId: string, filter: { state: 'open' | 'closed' }, limit = 200): Promise<PortalWorkOrder[]> {
      let q = ofCustomer(customerId)
        .innerJoin('work_orders', 'work_orders.asset_id', 'assets.id')
        .select([
          'work_orders.id as id',
          'work_orders.kind as kind',
          'work_orders.state as state',
          'assets.id as assetId',
          'assets.serial_number as serialNumber',
          'sites.name as siteName',
          'work_orders.failure_mode as failureMode',
          'work_orders.description as description',
          'work_orders.created_at as createdAt',
          'work_orders.completed_at as completedAt',
          'work_orders.cancelled_at as cancelledAt',
        ])
        .orderBy('work_orders.id', 'desc')
        .limit(limit);
      q = filter.state === 'open' ? q.where('work_orders.state', 'in', OPEN_ORDER_STATES) : q.where('work_orders.state', 'not in', OPEN_ORDER_STATES);
      return (await q.execute()).map((r) => ({
        ...r,
        createdAt: Number(r.createdAt),
        completedAt: r.completedAt === null ? null : Number(r.completedAt),
        cancelledAt: r.cancelledAt === null ? null : Number(r.cancelledAt),
      }));
    },

    /** Alerts still open, acknowledged or confirmed on the customer's assets, newest first. */
    async openAlerts(customerId: string): Promise<PortalAlert[]> {
      const rows = await ofCustomer(customerId)
        .innerJoin('alerts', 'alerts.asset_id', 'assets.id')
        .select([
          'alerts.id as id',
          'assets.id as assetId',
          'assets.serial_number as serialNumber',
          'sites.name as siteName',
          'alerts.severity as severity',
          'alerts.failure_mode as failureMode',
          'alerts.state as state',
          'alerts.raised_at as raisedAt',
        ])
        .where('alerts.state', 'in', [...ACTIVE_ALERT_STATES])
        .orderBy('alerts.raised_at', 'desc')
        .execute();
      return rows.map((r) => ({ ...r, severity: r.severity as Severity, raisedAt: Number(r.raisedAt) }));
    },
  };
}

export type PortalRepository = ReturnType<typeof portalRepository>;
