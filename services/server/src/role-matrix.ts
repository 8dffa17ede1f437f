import { openDb, repositories } from '@hourmeter/db';
import { buildApi } from '@hourmeter/api';
import { mayCall, type DeclaredRoute } from '@hourmeter/http';
import { Role } from '@hourmeter/domain';
import { createEventBus } from '@hourmeter/events';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { backupRoutes } from './backup/routes.js';
import { createServices } from './services.js';

/** Where the generated matrix lives, from the repository root. */
export const ROLE_MATRIX_FILE = 'docs/roles.md';

/** Every /api/v1 route of the process with its declared roles, read from the API as `npm start` builds it. */
export async function declaredRoutes(): Promise<DeclaredRoute[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hm-roles-'));
  const logger = pino({ level: 'silent' });
  const db = await openDb({ dataDir: dir, logger });
  const store = await createDuckDbTelemetryStore({ dataDir: dir });
  try {
    const repos = repositories(db);
    const services = createServices({ repos, logger, telemetry: store, publishCommand: async () => {} });
    const hourMeter = createHourMeter({ samples: store, totals: repos.operatingHours, logger, settings: modelSettingsSource(repos) });
    const app = await buildApi({
      repos, logger, health: {}, version: 'docs', telemetry: store, hourMeter,
      ingestCounters: { forDevice: () => undefined },
      serviceRoutes: [...services.routes, (api) => backupRoutes(api, { dataDir: dir, db, telemetry: store, config: {}, version: 'docs', logger })],
      events: createEventBus({ logger }),
    });
    await app.ready();
    const routes = app.routeRoles!.list();
    await app.close();
    return routes;
  } finally {
    await store.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The role matrix as Markdown: one row per route, a column per role. */
export function renderRoleMatrix(routes: readonly DeclaredRoute[]): string {
  const roles = Role.options;
  const rows = routes
    .filter((r) => !r.url.endsWith('*'))
    .map((r) => {
      const cells = roles.map((role) => (mayCall(role, r.allow) ? 'yes' : '-'));
      return `| ${r.method} | \`${r.url}\` | ${cells.join(' | ')} |`;
    });
  return [
    '# Who may call what',
    '',
    'Generated from the routes\' declared roles (`config.allow`) by `npm run docs:roles`;',
    '`services/server/src/role-matrix.test.ts` fails when this file and the routes differ.',
    'Admin may call everything; a route without declared roles is open to every staff role. The customer roles',
    '(`customer-admin`, `customer-viewer`) reach only the routes that name them: the portal (`/api/v1/portal/*`, answered',
    "for the caller's own customer only; another customer's ids are not found), `/api/v1/me` and sign-out.",
    'The live stream (`GET /api/v1/events`) sends each event only to the roles that may call its read',
    '(`alert.*`: `GET /api/v1/alerts/:id`, `workorder.*`: `GET /api/v1/work-orders/:id`, `device.*`: `GET /api/v1/devices/:id/status`).',
    '',
    `| method | path | ${roles.join(' | ')} |`,
    `|---|---|${roles.map(() => '---').join('|')}|`,
    ...rows,
    '',
  ].join('\n');
}
