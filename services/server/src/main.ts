import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerConsole } from '@hourmeter/console';
import { buildApi, buildOpsApi, dbCountSources, type DeviceStatusSource, type IngestCounterSource } from '@hourmeter/api';
import { createBroker, type Broker } from '@hourmeter/broker';
import { openDb, repositories } from '@hourmeter/db';
import { createEventBus, deviceConnectionEvents, eventTopic, parseEnvelope } from '@hourmeter/events';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createMetrics, type Metrics } from '@hourmeter/metrics';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { AppError, ConfigError, createLogger, loadConfig, Shutdown } from '@hourmeter/runtime';
import { COMMAND_SERVICE, connectCommandLink, type CommandLink } from './command-link.js';
import { loadDemoFleet, startDemoFleet } from './demo.js';
import { createServices } from './services.js';
import { openTelemetryStore } from './telemetry-store.js';
import { VERSION } from './version.js';

const USAGE = `Usage: npm start [-- --demo [--demo-speed 600]]

Runs every Hourmeter service in one process on the embedded stores, or the
part HM_ROLE selects (all | edge | api, see README "Process roles").
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
  const role = config.HM_ROLE;
  if (values.demo && role !== 'all') {
    process.stderr.write(`--demo runs only with HM_ROLE=all (got HM_ROLE=${role})\n`);
    process.exit(2);
  }
  // What this process runs: `all` both halves, `edge` the MQTT side, `api` the HTTP side.
  const runsBroker = role !== 'api';
  const servesApi = role !== 'edge';
  const nodeId = config.HM_NODE_ID ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  const logger = createLogger({ level: config.HM_LOG_LEVEL }).child({ role });
  const shutdown = new Shutdown(logger, config.HM_SHUTDOWN_TIMEOUT_MS);
  shutdown.onSignals();

  // Hooks close in reverse order: HTTP, broker, ingest, hour meter, stores.
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.HM_DATA_DIR, logger });
  shutdown.register('relational store', () => db.close());
  const repos = repositories(db);

  // The admin key is installed by the processes that serve the API only, so
  // edge nodes starting at the same time never race for the empty key table.
  const bootstrap = servesApi ? await repos.apiKeys.bootstrapAdmin(config.HM_ADMIN_KEY) : undefined;
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

  // Every role can recompute on request (the API's repair route); only the
  // processes that ingest run the periodic recompute of the days readings touched.
  const hourMeter = createHourMeter({
    samples: telemetry.store,
    settings: modelSettingsSource(repos),
    totals: repos.operatingHours,
    logger,
    recomputeIntervalMs: config.HM_HOUR_METER_INTERVAL_MS,
  });
  if (runsBroker) {
    hourMeter.start();
    shutdown.register('hour meter', () => hourMeter.stop());
  }

  // The broker exists only once ingest does, and ingest feeds prediction:
  // commands are sent through it when work orders complete, long after start-up.
  // Without a broker in this process (api role) they go over MQTT as a service client.
  const late: { broker?: Broker; metrics?: Metrics } = {};
  let commandLink: CommandLink | undefined;
  const events = createEventBus({ logger: logger.child({ svc: 'events' }), source: `${role}@${nodeId}` });
  if (!runsBroker) {
    commandLink = connectCommandLink({
      url: config.HM_MQTT_URL!,
      secret: config.HM_SERVICE_SECRET!,
      nodeId,
      logger,
      // The edge nodes' events join this process's bus, so its live updates show them.
      onEvent: (raw) => events.publish(parseEnvelope(raw)),
    });
    shutdown.register('command link', () => commandLink!.close());
  }
  const services = createServices({
    db,
    repos,
    logger,
    events,
    telemetry: telemetry.store,
    cmapssDir: config.HM_CMAPSS_DIR,
    publishCommand: async (deviceId, payload) => {
      if (commandLink) return commandLink.publishCommand(deviceId, payload);
      if (!late.broker) throw new Error('broker not started');
      await late.broker.publishCommand(deviceId, payload);
    },
  });
  shutdown.register('prediction', async () => {
    await services.rulModels.idle();
    await services.prediction.flush();
  });
  if (runsBroker) {
    // Calendar and operating-hours schedules open their preventive orders
    // without anyone asking; several edge nodes doing it at once is harmless
    // (one open preventive order per asset and failure mode).
    const schedules = setInterval(() => {
      services.workOrders.runSchedules().catch((err: unknown) => logger.warn({ err }, 'maintenance schedules run failed'));
    }, config.HM_SCHEDULE_INTERVAL_MS);
    schedules.unref();
    shutdown.register('maintenance schedules', () => clearInterval(schedules));
  }

  let ingest: Ingest | undefined;
  let mqtt: Broker | undefined;
  if (runsBroker) {
    const ing = await createIngest({
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
    ingest = ing;
    shutdown.register('ingest', () => ing.close());

    mqtt = await createBroker({
      logger,
      devices: repos.devices,
      ingress: ing,
      // The api role's command client (HM_SERVICE_SECRET): may publish device commands only.
      services: config.HM_SERVICE_SECRET ? [{ ...COMMAND_SERVICE, secret: config.HM_SERVICE_SECRET }] : undefined,
      tcp: { port: config.HM_MQTT_PORT, host: config.HM_MQTT_HOST, proxyProtocol: config.HM_MQTT_PROXY_PROTOCOL },
      // One Redis shared by every broker node makes them one cluster (docs/cluster.md).
      cluster: config.HM_REDIS_URL ? { redisUrl: config.HM_REDIS_URL, nodeId } : undefined,
    });
    late.broker = mqtt;
    mqtt.connections.onChange(deviceConnectionEvents(events));
    if (role === 'edge') {
      // Best effort (QoS 0), like the live stream they feed: api processes
      // subscribe to these to show alerts and device status from every edge.
      const edge = mqtt;
      events.onAny((envelope) => {
        edge.publish(eventTopic(envelope.type), envelope, { qos: 0 }).catch((err: unknown) => logger.warn({ err }, 'event not forwarded'));
      });
    }
  }
  const broker = mqtt;
  const liveCounters = { clients: 0, dropped: 0 };
  const metrics = createMetrics(
    {
      ingest: ingest ? () => ingest.health() : undefined,
      broker: broker ? () => broker.stats() : undefined,
      events,
      live: () => liveCounters,
      ...dbCountSources(db),
    },
    { logger },
  );
  late.metrics = metrics;
  shutdown.register('metrics', () => metrics.close());
  if (broker) shutdown.register('mqtt broker', () => broker.close());

  const health = {
    database: () => db.ping(),
    telemetryStore: () => telemetry.store.ping(),
    ...(ingest && broker
      ? {
          ingest: async () => ingest.health().accepting && !ingest.health().store.storeFailing,
          broker: async () => broker.tcpPort !== undefined && broker.clusterHealthy(),
        }
      : {}),
    ...(commandLink ? { commandLink: async () => commandLink.connected() } : {}),
  };

  let address: string;
  if (servesApi) {
    const api = await buildApi({
      repos,
      logger,
      version: VERSION,
      telemetry: telemetry.store,
      deviceStatus: broker ? broker.connections : unavailable.deviceStatus,
      ingestCounters: ingest ? { forDevice: (id) => ingest.deviceCounters(id) } : unavailable.ingestCounters,
      hourMeter,
      serviceRoutes: services.routes,
      events,
      metrics,
      metricsToken: config.HM_METRICS_TOKEN,
      liveCounters,
      health,
    });
    // The web console at `/`, beside the API it uses.
    await registerConsole(api);
    api.server.on('upgrade', (req, socket, head) => {
      if (broker && req.url?.split('?')[0] === MQTT_WS_PATH) broker.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    shutdown.register('http server', () => api.close());
    if (values.demo) {
      const fleet = await startDemoFleet({ dataDir: config.HM_DATA_DIR, mqttPort: broker!.tcpPort!, speed: demoSpeed, logger });
      shutdown.register('demo fleet', () => fleet.stop());
    }
    address = await api.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
  } else {
    const http = await buildOpsApi({ logger, version: VERSION, health, metrics, metricsToken: config.HM_METRICS_TOKEN });
    http.server.on('upgrade', (req, socket, head) => {
      if (req.url?.split('?')[0] === MQTT_WS_PATH) broker!.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    shutdown.register('http server', () => http.close());
    address = await http.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
  }
  logger.info(
    {
      role,
      address,
      ...(servesApi ? { docs: `${address}/docs` } : {}),
      ...(broker
        ? {
            mqtt: `mqtt://${config.HM_MQTT_HOST}:${broker.tcpPort}`,
            mqttPort: broker.tcpPort,
            mqttWebSocket: `${address.replace(/^http/, 'ws')}${MQTT_WS_PATH}`,
          }
        : { commandsVia: redactedUrl(config.HM_MQTT_URL) }),
      dataDir: config.HM_DATA_DIR,
      database: db.dialect,
      telemetryStore: telemetry.location,
    },
    'hourmeter listening',
  );
}

/**
 * Device connection state and ingest counters live in the memory of the edge
 * node a device is connected to; a process without a broker cannot answer
 * for them, and says so (503 UNAVAILABLE) instead of reporting "offline, 0".
 */
const unavailable: { deviceStatus: DeviceStatusSource; ingestCounters: IngestCounterSource } = {
  deviceStatus: {
    get() {
      throw new AppError('UNAVAILABLE', 'device connection state is kept by the edge node the device is connected to and is not available from an api process (HM_ROLE=api); see the hourmeter_broker_* metrics of the edge nodes');
    },
  },
  ingestCounters: {
    forDevice() {
      throw new AppError('UNAVAILABLE', 'ingest counters are kept by the edge node the device is connected to and are not available from an api process (HM_ROLE=api); see the hourmeter_ingest_* metrics of the edge nodes');
    },
  },
};

function redactedUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return undefined;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`hourmeter failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
