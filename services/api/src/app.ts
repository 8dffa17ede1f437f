import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Repositories } from '@hourmeter/db';
import type { EventSubscriber } from '@hourmeter/events';
import type { TelemetryIngress } from '@hourmeter/messages';
import { honourIdempotencyKeys, installProblemHandler, parseCookies, recordRouteRoles, refuseIllFormedText, requireApiKey, RouteRoles } from '@hourmeter/http';
import type { Metrics } from '@hourmeter/metrics';
import type { Logger } from '@hourmeter/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { accountService, type AccountOptions } from './accounts.js';
import type { DeviceSessionControl, DeviceStatusSource, FleetRiskSource, HourMeterControl, IngestCounterSource, TelemetryReader } from './ports.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { deviceRoutes, type DeviceConnectionInfo } from './routes/devices.js';
import { deviceTelemetryRoutes } from './routes/device-telemetry.js';
import { csvLists } from './routes/csv-lists.js';
import { exportRoutes } from './routes/exports.js';
import { fleetSiteRoutes } from './routes/fleet-sites.js';
import { fleetSummaryRoutes } from './routes/fleet-summary.js';
import { eventRoutes, type LiveEventsOptions } from './routes/events.js';
import { healthRoute, type HealthCheck } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { operatingHoursRoutes } from './routes/operating-hours.js';
import { portalRoutes } from './routes/portal.js';
import { registryRoutes } from './routes/registry.js';
import { telemetryRoutes } from './routes/telemetry.js';
import { signInRoute, userRoutes } from './routes/users.js';

export interface ApiDeps {
  repos: Repositories;
  logger: Logger;
  /** Component probes reported by /health (database, telemetry store, broker...). */
  health: Readonly<Record<string, HealthCheck>>;
  version: string;
  telemetry: TelemetryReader;
  /** The in-process broker's live connection state; without one, the state broker nodes recorded in the database. */
  deviceStatus?: DeviceStatusSource | undefined;
  /** Ends a device's connection when its credentials change; absent where no broker runs in the process. */
  deviceSessions?: DeviceSessionControl | undefined;
  /** Where devices reach the broker (GET /devices/connection, the console's connection example). */
  deviceConnection?: DeviceConnectionInfo | undefined;
  ingestCounters: IngestCounterSource;
  hourMeter: HourMeterControl;
  /** Failure probabilities for GET /fleet/summary (the reliability service); without it the summary has no risk column. */
  fleetRisk?: FleetRiskSource | undefined;
  /**
   * Route sets of the other services (work orders, parts, prediction,
   * contracts), mounted under /api/v1 behind the same key check. The process
   * that wires the services passes them, so this package depends on none.
   */
  serviceRoutes?: readonly ((api: FastifyInstance) => void)[];
  /** Live updates at GET /api/v1/events (server-sent events). */
  events?: EventSubscriber;
  /** Prometheus metrics at GET /metrics and HTTP latency. */
  metrics?: Metrics;
  metricsToken?: string | undefined;
  liveCounters?: { clients: number; dropped: number };
  /** Limits of the live stream (per key, per role). */
  liveEvents?: LiveEventsOptions | undefined;
  /** HTTP ingest at POST /api/v1/telemetry (device credentials); only where ingest runs in the process. */
  deviceIngress?: TelemetryIngress | undefined;
  /** Sessions, lockout and throttling of people signing in (defaults: DEFAULT_ACCOUNT_OPTIONS). */
  accounts?: Partial<AccountOptions> | undefined;
  clock?: () => number;
}

export const API_PREFIX = '/api/v1';
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP edge: the only way clients reach Hourmeter's data. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Typed as fastify's base logger so the instance keeps fastify's default generic (pino's Logger is one).
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ svc: 'api' });
  const app = Fastify({
    loggerInstance,
    // Honour a caller's correlation id when it is sane, else make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installProblemHandler(app);
  await parseCookies(app);
  if (deps.metrics) app.addHook('onResponse', deps.metrics.onResponse);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Hourmeter API',
        version: deps.version,
        description:
          'Predictive maintenance and uptime-based service contracts. Machines authenticate with `Authorization: Bearer <api key>`; ' +
          'people sign in at POST /api/v1/auth/sign-in (session cookie; writes echo the CSRF token in `x-csrf-token`).',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' }, deviceBasic: { type: 'http', scheme: 'basic' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  healthRoute(app, deps.health, deps.version);
  if (deps.metrics) metricsRoute(app, deps.metrics, { token: deps.metricsToken });

  // Every /api/v1 route with its declared roles: the live stream's rights and docs/roles.md come from it.
  const routeRoles = new RouteRoles();
  app.decorate('routeRoles', routeRoles);
  const accounts = accountService({ users: deps.repos.users, keys: deps.repos.apiKeys, clock: deps.clock, options: deps.accounts });
  await app.register(async (open) => signInRoute(open, accounts), { prefix: API_PREFIX });

  const ingress = deps.deviceIngress;
  // Devices authenticate with their own credentials, so this scope has no API-key check.
  if (ingress) await app.register(async (devices) => deviceTelemetryRoutes(devices, { ingress, devices: deps.repos.devices }), { prefix: API_PREFIX });
  await app.register(
    async (api) => {
      recordRouteRoles(api, routeRoles);
      requireApiKey(api, accounts.authenticator());
      refuseIllFormedText(api);
      honourIdempotencyKeys(api, deps.repos.idempotencyKeys);
      csvLists(api);
      if (deps.events) eventRoutes(api, { events: deps.events, keys: accounts.authenticator(), routeRoles, options: deps.liveEvents, counters: deps.liveCounters });
      registryRoutes(api, deps.repos);
      deviceRoutes(api, deps.repos.devices, deps.deviceSessions, deps.deviceConnection);
      apiKeyRoutes(api, deps.repos.apiKeys);
      userRoutes(api, accounts);
      telemetryRoutes(api, deps);
      exportRoutes(api, deps);
      operatingHoursRoutes(api, deps);
      fleetSummaryRoutes(api, deps);
      fleetSiteRoutes(api, deps);
      portalRoutes(api, { repos: deps.repos, accounts, deviceStatus: deps.deviceStatus });
      for (const register of deps.serviceRoutes ?? []) register(api);
    },
    { prefix: API_PREFIX },
  );
  return app;
}
