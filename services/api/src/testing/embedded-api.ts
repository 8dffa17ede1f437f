import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { createHourMeter, modelSettingsSource, type HourMeter } from '@hourmeter/metering';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { buildApi, type ApiDeps } from '../app.js';

export interface EmbeddedApi {
  readonly app: FastifyInstance;
  readonly repos: Repositories;
  readonly store: TelemetryStore;
  readonly hourMeter: HourMeter;
}

/**
 * The API as the embedded process builds it, for the calling suite: SQLite and
 * DuckDB in a temp dir, the real hour meter with the model settings source
 * (and its cache), no broker or ingest (devices read as never connected).
 * Open from the suite's first beforeAll on, closed after its tests.
 */
export function useEmbeddedApi(
  overrides: Partial<Pick<ApiDeps, 'accounts' | 'clock' | 'deviceConnection'>> & {
    /** Another telemetry store than a DuckDB file in the temp dir (e.g. InfluxDB 1.x); closed with the API. */
    telemetryStore?: () => Promise<TelemetryStore>;
  } = {},
): EmbeddedApi {
  const { telemetryStore, ...apiOverrides } = overrides;
  let parts: (EmbeddedApi & { db: Db; dir: ReturnType<typeof tempDir> }) | undefined;

  beforeAll(async () => {
    const dir = tempDir();
    const logger = pino({ level: 'silent' });
    const db = await openDb({ dataDir: dir.path, logger });
    const repos = repositories(db);
    const store = telemetryStore ? await telemetryStore() : await createDuckDbTelemetryStore({ dataDir: dir.path });
    const hourMeter = createHourMeter({ samples: store, totals: repos.operatingHours, logger, settings: modelSettingsSource(repos) });
    const app = await buildApi({
      repos,
      logger,
      health: { database: () => db.ping(), telemetry: () => store.ping() },
      version: 'test',
      telemetry: store,
      hourMeter,
      ingestCounters: { forDevice: () => undefined },
      ...apiOverrides,
    });
    parts = { app, repos, store, hourMeter, db, dir };
  });

  afterAll(async () => {
    await parts?.app.close();
    await parts?.store.close();
    await parts?.db.close();
    parts?.dir.cleanup();
  });

  const opened = () => {
    if (!parts) throw new Error('the API opens in beforeAll');
    return parts;
  };
  return {
    get app() {
      return opened().app;
    },
    get repos() {
      return opened().repos;
    },
    get store() {
      return opened().store;
    },
    get hourMeter() {
      return opened().hourMeter;
    },
  };
}
