import { ACTIVE_ALERT_STATES, type RulEstimateRecord, type Severity } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface FleetFilters {
  siteId?: string | undefined;
  customerId?: string | undefined;
  assetModelId?: string | undefined;
  assetId?: string | undefined;
}

export interface FleetSite {
  id: string;
  name: string;
  /** null: the site has no coordinates yet, so the map lists it beside the map instead. */
  location: { lat: number; lon: number } | null;
  timezone: string;
  customer: { id: string; name: string };
}

/** One asset with everything the fleet overview shows about it, read in a handful of set queries. */
export interface FleetAssetFacts {
  assetId: string;
  serialNumber: string;
  status: string;
  assetModel: { id: string; code: string; name: string };
  site: { id: string; name: string };
  customer: { id: string; name: string };
  /** Lifetime operating hours: the sum of the hour meter's daily totals. */
  operatingHours: number;
  /** The newest RUL estimate, if any. */
  rul: RulEstimateRecord | null;
  /** Alerts still open, acknowledged or confirmed. */
  activeAlerts: { id: string; severity: Severity; failureMode: string }[];
  /** Active devices with the connection state broker nodes recorded (null: never connected). */
  devices: { id: string; online: boolean; lastSeenAt: number | null }[];
}

/**
 * The fleet overview's read side: the same five queries whatever the fleet's
 * size, so the console asks once for 6 assets or 10,000 (issue #17 item 4).
 */
export function fleetSummaryRepository(db: Kysely<Database>) {
  /** Ids of the assets the filters select, as a subquery the other reads join on. */
  const selected = (f: FleetFilters) => {
    let q = db.selectFrom('assets').innerJoin('sites', 'sites.id', 'assets.site_id').select('assets.id');
    if (f.siteId) q = q.where('assets.site_id', '=', f.siteId);
    if (f.assetModelId) q = q.where('assets.asset_model_id', '=', f.assetModelId);
    if (f.customerId) q = q.where('sites.customer_id', '=', f.customerId);
    if (f.assetId) q = q.where('assets.id', '=', f.assetId);
    return q;
  };

  return {
    /** The sites the filters select, located, with their customer: the map's places, assets or not. */
    async sites(f: Omit<FleetFilters, 'assetModelId'> = {}): Promise<FleetSite[]> {
      let q = db
        .selectFrom('sites')
        .innerJoin('customers', 'customers.id', 'sites.customer_id')
        .select(['sites.id as id', 'sites.name as name', 'sites.lat as lat', 'sites.lon as lon', 'sites.timezone as timezone', 'customers.id as customerId', 'customers.name as customerName'])
        .orderBy('sites.name')
        .orderBy('sites.id');
      if (f.siteId) q = q.where('sites.id', '=', f.siteId);
      if (f.customerId) q = q.where('sites.customer_id', '=', f.customerId);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        location: r.lat === null || r.lon === null ? null : { lat: Number(r.lat), lon: Number(r.lon) },
        timezone: r.timezone,
        customer: { id: r.customerId, name: r.customerName },
      }));
    },

    async facts(f: FleetFilters = {}): Promise<FleetAssetFacts[]> {
      const ids = selected(f);
      const [assets, hours, alerts, latestRul, devices] = await Promise.all([
        db
          .selectFrom('assets')
          .innerJoin('sites', 'sites.id', 'assets.site_id')
          .innerJoin('customers', 'customers.id', 'sites.customer_id')
          .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
          .select([
            'assets.id as id',
            'assets.serial_number as serial',
            'assets.status as status',
            'asset_models.id as modelId',
            'asset_models.code as modelCode',
            'asset_models.name as modelName',
            'sites.id as siteId',
            'sites.name as siteName',
            'customers.id as customerId',
            'customers.name as customerName',
          ])
          .where('assets.id', 'in', ids)
          .orderBy('assets.serial_number')
          .execute(),
        db
          .selectFrom('operating_hours_daily')
          .select(['asset_id', (eb) => eb.fn.sum<number | string>('operating_ms').as('ms')])
          .where('asset_id', 'in', ids)
          .groupBy('asset_id')
          .execute(),
        db
          .selectFrom('alerts')
          .select(['id', 'asset_id', 'severity', 'failure_mode'])
          .where('asset_id', 'in', ids)
          .where('state', 'in', [...ACTIVE_ALERT_STATES])
          .execute(),
        db
          .selectFrom('rul_estimates as r')
          .innerJoin(
            (eb) => eb.selectFrom('rul_estimates').select(['asset_id', (e) => e.fn.max('ts').as('ts')]).where('asset_id', 'in', ids).groupBy('asset_id').as('newest'),
            (join) => join.onRef('newest.asset_id', '=', 'r.asset_id').onRef('newest.ts', '=', 'r.ts'),
          )
          .selectAll('r')
          .orderBy('r.model_version')
          .execute(),
        db
          .selectFrom('devices')
          .leftJoin('device_connections', 'device_connections.device_id', 'devices.id')
          .select(['devices.id as id', 'devices.asset_id as assetId', 'device_connections.online as online', 'device_connections.last_seen_at as lastSeenAt'])
          .where('devices.asset_id', 'in', ids)
          .where('devices.status', '=', 'active')
          .orderBy('devices.id')
          .execute(),
      ]);
      const hoursOf = new Map(hours.map((h) => [h.asset_id, Number(h.ms) / 3_600_000]));
      const rulOf = new Map<string, RulEstimateRecord>();
      for (const r of latestRul) {
        if (rulOf.has(r.asset_id)) continue;
        rulOf.set(r.asset_id, {
          assetId: r.asset_id,
          ts: Number(r.ts),
          modelVersion: r.model_version,
          hours: Number(r.hours),
          lowerHours: Number(r.lower_hours),
          upperHours: Number(r.upper_hours),
          ...(r.failure_mode === null ? {} : { failureMode: r.failure_mode }),
        });
      }
      const alertsOf = groupBy(alerts, (a) => a.asset_id);
      const devicesOf = groupBy(devices, (d) => d.assetId);
      return assets.map((a) => ({
        assetId: a.id,
        serialNumber: a.serial,
        status: a.status,
        assetModel: { id: a.modelId, code: a.modelCode, name: a.modelName },
        site: { id: a.siteId, name: a.siteName },
        customer: { id: a.customerId, name: a.customerName },
        operatingHours: hoursOf.get(a.id) ?? 0,
        rul: rulOf.get(a.id) ?? null,
        activeAlerts: (alertsOf.get(a.id) ?? []).map((x) => ({ id: x.id, severity: x.severity as Severity, failureMode: x.failure_mode })),
        devices: (devicesOf.get(a.id) ?? []).map((d) => ({ id: d.id, online: Number(d.online ?? 0) === 1, lastSeenAt: d.lastSeenAt === null ? null : Number(d.lastSeenAt) })),
      }));
    },
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

export type FleetSummaryRepository = ReturnType<typeof fleetSummaryRepository>;
