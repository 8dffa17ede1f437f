import type { Repositories } from '@hourmeter/db';
import { idOf, Severity } from '@hourmeter/domain';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeviceStatusSource } from '../ports.js';
import { liveDevices, worstSeverityOf } from './fleet-summary.js';

const Query = z.object({
  customerId: idOf('customer').optional().describe("Only this customer's sites"),
});

/** What the map colours a site by, worst first: an open alert, a silent device, all well, nothing installed. */
const SiteStatus = z.enum(['alert', 'offline', 'ok', 'empty']);
type SiteStatus = z.infer<typeof SiteStatus>;

const SiteItem = z.object({
  id: z.string(),
  name: z.string(),
  location: z.object({ lat: z.number(), lon: z.number() }).nullable().describe('null: no coordinates recorded for the site'),
  timezone: z.string(),
  customer: z.object({ id: z.string(), name: z.string() }),
  status: SiteStatus,
  assets: z.number().int(),
  online: z.number().int(),
  offline: z.number().int(),
  withoutDevice: z.number().int(),
  withActiveAlerts: z.number().int(),
  activeAlerts: z.number().int(),
  worstSeverity: Severity.nullable(),
});

/**
 * `GET /fleet/sites`: every site with its assets' status counted on the
 * server, for the site map (issue #17 item 7). Two reads of the fleet
 * summary's queries, whatever the number of sites or assets.
 */
export function fleetSiteRoutes(parent: FastifyInstance, deps: { repos: Repositories; deviceStatus?: DeviceStatusSource | undefined }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.get('/fleet/sites', {
    schema: {
      tags: ['fleet'],
      summary: 'Sites with their location and the status of their assets (online, offline, open alerts), for the site map',
      querystring: Query,
      response: { 200: z.object({ items: z.array(SiteItem) }) },
    },
    handler: async (req) => {
      const [sites, facts] = await Promise.all([deps.repos.fleetSummary.sites(req.query), deps.repos.fleetSummary.facts(req.query)]);
      const bySite = new Map<string, typeof facts>();
      for (const f of facts) {
        const list = bySite.get(f.site.id);
        if (list) list.push(f);
        else bySite.set(f.site.id, [f]);
      }
      return {
        items: sites.map((site) => {
          const assets = bySite.get(site.id) ?? [];
          const state = assets.map((f) => {
            const devices = liveDevices(f, deps.deviceStatus);
            return { online: devices.length === 0 ? null : devices.some((d) => d.online), alerts: f.activeAlerts };
          });
          const online = state.filter((s) => s.online === true).length;
          const offline = state.filter((s) => s.online === false).length;
          const withActiveAlerts = state.filter((s) => s.alerts.length > 0).length;
          const status: SiteStatus = assets.length === 0 ? 'empty' : withActiveAlerts > 0 ? 'alert' : offline > 0 ? 'offline' : 'ok';
          return {
            ...site,
            status,
            assets: assets.length,
            online,
            offline,
            withoutDevice: assets.length - online - offline,
            withActiveAlerts,
            activeAlerts: state.reduce((n, s) => n + s.alerts.length, 0),
            worstSeverity: worstSeverityOf(state.flatMap((s) => s.alerts)),
          };
        }),
      };
    },
  });
}
