import type { DeclaredRoute } from '@hourmeter/http';
import { createRetrainSchedule } from '@hourmeter/prediction';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { registerConsole } from '@hourmeter/console';
import { bootstrapAdminUser, buildApi, buildOpsApi, dbCountSources, type IngestCounterSource } from '@hourmeter/api';
import { bridgeRoutes, createBridge, loadBridgeConfig, type Bridge } from '@hourmeter/bridge';
import { createBroker, type Broker } from '@hourmeter/broker';
import { openDb, repositories } from '@hourmeter/db';
import { createEventBus, deviceConnectionEvents, eventTopic, parseEnvelope } from '@hourmeter/events';
import { createIngest, telemetryImportRoutes, type Ingest } from '@hourmeter/ingest';
import { createNotifier, notificationRoutes } from '@hourmeter/notifications';
import { createWebhookDispatcher, webhookRoutes } from '@hourmeter/webhooks';
import { createMetrics, type Metrics } from '@hourmeter/metrics';
import { createHourMeter, modelSettingsSource, type HourMeter } from '@hourmeter/metering';
import { AppError, ConfigError, createLogger, redactUrl, Shutdown, type Config, type Logger } from '@hourmeter/runtime';
import type { TelemetryIngress } from '@hourmeter/messages';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import { deviceResolver } from './telemetry-import.js';
import { backupRoutes } from './backup/routes.js';
import { loadDemoFleet, startDemoFleet } from './demo.js';
import { seedDemoHistory } from './demo-history.js';
import { seedDemoStory } from './demo-story.js';
import { withOwnApi } from './own-api.js';
import { partitionForwarder } from './roles/partition-forwarder.js';
import { startConnectionStateRecorder } from './connection-state-recorder.js';
import { withRejectionEvents } from './ingest-rejection-events.js';
import { startRetentionJob } from './retention.js';
import { ROLE_PLANS } from './roles/plan.js';
import { startRoleWorker } from './roles/workers.js';
import { connectServiceLink, SERVICE_ACCOUNTS, type ServiceLink } from './service-link.js';
import { createServices, type Services } from './services.js';
import { openTelemetryStore } from './telemetry-store.js';
import { VERSION } from './version.js';

/** Where MQTT over WebSocket is served on the HTTP port. */
const MQTT_WS_PATH = '/mqtt';

export interface BuildServerOptions {
  /** Root logger; default: one at HM_LOG_LEVEL, with the role on every line. */
  readonly logger?: Logger | undefined;
  /** Where close hooks are registered; main passes its own so a signal during start-up closes what is open. */
  readonly shutdown?: Shutdown | undefined;
  /** Load the demo fleet and run its devices in-process (HM_ROLE=all only). */
  readonly demo?: { readonly speed: number } | undefined;
  /** Called at once when an admin API key was generated (first start, empty key table, no HM_ADMIN_KEY). */
  readonly onAdminKey?: ((key: string) => void) | undefined;
  /** Called at once when the first console user was created with a generated password (empty user table, no HM_ADMIN_PASSWORD). */
  readonly onAdminUser?: ((user: { email: string; password: string }) => void) | undefined;
}

/** A built, listening process. */
export interface ServerHandle {
  readonly role: Config['HM_ROLE'];
  /** HTTP base URL, e.g. `http://127.0.0.1:8080`. */
  readonly address: string;
  /** The MQTT TCP port where this process runs a broker. */
  readonly mqttPort: number | undefined;
  /** MQTT over WebSocket (`ws://.../mqtt`) where this process runs a broker. */
  readonly mqttWebSocket: string | undefined;
  /** Every /api/v1 route this process serves, with its declared roles (empty where the process serves no API). */
  readonly apiRoutes: readonly DeclaredRoute[];
  /** Graceful shutdown: every part closes in reverse order of start (HTTP first, stores last). */
  close(): Promise<void>;
}

/**
 * Builds and starts one Hourmeter process (every service, or the part
 * HM_ROLE selects) from a parsed config, listening on its ports. Used by
 * main.ts and by tests that need the whole process in-process. If start-up
 * fails, what was already opened is closed before the error is rethrown.
 */
export async function buildServer(config: Config, options: BuildServerOptions = {}): Promise<ServerHandle> {
  const role = config.HM_ROLE;
  if (options.demo && role !== 'all') throw new ConfigError(`--demo runs only with HM_ROLE=all (got HM_ROLE=${role})`);
  const logger = options.logger ?? createLogger({ level: config.HM_LOG_LEVEL }).child({ role });
  const shutdown = options.shutdown ?? new Shutdown(logger, config.HM_SHUTDOWN_TIMEOUT_MS);
  try {
    return await start(config, options, logger, shutdown);
  } catch (err) {
    // Whatever was opened before the failure is closed again (the caller exits or goes on testing).
    await shutdown.run('start-up failed').catch(() => undefined);
    throw err;
  }
}

/**
 * Opens, wires and starts every part the role's plan selects, registering each
 * close with `shutdown` (this was main()'s body; kept at its indentation so
 * changes to the wiring read the same here).
 */
async function start(config: Config, options: BuildServerOptions, logger: Logger, shutdown: Shutdown): Promise<ServerHandle> {
  const role = config.HM_ROLE;
  const plan = ROLE_PLANS[role];
  const nodeId = config.HM_NODE_ID ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  // Hooks close in reverse order of registration: HTTP, broker, ingest, workers, services, stores.
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.HM_DATA_DIR, logger });
  shutdown.register('relational store', () => db.close());
  const repos = repositories(db);

  // The admin key is installed by the processes that serve the API only, so
  // other processes starting at the same time never race for the empty key table.
  const bootstrap = plan.api ? await repos.apiKeys.bootstrapAdmin(config.HM_ADMIN_KEY) : undefined;
  if (bootstrap?.generated) {
    // Handed over at once, not through the logger and not after start-up: a
    // secret must not travel to log aggregation, and it is shown only once.
    options.onAdminKey?.(bootstrap.key);
  } else if (bootstrap) {
    logger.info('admin API key installed from HM_ADMIN_KEY');
  }
  const firstAdmin = plan.api ? await bootstrapAdminUser(repos, { email: config.HM_ADMIN_EMAIL, password: config.HM_ADMIN_PASSWORD }) : undefined;
  if (firstAdmin?.generated) options.onAdminUser?.({ email: firstAdmin.email, password: firstAdmin.password });
  else if (firstAdmin) logger.info({ email: firstAdmin.email }, 'admin user installed from HM_ADMIN_EMAIL / HM_ADMIN_PASSWORD');
  const demoNow = Date.now();
  const demoFleet = options.demo ? await loadDemoFleet(repos, config.HM_DATA_DIR, logger, demoNow) : undefined;
  // A first demo start backfills its devices' telemetry from yesterday's midnight (UTC), quickly, up to now; the seeded
  // history covers the days before. A later start carries on from now.
  // At real-time speed there is no catching up, so its devices start now.
  const demoTelemetryFrom = demoFleet && options.demo!.speed > 1 ? Math.floor(demoNow / 86_400_000) * 86_400_000 - 86_400_000 : demoNow;
  let demoHistory: Promise<unknown> | undefined;

  let telemetry: { store: TelemetryStore; location: string } | undefined;
  let hourMeter: HourMeter | undefined;
  if (plan.telemetryStore) {
    const opened = await openTelemetryStore(config, logger);
    telemetry = opened;
    shutdown.register('telemetry store', () => opened.store.close());
    // Every such role can recompute on request (the API's repair route); the
    // ones that store readings also recompute the days new readings touched.
    const meter = createHourMeter({
      samples: opened.store,
      settings: modelSettingsSource(repos),
      totals: repos.operatingHours,
      logger,
      recomputeIntervalMs: config.HM_HOUR_METER_INTERVAL_MS,
    });
    hourMeter = meter;
    if (plan.hourMeter) {
      meter.start();
      shutdown.register('hour meter', () => meter.stop());
    }
    if (plan.retention && config.HM_TELEMETRY_RETENTION_DAYS !== undefined) {
      const retention = startRetentionJob({ store: opened.store, retentionDays: config.HM_TELEMETRY_RETENTION_DAYS, logger });
      shutdown.register('telemetry retention', () => retention.stop());
    }
  }

  const events = createEventBus({ logger: logger.child({ svc: 'events' }), source: `${role}@${nodeId}` });
  // Processes without a broker reach the brokers as an internal service; the
  // api processes also hear every other process's events, for the live stream.
  let link: ServiceLink | undefined;
  if (plan.account) {
    const connected = connectServiceLink({
      url: config.HM_MQTT_URL!,
      account: plan.account,
      secret: config.HM_SERVICE_SECRET!,
      nodeId,
      logger,
      onEvent: plan.api ? (raw) => events.publish(parseEnvelope(raw)) : undefined,
    });
    link = connected;
    shutdown.register('service link', () => connected.close());
  }

  // The broker exists only once ingest does, and ingest feeds prediction:
  // commands are sent through it when work orders complete, long after start-up.
  const late: { broker?: Broker; metrics?: Metrics } = {};
  let services: Services | undefined;
  if (plan.services) {
    const s = createServices({
      repos,
      logger,
      events,
      telemetry: telemetry!.store,
      cmapssDir: config.HM_CMAPSS_DIR,
      billingGraceHours: config.HM_BILLING_GRACE_HOURS,
      slaRiskPercent: config.HM_SLA_AT_RISK_PERCENT,
      reliabilityCacheMs: config.HM_RELIABILITY_CACHE_MS,
      returnGraceDays: config.HM_RETURN_GRACE_DAYS,
      leadPayoutPercent: config.HM_LEAD_PAYOUT_PERCENT,
      publishCommand: async (deviceId, payload) => {
        if (late.broker) return late.broker.publishCommand(deviceId, payload);
        if (link && plan.account === SERVICE_ACCOUNTS.api) return link.publishCommand(deviceId, payload);
        throw new AppError('UNAVAILABLE', `device commands are sent by processes with HM_ROLE=all, edge or api, not ${role}`);
      },
    });
    services = s;
    // A first demo start also gets a past (hour meter, failures) and the reliability models learned
    // from it, in the background: it takes seconds, and start-up does not wait for it.
    if (demoFleet) {
      const seeding = seedDemoHistory({ repos, reliability: s.reliability, assetIds: demoFleet.devices.map((d) => d.assetId), now: demoNow, telemetryFrom: demoTelemetryFrom, logger });
      demoHistory = seeding;
      shutdown.register('demo history', () => seeding.then(() => undefined, () => undefined));
    }
    shutdown.register('prediction', async () => {
      await s.rulModels.idle();
      await s.prediction.flush();
    });
  }
  if (plan.schedules) {
    // Calendar and operating-hours schedules open their preventive orders
    // without anyone asking; several processes doing it at once is harmless
    // (one open preventive order per asset and failure mode).
    const workOrders = services!.workOrders;
    const schedules = setInterval(() => {
      workOrders.runSchedules().catch((err: unknown) => logger.warn({ err }, 'maintenance schedules run failed'));
      // Batches whose warranty ended pay out their quality bonus (once: the database keeps it).
      workOrders.reserves.releaseEnded().catch((err: unknown) => logger.warn({ err }, 'quality reserve release failed'));
      // PBH contracts whose availability guarantee is at risk this period are announced (once: the database keeps it).
      services!.contracts.checkSlaRisk().catch((err: unknown) => logger.warn({ err }, 'SLA risk check failed'));
      // Service-product agreements ending within their plan's reminder days are announced (once: the database keeps it).
      services!.serviceProducts.announceRenewals().catch((err: unknown) => logger.warn({ err }, 'service product renewal reminders failed'));
    }, config.HM_SCHEDULE_INTERVAL_MS);
    schedules.unref();
    shutdown.register('maintenance schedules', () => clearInterval(schedules));
    if (config.HM_RETRAIN_EVERY_HOURS !== undefined) {
      const retrain = createRetrainSchedule({ reliability: services!.reliability, repos, logger, everyMs: config.HM_RETRAIN_EVERY_HOURS * 3_600_000 });
      retrain.start();
      shutdown.register('scheduled retraining', () => retrain.stop());
    }
  }

  // Started after the service link it passes batches on through, so it stops before it.
  const roleWorker = plan.worker
    ? await startRoleWorker({
        config,
        nodeId,
        leases: repos.partitionLeases,
        logger,
        shutdown,
        ...(plan.worker === 'ingest'
          ? {
              group: 'ingest' as const,
              store: telemetry!.store,
              hourMeter: hourMeter!,
              link: link!,
              observeWrite: (ms: number, readings: number) => late.metrics?.observeStoreWrite(ms, readings),
            }
          : { group: 'prediction' as const, prediction: services!.prediction }),
      })
    : undefined;

  let ingest: Ingest | undefined;
  let ingress: TelemetryIngress | undefined;
  let bridge: Bridge | undefined;
  let mqtt: Broker | undefined;
  if (plan.broker) {
    const meter = hourMeter;
    const prediction = services?.prediction;
    const ing = await createIngest({
      logger,
      // The broker role drains its spool into the asset partitions, through the broker itself.
      store: plan.drain === 'store' ? telemetry!.store : partitionForwarder(() => late.broker, { partitions: config.HM_PARTITIONS, maxQueued: config.HM_PARTITION_MAX_QUEUED }),
      config: {
        spoolDir: join(config.HM_DATA_DIR, 'spool'),
        maxSpoolBytes: config.HM_SPOOL_MAX_BYTES,
        fsync: config.HM_SPOOL_FSYNC,
        fsyncIntervalMs: config.HM_SPOOL_FSYNC_INTERVAL_MS,
      },
      onWrite: (ms, readings) => late.metrics?.observeStoreWrite(ms, readings),
      onStored:
        plan.drain === 'store'
          ? async (readings) => {
              void prediction?.onStored(readings);
              await meter?.onStored(readings);
            }
          : undefined,
    });
    ingest = ing;
    shutdown.register('ingest', () => ing.close());
    // Rejections become ingest.rejected events (one per device and minute) for webhooks and the live stream.
    const withEvents = withRejectionEvents(ing, events);
    ingress = withEvents;
    shutdown.register('ingest rejection events', () => withEvents.flush());
    // Historical telemetry goes through this process's ingest, like MQTT.
    services?.routes.push((api) => telemetryImportRoutes(api, { ingress: ing, resolve: deviceResolver(repos) }));

    mqtt = await createBroker({
      logger,
      devices: repos.devices,
      ingress: withEvents,
      // The other roles' service accounts (HM_SERVICE_SECRET), each limited to its topics.
      services: config.HM_SERVICE_SECRET
        ? Object.values(SERVICE_ACCOUNTS).map((account) => ({ ...account, secret: config.HM_SERVICE_SECRET! }))
        : undefined,
      tcp: { port: config.HM_MQTT_PORT, host: config.HM_MQTT_HOST, proxyProtocol: config.HM_MQTT_PROXY_PROTOCOL },
      wsTrustForwardedFor: config.HM_WS_TRUST_FORWARDED_FOR,
      // One Redis shared by every broker node makes them one cluster (docs/cluster.md).
      cluster: config.HM_REDIS_URL ? { redisUrl: config.HM_REDIS_URL, nodeId } : undefined,
    });
    late.broker = mqtt;
    if (config.HM_BRIDGE_CONFIG) {
      // Readings from an existing broker go through the same ingest; closed before ingest (registered after it).
      // Sparkplug deaths through the bridge show in the device status (as this node's bridge rows; stale ones cleared at start).
      const bridgeNode = `${nodeId}/bridge`;
      await repos.deviceConnections.nodeStarted(bridgeNode, Date.now());
      const b = createBridge({ config: loadBridgeConfig(config.HM_BRIDGE_CONFIG), ingress: withEvents, devices: repos.devices, logger, connections: { log: repos.deviceConnections, node: bridgeNode } });
      bridge = b;
      shutdown.register('bridge', () => b.close());
    }
    mqtt.connections.onChange(deviceConnectionEvents(events));
    // Registered before the broker, so it closes after it and records the disconnects of the shutdown.
    const recorder = await startConnectionStateRecorder({ connections: mqtt.connections, store: repos.deviceConnections, node: nodeId, logger });
    shutdown.register('device connection state', () => recorder.close());
  }
  if (plan.forwardsEvents) {
    // The api processes subscribe to these to show alerts and device status
    // from every process. A process that cannot publish logs and goes on.
    const viaBroker = mqtt;
    events.onAny((envelope) => {
      const topic = eventTopic(envelope.type);
      const sent = viaBroker ? viaBroker.publish(topic, envelope, { qos: 1 }) : link!.publish(topic, envelope);
      sent.catch((err: unknown) => logger.warn({ err, type: envelope.type }, 'event not forwarded'));
    });
  }

  const broker = mqtt;
  const partitionWorker = roleWorker?.worker;
  const liveCounters = { clients: 0, dropped: 0 };
  const metrics = createMetrics(
    {
      ingest: ingest ? () => ingest.health() : undefined,
      broker: broker ? () => broker.stats() : undefined,
      events,
      live: () => liveCounters,
      partitions: roleWorker?.metrics,
      ...dbCountSources(db),
    },
    { logger },
  );
  late.metrics = metrics;
  shutdown.register('metrics', () => metrics.close());
  if (broker) shutdown.register('mqtt broker', () => broker.close());

  const health = {
    database: () => db.ping(),
    ...(telemetry ? { telemetryStore: () => telemetry.store.ping() } : {}),
    ...(ingest && broker
      ? {
          ingest: async () => {
            const h = ingest.health();
            return h.accepting && !h.spool.writeFailing && !h.store.storeFailing && !h.store.drainerStalled;
          },
          broker: async () => broker.tcpPort !== undefined && broker.clusterHealthy(),
        }
      : {}),
    ...(link ? { serviceLink: async () => link.connected() } : {}),
    ...(bridge ? { bridge: async () => bridge.connected() } : {}),
    ...(partitionWorker ? { partitions: async () => partitionWorker.connected() } : {}),
  };

  let address: string;
  let apiRoutes: readonly DeclaredRoute[] = [];
  if (plan.api) {
    // Webhooks are delivered by the api processes; claims in the database keep several from sending one delivery twice.
    const webhooks = createWebhookDispatcher({
      webhooks: repos.webhooks,
      outbox: repos.outbox,
      events,
      logger,
      options: { timeoutMs: config.HM_WEBHOOK_TIMEOUT_MS },
    });
    webhooks.start();
    shutdown.register('webhooks', () => webhooks.stop());
    // E-mail notifications read the same outbox; mails are queued in the database, so SMTP trouble only delays them.
    if (config.HM_SMTP_URL) {
      const notifier = createNotifier({
        notifications: repos.notifications,
        smtpUrl: config.HM_SMTP_URL,
        from: config.HM_SMTP_FROM,
        consoleUrl: config.HM_CONSOLE_URL,
        logger,
        options: { digestHourUtc: config.HM_NOTIFY_DIGEST_HOUR },
      });
      notifier.start();
      shutdown.register('e-mail notifications', () => notifier.stop());
    }
    const api = await buildApi({
      repos,
      logger,
      version: VERSION,
      telemetry: telemetry!.store,
      deviceStatus: broker?.connections,
      deviceConnection: { mqttPort: broker?.tcpPort, mqttUrl: broker ? undefined : config.HM_MQTT_URL },
      deviceSessions: broker && {
        credentialsChanged: (deviceId) => {
          broker.recheckCredentials([deviceId]).catch((err: unknown) => logger.warn({ err, deviceId }, 'could not re-check a device; the periodic re-check will'));
        },
      },
      ingestCounters: ingest ? { forDevice: (id) => ingest.deviceCounters(id) } : unavailable.ingestCounters,
      hourMeter: hourMeter!,
      fleetRisk: services!.reliability,
      serviceRoutes: [
        ...services!.routes,
        (app) => webhookRoutes(app, { webhooks: repos.webhooks, dispatcher: webhooks }),
        (app) => notificationRoutes(app, { notifications: repos.notifications, users: repos.users }),
        // `npm run backup` of the embedded stores (refused with a pointer to pg_dump / influxd backup otherwise).
        (api) => backupRoutes(api, { dataDir: config.HM_DATA_DIR, db, telemetry: telemetry!.store, config: withoutSecrets(config), version: VERSION, logger }),
        (app) => bridgeRoutes(app, bridge),
      ],
      events,
      metrics,
      metricsToken: config.HM_METRICS_TOKEN,
      liveCounters,
      liveEvents: { maxPerKey: config.HM_EVENTS_MAX_STREAMS_PER_KEY, maxPerRole: config.HM_EVENTS_MAX_STREAMS_PER_ROLE },
      health,
      deviceIngress: ingress,
    });
    // The web console at `/`, beside the API it uses.
    await registerConsole(api);
    api.server.on('upgrade', (req, socket, head) => {
      if (broker && req.url?.split('?')[0] === MQTT_WS_PATH) broker.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    // MQTT-over-WebSocket connections ride on this server: end them first, or its close waits for them.
    shutdown.register('http server', () => {
      broker?.disconnectAll();
      return api.close();
    });
    if (options.demo) {
      const fleet = await startDemoFleet({ dataDir: config.HM_DATA_DIR, mqttPort: broker!.tcpPort!, speed: options.demo.speed, startMs: demoTelemetryFrom, logger });
      shutdown.register('demo fleet', () => fleet.stop());
    }
    if (demoFleet && demoHistory) {
      // The rest of the story (stock, completed orders, a contract and its invoices) goes through the API, once the hour meter has its past.
      const fleet = demoFleet;
      const story = demoHistory
        .then(() => withOwnApi(api, repos.apiKeys, 'Demo setup', (call) => seedDemoStory({ call, customerId: fleet.customerId, assets: fleet.devices, now: demoNow, logger })))
        .catch((err: unknown) => logger.error({ err }, 'demo history and story not seeded'));
      shutdown.register('demo story', () => story.then(() => undefined));
    }
    address = await api.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
    apiRoutes = api.routeRoles?.list() ?? [];
  } else {
    const http = await buildOpsApi({
      logger,
      version: VERSION,
      health,
      metrics,
      metricsToken: config.HM_METRICS_TOKEN,
      deviceTelemetry: ingress && { ingress, devices: repos.devices },
    });
    http.server.on('upgrade', (req, socket, head) => {
      if (broker && req.url?.split('?')[0] === MQTT_WS_PATH) broker.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    shutdown.register('http server', () => {
      broker?.disconnectAll();
      return http.close();
    });
    address = await http.listen({ host: config.HM_HTTP_HOST, port: config.HM_HTTP_PORT });
  }
  const mqttWebSocket = broker ? `${address.replace(/^http/, 'ws')}${MQTT_WS_PATH}` : undefined;
  logger.info(
    {
      role,
      address,
      ...(plan.api ? { docs: `${address}/docs` } : {}),
      ...(broker
        ? {
            mqtt: `mqtt://${config.HM_MQTT_HOST}:${broker.tcpPort}`,
            mqttPort: broker.tcpPort,
            mqttWebSocket,
          }
        : { brokers: redactUrl(config.HM_MQTT_URL!) }),
      ...(partitionWorker ? { member: partitionWorker.member, partitions: partitionWorker.ownedPartitions() } : {}),
      dataDir: config.HM_DATA_DIR,
      database: db.dialect,
      ...(telemetry ? { telemetryStore: telemetry.location } : {}),
    },
    'hourmeter listening',
  );
  return {
    role,
    address,
    mqttPort: broker?.tcpPort,
    mqttWebSocket,
    apiRoutes,
    close: () => shutdown.run('close'),
  };
}

/** The configuration as a backup keeps it: secrets left out, URLs without passwords. */
function withoutSecrets(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => !/SECRET|TOKEN|PASSWORD|_KEY$/.test(k))
      .map(([k, v]) => [k, typeof v === 'string' && /^[a-z]+:\/\//.test(v) ? redactUrl(v) : v]),
  );
}

/**
 * Ingest counters live in the memory of the broker node a device is connected
 * to; a process without a broker cannot answer for them, and says so (503
 * UNAVAILABLE) instead of reporting "0".
 */
const unavailable: { ingestCounters: IngestCounterSource } = {
  ingestCounters: {
    forDevice() {
      throw new AppError('UNAVAILABLE', 'ingest counters are kept by the broker node the device is connected to and are not available from an api process (HM_ROLE=api); see the hourmeter_ingest_* metrics of the broker nodes');
    },
  },
};
