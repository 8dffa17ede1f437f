import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createDuckDbTelemetryStore, createInfluxTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import type { Config, Logger } from '@hourmeter/runtime';

/** The embedded DuckDB file by default; InfluxDB when HM_TELEMETRY_STORE=influxdb. */
export async function openTelemetryStore(config: Config, logger: Logger): Promise<{ store: TelemetryStore; location: string }> {
  const opened = await openConfiguredStore(config, logger);
  if (!config.HM_FAULT_INJECTION_DIR) return opened;
  logger.warn({ dir: config.HM_FAULT_INJECTION_DIR }, 'fault injection on (HM_FAULT_INJECTION_DIR): for chaos runs only');
  return { ...opened, store: withStopSwitch(opened.store, join(config.HM_FAULT_INJECTION_DIR, STORE_DOWN_FILE)) };
}

/** The file whose presence (under HM_FAULT_INJECTION_DIR) stops the telemetry store. */
export const STORE_DOWN_FILE = 'telemetry-store.down';

/**
 * The store as a stopped server would be while `switchFile` exists: every
 * read, write and probe rejects (closing still closes). `npm run chaos` needs
 * it because the embedded store lives inside the process: there is no server
 * to stop, and its open file cannot be taken away from under it.
 */
export function withStopSwitch(store: TelemetryStore, switchFile: string): TelemetryStore {
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (existsSync(switchFile)) throw new Error('telemetry store stopped (fault injection)');
    return call(...args);
  };
  return {
    writeBatch: guard((readings) => store.writeBatch(readings)),
    queryRange: guard((query) => store.queryRange(query)),
    latest: guard((assetId, metrics) => store.latest(assetId, metrics)),
    deleteBefore: guard((before) => store.deleteBefore(before)),
    ping: async () => !existsSync(switchFile) && store.ping(),
    ...(store.snapshotTo ? { snapshotTo: guard((file: string) => store.snapshotTo!(file)) } : {}),
    close: () => store.close(),
  };
}

async function openConfiguredStore(config: Config, logger: Logger): Promise<{ store: TelemetryStore; location: string }> {
  const log = logger.child({ svc: 'telemetry-store' });
  if (config.HM_TELEMETRY_STORE === 'influxdb') {
    const url = config.INFLUX_URL!;
    const store = await createInfluxTelemetryStore({
      url,
      version: config.INFLUX_VERSION,
      token: config.INFLUX_TOKEN,
      org: config.INFLUX_ORG,
      bucket: config.INFLUX_BUCKET,
      username: config.INFLUX_USERNAME,
      password: config.INFLUX_PASSWORD,
      retentionPolicy: config.INFLUX_RETENTION_POLICY,
      logger: log,
    });
    const target = config.INFLUX_RETENTION_POLICY ? `${config.INFLUX_BUCKET}/${config.INFLUX_RETENTION_POLICY}` : config.INFLUX_BUCKET;
    return { store, location: `${url} (${target})` };
  }
  const store = await createDuckDbTelemetryStore({ dataDir: config.HM_DATA_DIR, logger: log });
  return { store, location: `${config.HM_DATA_DIR} (DuckDB)` };
}
