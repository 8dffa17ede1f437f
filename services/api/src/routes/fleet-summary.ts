import type { FleetAssetFacts, Repositories } from '@hourmeter/db';
import { idOf, RulEstimateRecord, Severity } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeviceStatusSource, FleetRiskSource } from '../ports.js';

const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

const SortKey = z.enum(['serial', 'model', 'site', 'customer', 'status', 'rul', 'risk', 'alerts', 'hours']);
type SortKey = z.infer<typeof SortKey>;

const Query = z.object({
  siteId: idOf('site').optional(),
  customerId: idOf('customer').optional().describe("Only this customer's fleet"),
  assetModelId: idOf('assetModel').optional(),
  sort: SortKey.default('alerts').describe('alerts: most and worst active alerts first (with order=desc)'),
  order: z.enum(['asc', 'desc']).default('desc'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('page size (1-500)'),
});

const Risk = z.object({
  failureMode: z.string(),
  status: z.enum(['estimated', 'no_failures', 'not_trained']),
  modelVersion: z.string().optional(),
  rulHours: z.number().optional(),
  lowerHours: z.number().optional(),
  upperHours: z.number().optional(),
  leadTimeHours: z.number(),
  failureProbability: z.number().optional(),
});

const Item = z.object({
  assetId: z.string(),
  serialNumber: z.string(),
  status: z.string(),
  assetModel: z.object({ id: z.string(), code: z.string(), name: z.string() }),
  site: z.object({ id: z.string(), name: z.string() }),
  customer: z.object({ id: z.string(), name: z.string() }),
  operatingHours: z.number().describe('Lifetime operating hours (sum of the daily totals)'),
  /** null: the asset has no device. */
  online: z.boolean().nullable().describe('Any active device connected; null without a device'),
  lastSeenAt: z.number().nullable(),
  devices: z.array(z.object({ id: z.string(), online: z.boolean(), lastSeenAt: z.number().nullable() })),
  activeAlerts: z.array(z.object({ id: z.string(), severity: Severity, failureMode: z.string() })),
  worstSeverity: Severity.nullable(),
  rul: RulEstimateRecord.nullable(),
  risk: Risk.nullable().describe('The failure mode most likely to fail within the lead time'),
});
export type FleetSummaryItem = z.infer<typeof Item>;

const Summary = z.object({
  totals: z.object({
    assets: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    withoutDevice: z.number().int(),
    withActiveAlerts: z.number().int(),
    activeAlerts: z.number().int(),
    operatingHours: z.number(),
  }),
  items: z.array(Item),
  offset: z.number().int(),
  limit: z.number().int(),
  nextOffset: z.number().int().nullable(),
});

type Estimate = Awaited<ReturnType<FleetRiskSource['fleetEstimates']>>[number];

/** An asset's devices with the live state where the broker in this process knows it; stored state covers the rest. */
export function liveDevices(f: FleetAssetFacts, deviceStatus: DeviceStatusSource | undefined): FleetAssetFacts['devices'] {
  return f.devices.map((d) => {
    const live = deviceStatus?.get(d.id);
    return live ? { id: d.id, online: live.online, lastSeenAt: live.lastSeenAt } : d;
  });
}

export function worstSeverityOf(alerts: readonly { severity: Severity }[]): Severity | null {
  return alerts.reduce<Severity | null>((w, a) => (w === null || SEVERITY_RANK[a.severity] > SEVERITY_RANK[w] ? a.severity : w), null);
}

/** Of an asset's estimates, the failure mode most likely to fail within the lead time (else the first, for its status). */
function worst(list: readonly Estimate[]): Estimate | undefined {
  const estimated = list.filter((e) => e.status === 'estimated');
  if (estimated.length === 0) return list[0];
  return estimated.reduce((a, b) => ((b.failureProbability ?? 0) > (a.failureProbability ?? 0) ? b : a));
}

function sortValue(i: FleetSummaryItem, key: SortKey): string | number {
  switch (key) {
    case 'serial':
      return i.serialNumber;
    case 'model':
      return i.assetModel.name;
    case 'site':
      return i.site.name;
    case 'customer':
      return i.customer.name;
    case 'status':
      return i.online === null ? -1 : i.online ? 1 : 0;
    case 'rul':
      return i.rul?.hours ?? Number.POSITIVE_INFINITY;
    case 'risk':
      return i.risk?.failureProbability ?? -1;
    case 'alerts':
      return i.activeAlerts.length * 10 + (i.worstSeverity ? SEVERITY_RANK[i.worstSeverity] : 0);
    case 'hours':
      return i.operatingHours;
  }
}

/**
 * `GET /fleet/summary`: the Fleet view in one request, whatever the fleet's
 * size. Device status, newest RUL, failure probability, active alerts and
 * operating hours per asset, aggregated on the server, sorted and paged, with
 * totals over every asset the filters select.
 */
export function fleetSummaryRoutes(
  parent: FastifyInstance,
  deps: { repos: Repositories; logger: Logger; deviceStatus?: DeviceStatusSource | undefined; fleetRisk?: FleetRiskSource | undefined },
): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const log = deps.logger.child({ route: 'fleet-summary' });

  async function risksOf(facts: readonly FleetAssetFacts[]): Promise<Map<string, Estimate>> {
    const out = new Map<string, Estimate>();
    if (!deps.fleetRisk) return out;
    const modelIds = [...new Set(facts.map((f) => f.assetModel.id))];
    const lists = await Promise.all(
      modelIds.map((id) =>
        deps.fleetRisk!.fleetEstimates(id).catch((err: unknown) => {
          // One model's estimates failing must not blank the whole fleet.
          log.warn({ err, assetModelId: id }, 'reliability estimates unavailable for the fleet summary');
          return [];
        }),
      ),
    );
    const byAsset = new Map<string, Estimate[]>();
    for (const e of lists.flat()) byAsset.set(e.assetId, [...(byAsset.get(e.assetId) ?? []), e]);
    for (const [assetId, list] of byAsset) {
      const w = worst(list);
      if (w) out.set(assetId, w);
    }
    return out;
  }

  app.get('/fleet/summary', {
    schema: {
      tags: ['fleet'],
      summary: 'The fleet at a glance: device status, RUL, failure probability, active alerts and operating hours per asset, sorted and paged, with totals',
      querystring: Query,
      response: { 200: Summary },
    },
    handler: async (req) => {
      const { sort, order, offset, limit, ...filters } = req.query;
      const facts = await deps.repos.fleetSummary.facts(filters);
      const risks = await risksOf(facts);
      const items: FleetSummaryItem[] = facts.map((f) => {
        const devices = liveDevices(f, deps.deviceStatus);
        const worstAlert = worstSeverityOf(f.activeAlerts);
        const risk = risks.get(f.assetId);
        return {
          assetId: f.assetId,
          serialNumber: f.serialNumber,
          status: f.status,
          assetModel: f.assetModel,
          site: f.site,
          customer: f.customer,
          operatingHours: f.operatingHours,
          online: devices.length === 0 ? null : devices.some((d) => d.online),
          lastSeenAt: Math.max(0, ...devices.map((d) => d.lastSeenAt ?? 0)) || null,
          devices,
          activeAlerts: f.activeAlerts,
          worstSeverity: worstAlert,
          rul: f.rul,
          risk: risk
            ? {
                failureMode: risk.failureMode,
                status: risk.status,
                ...(risk.modelVersion === undefined ? {} : { modelVersion: risk.modelVersion }),
                ...(risk.rulHours === undefined ? {} : { rulHours: risk.rulHours }),
                ...(risk.lowerHours === undefined ? {} : { lowerHours: risk.lowerHours }),
                ...(risk.upperHours === undefined ? {} : { upperHours: risk.upperHours }),
                leadTimeHours: risk.leadTimeHours,
                ...(risk.failureProbability === undefined ? {} : { failureProbability: risk.failureProbability }),
              }
            : null,
        };
      });
      const dir = order === 'asc' ? 1 : -1;
      items.sort((x, y) => {
        const a = sortValue(x, sort);
        const b = sortValue(y, sort);
        const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
        // Ties keep serial-number order, so pages do not shuffle between requests.
        return c * dir || x.serialNumber.localeCompare(y.serialNumber);
      });
      const online = items.filter((i) => i.online === true).length;
      const withoutDevice = items.filter((i) => i.online === null).length;
      return {
        totals: {
          assets: items.length,
          online,
          offline: items.length - online - withoutDevice,
          withoutDevice,
          withActiveAlerts: items.filter((i) => i.activeAlerts.length > 0).length,
          activeAlerts: items.reduce((n, i) => n + i.activeAlerts.length, 0),
          operatingHours: items.reduce((n, i) => n + i.operatingHours, 0),
        },
        items: items.slice(offset, offset + limit),
        offset,
        limit,
        nextOffset: offset + limit < items.length ? offset + limit : null,
      };
    },
  });
}
