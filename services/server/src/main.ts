import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApi, dbCountSources } from '@hourmeter/api';
import { createBroker, type Broker } from '@hourmeter/broker';
import { openDb, repositories } from '@hourmeter/db';
import { createEventBus, deviceConnectionEvents } from '@hourmeter/events';
import { createIngest } from '@hourmeter/ingest';
import { createMetrics, type Metrics } from '@hourmeter/metrics';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { ConfigError, createLogger, loadConfig, Shutdown } from '@hourmeter/runtime';
import { loadDemoFleet, startDemoFleet } from './demo.js';
import { createServices } from './services.js';
import { openTelemetryStore } from './telemetry-store.js';
import { VERSION } from './version.js';

const USAGE = `Usage: npm start [-- --demo [--demo-speed 600]]

Runs every Hourmeter service in one process on the embedded stores.
  --demo          also load a small demo fleet (idempotent) and run its
                  simulated devices in-process over MQTT
  --demo-speed N  simulated seconds per second for the demo fleet (default 600)
  --help          show this text
Configuration comes from environment variables (see README).`;

/** Where MQTT over WebSocket is served on the HTTP port. */
const MQTT_WS_PATH = '/mqtt';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      demo: { type: 'boolean', default: false },
      'demo-speed': { type: 'string', default: '600' },
      help: { type: 'boolean', default: false },
    },
  });
  const demoSpeed = Number(values['demo-speed']);
  if (!(demoSpeed >= 1 && demoSpeed <= 86_400)) {
    process.stderr.write(`--demo-speed must be a number from 1 to 86400, got ${values['demo-speed']}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.HM_LOG_LEVEL });
  const shutdown = new Shutdown(logger, config.HM_SHUTDOWN_TIMEOUT_MS);
  shutdown.onSignals();

  // Hooks close in reverse order: HTTP, broker, ingest, hour meter, stores.
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.HM_DATA_DIR, logger });
  shutdown.register('relational store', () => db.close());
  const repos = repositories(db);

  const bootstrap = await repos.apiKeys.bootstrapAdmin(config.HM_ADMIN_KEY);
  if (bootstrap?.generated) {
    // Deliberately not through the logger: a secret must not travel to log
    // aggregation. It is shown to the operator once, on the first start.
    process.stderr.write(
      `\n  Hourmeter admin API key (shown once, store it now):\n\n    ${bootstrap.key}\n\n  Use it as: Authorization: Bearer <key>\n\n`,
    );
  } else if (bootstrap) {
    logger.info('admin API key installed from HM_ADMIN_KEY');
  }
  if (values.demo) await loadDemoFleet(repos, config.HM_DATA_DIR, logger);

  const telemetry = await openTelemetryStore(config, logger);
  shutdown.register('telemetry store', () => telemetry.store.close());

  const hourMeter = createHourMeter({
    samples: telemetry.store,
    settings: modelSettingsSource(repos),
    totals: repos.operatingHours,
    logger,
    recomputeIntervalMs: config.HM_HOUR_METER_INTERVAL_MS,
  });
  hourMeter.start();
  shutdown.register('hour meter', () => hourMeter.stop());

  // The broker exists only once ingest does, and ingest feeds prediction:
  // commands are sent through it when work orders complete, long after start-up.
  const late: { broker?: Broker; metrics?: Metrics } = {};
  const events = createEventBus({ logger: logger.child({ svc: 'events' }), source: 'hourmeter' });
  const services = createServices({
    db,
    repos,
    logger,
    events,
    telemetry: telemetry.store,
    cmapssDir: config.HM_CMAPSS_DIR,
    publishCommand: async (deviceId, payload) => {
      if (!late.broker) throw new Error('broker not started');
      await late.broker.publishCommand(deviceId, payload);
    },
  });
  shutdown.register('prediction', async () => {
    await services.rulModels.idle();
    await services.prediction.flush();
  });

  const ingest = await createIngest({
    logger,
    store: telemetry.store,
    config: {
      spoolDir: join(config.HM_DATA_DIR, 'spool'),
      maxSpoolBytes: config.HM_SPOOL_MAX_BYTES,
      fsync: config.HM_SPOOL_FSYNC,
      fsyncIntervalMs: config.HM_SPOOL_FSYNC_INTERVAL_MS,
    },
    onWrite: (ms, readings) => late.metrics?.observeStoreWrite(ms, readings),
    onStored: async (readings) => {
      void services.prediction.onStored(readings);
      await hourMeter.onStored(readings);
    },
  });
  shutdown.register('ingest', () => ingest.close());

  const mqtt = await createBroker({
    logger,
    devices: repos.devices,
    ingress: ingest,
    tcp: { port: config.HM_MQTT_PORT, host: config.HM_MQTT_HOST, proxyProtocol: config.HM_MQTT_PROXY_PROTOCOL },
    // One Redis shared by every broker node makes them one cluster (docs/cluster.md).
    cluster: config.HM_REDIS_URL
      ? { redisUrl: config.HM_REDIS_URL, nodeId: config.HM_NODE_ID ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) }
      : undefined,
  });
  late.broker = mqtt;
  mqtt.connections.onChange(deviceConnectionEvents(events));
  const liveCounters = { clients: 0, dropped: 0 };
  const metrics = createMetrics(
    { ingest: () => ingest.health(), broker: () => mqtt.stats(), events, live: () => liveCounters, ...dbCountSources(db) },
    { logger },
  );
  late.metrics = metrics;
  shutdown.register('metrics', () => metrics.close());
  shutdown.register('mqtt broker', () => mqtt.close());

  const api = await buildApi({
    repos,
    logger,
    version: VERSION,
    telemetry: telemetry.store,
    deviceStatus: mqtt.connections,
    ingestCounters: { forDevice: (id) => ingest.deviceCounters(id) },
    hourMeter,
    serviceRoutes: services.routes,
    events,
    metrics,
    metricsToken: config.HM_METRICS_TOKEN,
    liveCounters,
    health: {
      database: () => db.ping(),
      telemetryStore: () => telemetry.store.ping(),
      ingest: async () => ingest.health().accepting && !ingest.health().store.storeFailing,
      broker: async () => mqtt.tcpPort !== undefined && mqtt.clusterHealthy(),
    },
  });
  api.server.on('upgrade', (req, socket, head) => {
    if (req.url?.split('?')[0] === MQTT_WS_PATH) mqtt.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  shutdown.register('http server', () => api.close());
  if (values.demo) {
    const fleet = await startDemoFleet({ dataDir: config.HM_DATA_DIR, mqttPort: mqtt.tcpPort!, speed: demoSpeed, logger });
    shutdown.register('demo fleet', () => fleet.stop());
  }
  const address = await api.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
  logger.info(
    {
      address,
      docs: `${address}/docs`,
      mqtt: `mqtt://${config.HM_MQTT_HOST}:${mqtt.tcpPort}`,
      mqttPort: mqtt.tcpPort,
      mqttWebSocket: `${address.replace(/^http/, 'ws')}${MQTT_WS_PATH}`,
      dataDir: config.HM_DATA_DIR,
      database: db.dialect,
      telemetryStore: telemetry.location,
    },
    'hourmeter listening',
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hourmeter failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
