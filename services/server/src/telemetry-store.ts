import { createDuckDbTelemetryStore, createInfluxTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import type { Config, Logger } from '@hourmeter/runtime';

/** The embedded DuckDB file by default; InfluxDB when HM_TELEMETRY_STORE=influxdb. */
export async function openTelemetryStore(config: Config, logger: Logger): Promise<{ store: TelemetryStore; location: string }> {
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
