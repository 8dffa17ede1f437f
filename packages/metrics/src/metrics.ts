import { AlertState, Severity, WorkOrderState } from '@hourmeter/domain';
import type { EventSubscriber } from '@hourmeter/events';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Sources: small structural views of what the services already expose, so this
// package depends on none of them. Each is read once per scrape.

/** Ingest's cumulative state (`ingest.health()` fits). */
export interface IngestMetricsSnapshot {
  readonly accepting: boolean;
  readonly spool: {
    readonly pendingBytes: number;
    readonly pendingReadings: number;
    readonly diskBytes: number;
    readonly maxBytes: number;
    /** Bytes of spool segments found damaged and skipped (non-zero: the disk damaged acknowledged data). */
    readonly corruptBytes: number;
  };
  readonly store: {
    readonly batchesWritten: number;
    readonly readingsWritten: number;
    readonly failedWrites: number;
    readonly deadLetteredReadings: number;
    readonly storeFailing: boolean;
    /** The drainer itself failed and is restarting with backoff. */
    readonly drainerStalled: boolean;
  };
  readonly totals: {
    readonly accepted: number;
    readonly duplicates: number;
    readonly rejected: Readonly<Partial<Record<string, number>>>;
    readonly refused: number;
  };
}

/** The broker's counters (`broker.stats()` fits). */
export interface BrokerMetricsSnapshot {
  readonly connectedClients: number;
  readonly onlineDevices: number;
  readonly authFailures: Readonly<Partial<Record<string, number>>>;
  readonly ingestRefusals: number;
  /** Rejection notices not published because a device exceeded its notice rate (the rejections are still counted). */
  readonly suppressedErrorNotices?: number;
  /** What device clients were refused after connecting, by kind (connections closed or SUBACK 0x80). */
  readonly denied: Readonly<Record<'publish' | 'subscribe' | 'oversized_packet', number>>;
  /** Sparkplug B edge nodes on this broker: messages, malformed payloads, unknown aliases, rebirth requests, deaths... */
  readonly sparkplug?: Readonly<Record<string, number>> | undefined;
}

/** A scaled-out ingest or prediction worker's partitions (HM_ROLE=ingest|prediction). */
export interface PartitionMetricsSnapshot {
  readonly group: string;
  readonly owned: number;
  /** Partition stream messages processed and acknowledged. */
  readonly processed: number;
  /** Ingest: readings stored but not passed on to prediction, its queue being full. */
  readonly skippedForPrediction?: number | undefined;
}

/** The live-updates endpoint (`GET /api/v1/events`). */
export interface LiveStreamSnapshot {
  readonly clients: number;
  /** Clients disconnected because they could not keep up. */
  readonly dropped: number;
}

export interface AlertCount {
  readonly severity: string;
  readonly state: string;
  readonly count: number;
}

export interface WorkOrderCount {
  readonly state: string;
  readonly count: number;
}

export interface MetricSources {
  readonly ingest?: (() => IngestMetricsSnapshot) | undefined;
  readonly broker?: (() => BrokerMetricsSnapshot) | undefined;
  /** Alerts by severity and state: one cheap GROUP BY per scrape. */
  readonly alerts?: (() => Promise<readonly AlertCount[]>) | undefined;
  /** Work orders by state: one cheap GROUP BY per scrape. */
  readonly workOrders?: (() => Promise<readonly WorkOrderCount[]>) | undefined;
  readonly live?: (() => LiveStreamSnapshot) | undefined;
  readonly partitions?: (() => PartitionMetricsSnapshot) | undefined;
  /** Counted per event type as events happen (the only push-fed family). */
  readonly events?: EventSubscriber | undefined;
}

export interface MetricsLogger {
  warn(obj: object, msg: string): void;
}

export interface MetricsOptions {
  readonly logger?: MetricsLogger | undefined;
  /** Process metrics of prom-client (CPU, memory, event loop lag, GC). Default true. */
  readonly defaultMetrics?: boolean | undefined;
  /** Longest an async source (database count) may take before the scrape goes on without it. Default 2000 ms. */
  readonly sourceTimeoutMs?: number | undefined;
  /** Route patterns left out of the HTTP latency histogram. Default: the long-lived SSE stream. */
  readonly excludeRoutes?: readonly string[] | undefined;
}

/** The parts of a fastify request/reply the onResponse hook reads (structural: no fastify dependency). */
export interface HttpRequestLike {
  readonly method: string;
  readonly routeOptions: { readonly url?: string | undefined };
}
export interface HttpReplyLike {
  readonly statusCode: number;
  /** Milliseconds since the request arrived (fastify's `reply.elapsedTime`). */
  readonly elapsedTime: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** `text/plain; version=0.0.4; charset=utf-8` */
  readonly contentType: string;
  /** Reads every source and renders the Prometheus text exposition format. */
  scrape(): Promise<string>;
  /** Per-write observer for ingest's store drainer (`onWrite` in the ingest deps). */
  observeStoreWrite(ms: number, readings: number): void;
  /** A fastify `onResponse` hook: `app.addHook('onResponse', metrics.onResponse)`. */
  onResponse(request: HttpRequestLike, reply: HttpReplyLike): Promise<void>;
  /** Unsubscribes from the event bus. */
  close(): void;
}

export const METRIC_PREFIX = 'hourmeter_';

/** Store writes take from about a millisecond (embedded) to seconds (a struggling InfluxDB). */
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HTTP_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics for one process. Pull-based: nothing is counted on the
 * hot paths except the HTTP and store-write histograms and events; the
 * services' own cumulative counters are read when Prometheus scrapes and
 * exposed as counters (monotonic while the process lives; a restart is a
 * counter reset, which `rate()` handles).
 */
export function createMetrics(sources: MetricSources, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const p = METRIC_PREFIX;
  const timeoutMs = opts.sourceTimeoutMs ?? 2000;
  const exclude = new Set(opts.excludeRoutes ?? ['/api/v1/events']);

  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: p + name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: p + name, help, labelNames, registers });

  const sourceErrors = counter('metrics_source_errors_total', 'Scrapes in which a metrics source failed or timed out', ['source']);

  // Ingest
  const ingestAccepting = gauge('ingest_accepting', '1 while ingest accepts telemetry, 0 while shutting down');
  const accepted = counter('ingest_readings_accepted_total', 'Readings accepted (durable in the spool)');
  const duplicates = counter('ingest_readings_duplicate_total', 'Readings dropped as duplicates (device, ts, seq seen before)');
  const rejected = counter('ingest_rejected_total', 'Readings or messages rejected, by rejection code', ['reason']);
  const refused = counter('ingest_publishes_refused_total', 'Publishes refused without acknowledgement (spool full, shutting down)');
  const spoolBytes = gauge('ingest_spool_pending_bytes', 'Bytes accepted but not yet confirmed by the telemetry store');
  const spoolReadings = gauge('ingest_spool_pending_readings', 'Readings accepted but not yet confirmed by the telemetry store');
  const spoolDisk = gauge('ingest_spool_disk_bytes', 'Bytes of spool segment files on disk');
  const spoolMax = gauge('ingest_spool_max_bytes', 'Spool bound; beyond it QoS 1 publishes are refused');
  const batches = counter('ingest_store_batches_written_total', 'Batches the telemetry store confirmed');
  const written = counter('ingest_store_readings_written_total', 'Readings the telemetry store confirmed');
  const failedWrites = counter('ingest_store_write_failures_total', 'Failed store write attempts (each retry counts)');
  const deadLettered = counter('ingest_store_dead_lettered_readings_total', 'Readings the store rejected as not retryable (dead-letter file)');
  const storeFailing = gauge('ingest_store_failing', '1 while the last store write failed and the drainer is retrying');
  const drainerStalled = gauge('ingest_drainer_stalled', '1 while the spool drainer itself failed and is restarting with backoff');
  const spoolCorrupt = counter('ingest_spool_corrupt_bytes_total', 'Bytes of spool segments found damaged and skipped (copies kept as .corrupt)');
  const writeSeconds = new Histogram({
    name: p + 'ingest_store_write_seconds',
    help: 'Latency of successful telemetry store batch writes',
    buckets: WRITE_BUCKETS,
    registers,
  });

  // Broker
  const onlineDevices = gauge('broker_online_devices', 'Devices with an open MQTT connection');
  const connectedClients = gauge('broker_connected_clients', 'MQTT clients connected (devices and services)');
  const authFailures = counter('broker_auth_failures_total', 'Refused MQTT connects, by reason', ['reason']);
  const brokerRefusals = counter('broker_ingest_refusals_total', 'Publishes the broker could not hand to ingest (connection closed, no ack)');
  const suppressedNotices = counter('broker_suppressed_error_notices_total', 'Rejection notices not sent on hm/v1/<device>/errors: the device exceeded 20 per second (rejections are still counted)');
  const sparkplugEvents = counter('broker_sparkplug_total', 'Sparkplug B edge nodes on this broker: messages, readings accepted/duplicates/rejected, malformed payloads, unknown aliases, unsupported metrics, seq gaps, rebirth requests, deaths', ['kind']);
  const brokerDenied = counter('broker_denied_total', 'Refused after connecting: publishes and subscribes outside the client\'s topics, oversized packets', ['kind']);

  // Alerts and work orders (current counts) and events (as they happen)
  const alerts = gauge('alerts', 'Alerts by severity and state', ['severity', 'state']);
  const workOrders = gauge('work_orders', 'Work orders by state', ['state']);
  const events = counter('events_total', 'Events published on the bus, by type', ['type']);
  const alertsRaised = counter('alerts_raised_total', 'Alerts raised, by severity at raise', ['severity']);

  // Live stream
  const liveClients = gauge('live_clients', 'Clients connected to the live-updates stream (GET /api/v1/events)');
  const liveDropped = counter('live_clients_dropped_total', 'Live-update clients disconnected because they could not keep up');

  // HTTP
  const http = new Histogram({
    name: p + 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers,
  });

  const setCounter = (c: Counter, value: number, labels?: Record<string, string>) => {
    // Cumulative totals read from a service: reset and add in one synchronous step.
    if (labels) {
      c.remove(labels);
      c.inc(labels, value);
    } else {
      c.reset();
      c.inc(value);
    }
  };
  const bool = (b: boolean) => (b ? 1 : 0);

  function failed(source: string, err: unknown) {
    sourceErrors.inc({ source });
    opts.logger?.warn({ err, source }, 'metrics source failed; its metrics keep their last values');
  }

  function withTimeout<T>(source: string, f: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      f(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ])
      .catch((err: unknown) => {
        failed(source, err);
        return undefined;
      })
      .finally(() => clearTimeout(timer));
  }

  function readIngest() {
    if (!sources.ingest) return;
    let s: IngestMetricsSnapshot;
    try {
      s = sources.ingest();
    } catch (err) {
      return failed('ingest', err);
    }
    ingestAccepting.set(bool(s.accepting));
    setCounter(accepted, s.totals.accepted);
    setCounter(duplicates, s.totals.duplicates);
    for (const [reason, n] of Object.entries(s.totals.rejected)) setCounter(rejected, n ?? 0, { reason });
    setCounter(refused, s.totals.refused);
    spoolBytes.set(s.spool.pendingBytes);
    spoolReadings.set(s.spool.pendingReadings);
    spoolDisk.set(s.spool.diskBytes);
    spoolMax.set(s.spool.maxBytes);
    setCounter(batches, s.store.batchesWritten);
    setCounter(written, s.store.readingsWritten);
    setCounter(failedWrites, s.store.failedWrites);
    setCounter(deadLettered, s.store.deadLetteredReadings);
    storeFailing.set(bool(s.store.storeFailing));
    drainerStalled.set(bool(s.store.drainerStalled));
    setCounter(spoolCorrupt, s.spool.corruptBytes);
  }

  function readBroker() {
    if (!sources.broker) return;
    let s: BrokerMetricsSnapshot;
    try {
      s = sources.broker();
    } catch (err) {
      return failed('broker', err);
    }
    onlineDevices.set(s.onlineDevices);
    connectedClients.set(s.connectedClients);
    for (const [reason, n] of Object.entries(s.authFailures)) setCounter(authFailures, n ?? 0, { reason });
    setCounter(brokerRefusals, s.ingestRefusals);
    setCounter(suppressedNotices, s.suppressedErrorNotices ?? 0);
    for (const [kind, n] of Object.entries(s.denied)) setCounter(brokerDenied, n, { kind });
    for (const [kind, n] of Object.entries(s.sparkplug ?? {})) setCounter(sparkplugEvents, n, { kind });
  }

  const partitionsOwned = gauge('partitions_owned', 'Partitions this worker holds a lease on', ['group']);
  const partitionMessages = counter('partition_messages_total', 'Partition stream messages processed and acknowledged', ['group']);
  const predictionSkipped = counter('partition_prediction_skipped_readings_total', 'Readings an ingest worker stored but did not pass on to prediction, its queue being full');
  function readPartitions() {
    if (!sources.partitions) return;
    try {
      const s = sources.partitions();
      partitionsOwned.set({ group: s.group }, s.owned);
      setCounter(partitionMessages, s.processed, { group: s.group });
      if (s.skippedForPrediction !== undefined) setCounter(predictionSkipped, s.skippedForPrediction);
    } catch (err) {
      failed('partitions', err);
    }
  }

  function readLive() {
    if (!sources.live) return;
    try {
      const s = sources.live();
      liveClients.set(s.clients);
      setCounter(liveDropped, s.dropped);
    } catch (err) {
      failed('live', err);
    }
  }

  async function readAlerts() {
    if (!sources.alerts) return;
    const rows = await withTimeout('alerts', sources.alerts);
    if (!rows) return;
    // Every combination is present (0 when none), so dashboards need no `or vector(0)`.
    alerts.reset();
    for (const severity of Severity.options) for (const state of AlertState.options) alerts.set({ severity, state }, 0);
    for (const r of rows) alerts.inc({ severity: r.severity, state: r.state }, r.count);
  }

  async function readWorkOrders() {
    if (!sources.workOrders) return;
    const rows = await withTimeout('workOrders', sources.workOrders);
    if (!rows) return;
    workOrders.reset();
    for (const state of WorkOrderState.options) workOrders.set({ state }, 0);
    for (const r of rows) workOrders.inc({ state: r.state }, r.count);
  }

  const unsubscribe = sources.events?.onAny((e) => {
    events.inc({ type: e.type });
    if (e.type === 'alert.raised') alertsRaised.inc({ severity: e.data.alert.severity });
  });

  return {
    registry,
    contentType: registry.contentType,
    async scrape() {
      readIngest();
      readBroker();
      readLive();
      readPartitions();
      await Promise.all([readAlerts(), readWorkOrders()]);
      return registry.metrics();
    },
    observeStoreWrite(ms) {
      if (Number.isFinite(ms) && ms >= 0) writeSeconds.observe(ms / 1000);
    },
    async onResponse(request, reply) {
      const route = request.routeOptions.url;
      if (route !== undefined && exclude.has(route)) return;
      // Route patterns, never raw URLs: unknown paths share one label so scanners cannot blow up cardinality.
      http.observe({ method: request.method, route: route ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    },
    close() {
      unsubscribe?.();
    },
  };
}
