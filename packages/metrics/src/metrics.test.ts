import { newId } from '@hourmeter/domain';
import { createEventBus } from '@hourmeter/events';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics, type BrokerMetricsSnapshot, type IngestMetricsSnapshot } from './index.js';
import { parseExposition, serveMetrics } from './test-server.js';

const ingest: { -readonly [K in keyof IngestMetricsSnapshot]: IngestMetricsSnapshot[K] } = {
  accepting: true,
  spool: { pendingBytes: 0, pendingReadings: 0, diskBytes: 0, maxBytes: 1000, corruptBytes: 0 },
  store: { batchesWritten: 0, readingsWritten: 0, failedWrites: 0, deadLetteredReadings: 0, storeFailing: false, drainerStalled: false },
  totals: { accepted: 0, duplicates: 0, rejected: {}, refused: 0 },
};
let broker: BrokerMetricsSnapshot = { connectedClients: 0, onlineDevices: 0, authFailures: {}, ingestRefusals: 0, denied: { publish: 0, subscribe: 0, oversized_packet: 0 } };
const bus = createEventBus({ logger: { error: () => {} } });
const warnings: string[] = [];
let alertsFail = false;
const metrics = createMetrics(
  {
    ingest: () => ingest,
    broker: () => broker,
    events: bus,
    alerts: async () => {
      if (alertsFail) throw new Error('db down');
      return [{ severity: 'high', state: 'open', count: 3 }];
    },
    workOrders: async () => [{ state: 'open', count: 2 }],
    live: () => ({ clients: 1, dropped: 0 }),
  },
  { logger: { warn: (_o, msg) => void warnings.push(msg) } },
);
const server = await serveMetrics(metrics);
afterAll(() => server.close());

async function scrape() {
  const res = await fetch(server.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

describe('createMetrics', () => {
  it('exposes the service counters and moves with them', async () => {
    let m = await scrape();
    expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(0);
    expect(m.get('hourmeter_alerts{severity="high",state="open"}')).toBe(3);
    expect(m.get('hourmeter_alerts{severity="low",state="resolved"}')).toBe(0);
    expect(m.get('hourmeter_work_orders{state="open"}')).toBe(2);
    expect(m.get('hourmeter_work_orders{state="completed"}')).toBe(0);
    expect(m.get('hourmeter_live_clients')).toBe(1);
    expect(m.has('process_cpu_seconds_total')).toBe(true);

    ingest.totals = { accepted: 120, duplicates: 4, rejected: { INVALID_METRIC: 2, FUTURE_TIMESTAMP: 1 }, refused: 1 };
    ingest.spool = { pendingBytes: 512, pendingReadings: 30, diskBytes: 4096, maxBytes: 1000, corruptBytes: 2048 };
    ingest.store = { batchesWritten: 3, readingsWritten: 90, failedWrites: 1, deadLetteredReadings: 0, storeFailing: true, drainerStalled: true };
    broker = { connectedClients: 3, onlineDevices: 2, authFailures: { bad_secret: 5, unknown_device: 1 }, ingestRefusals: 0, suppressedErrorNotices: 7, denied: { publish: 3, subscribe: 0, oversized_packet: 1 } };
    metrics.observeStoreWrite(12, 50);
    metrics.observeStoreWrite(1500, 40);
    m = await scrape();
    expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(120);
    expect(m.get('hourmeter_ingest_readings_duplicate_total')).toBe(4);
    expect(m.get('hourmeter_ingest_rejected_total{reason="INVALID_METRIC"}')).toBe(2);
    expect(m.get('hourmeter_ingest_rejected_total{reason="FUTURE_TIMESTAMP"}')).toBe(1);
    expect(m.get('hourmeter_ingest_publishes_refused_total')).toBe(1);
    expect(m.get('hourmeter_ingest_spool_pending_readings')).toBe(30);
    expect(m.get('hourmeter_ingest_spool_pending_bytes')).toBe(512);
    expect(m.get('hourmeter_ingest_store_readings_written_total')).toBe(90);
    expect(m.get('hourmeter_ingest_store_failing')).toBe(1);
    expect(m.get('hourmeter_ingest_drainer_stalled')).toBe(1);
    expect(m.get('hourmeter_ingest_spool_corrupt_bytes_total')).toBe(2048);
    expect(m.get('hourmeter_ingest_store_write_seconds_count')).toBe(2);
    expect(m.get('hourmeter_ingest_store_write_seconds_bucket{le="0.025"}')).toBe(1);
    expect(m.get('hourmeter_ingest_store_write_seconds_bucket{le="2.5"}')).toBe(2);
    expect(m.get('hourmeter_broker_online_devices')).toBe(2);
    expect(m.get('hourmeter_broker_auth_failures_total{reason="bad_secret"}')).toBe(5);
    expect(m.get('hourmeter_broker_denied_total{kind="publish"}')).toBe(3);
    expect(m.get('hourmeter_broker_suppressed_error_notices_total')).toBe(7);
    expect(m.get('hourmeter_broker_denied_total{kind="oversized_packet"}')).toBe(1);

    // Scraping twice does not double cumulative counters.
    m = await scrape();
    expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(120);
    expect(m.get('hourmeter_broker_auth_failures_total{reason="bad_secret"}')).toBe(5);
  });

  it('counts bus events by type and raised alerts by severity', async () => {
    const alert = {
      id: newId('alert'),
      assetId: newId('asset'),
      failureMode: 'bearing',
      severity: 'critical' as const,
      state: 'open' as const,
      evidence: { signals: [], windowFrom: 1, windowTo: 2 },
      raisedAt: 2,
      lastDetectedAt: 2,
      createdAt: 2,
      updatedAt: 2,
    };
    bus.emit('alert.raised', { alert });
    bus.emit('device.connected', { deviceId: newId('device'), at: 1, transport: 'tcp' });
    bus.emit('device.connected', { deviceId: newId('device'), at: 1, transport: 'tcp' });
    const m = await scrape();
    expect(m.get('hourmeter_events_total{type="alert.raised"}')).toBe(1);
    expect(m.get('hourmeter_events_total{type="device.connected"}')).toBe(2);
    expect(m.get('hourmeter_alerts_raised_total{severity="critical"}')).toBe(1);
  });

  it('records HTTP latency by route pattern, status and method, never by raw URL', async () => {
    await metrics.onResponse({ method: 'GET', routeOptions: { url: '/api/v1/assets/:id' } }, { statusCode: 200, elapsedTime: 7 });
    await metrics.onResponse({ method: 'GET', routeOptions: {} }, { statusCode: 404, elapsedTime: 1 });
    await metrics.onResponse({ method: 'GET', routeOptions: { url: '/api/v1/events' } }, { statusCode: 200, elapsedTime: 600_000 });
    const m = await scrape();
    expect(m.get('hourmeter_http_request_duration_seconds_count{method="GET",route="/api/v1/assets/:id",status_code="200"}')).toBe(1);
    expect(m.get('hourmeter_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
    expect([...m.keys()].some((k) => k.includes('route="/api/v1/events"'))).toBe(false);
  });

  it('a failing source costs its own metrics only, and is counted', async () => {
    alertsFail = true;
    const m = await scrape();
    alertsFail = false;
    expect(m.get('hourmeter_metrics_source_errors_total{source="alerts"}')).toBe(1);
    expect(m.get('hourmeter_alerts{severity="high",state="open"}')).toBe(3);
    expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(120);
    expect(warnings).toContain('metrics source failed; its metrics keep their last values');
  });

  it('two instances in one process do not collide (per-instance registries)', async () => {
    const other = createMetrics({});
    expect(await other.scrape()).toContain('hourmeter_ingest_readings_accepted_total');
    other.close();
  });
});
