import { AssetSim, createFleet, PUMP, type Fleet } from '@hourmeter/sim-fleet';
import { listening, startServer, stopServers, tempDir, waitFor, type Listening, type ServerProcess } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_degradation_admin_key_0123456789';
const H = 3_600_000;
const DAY = 86_400_000;

/**
 * Simulation settings. One reading every SPEED / RATE = 300 simulated seconds:
 * under the model's 900 s gap limit, so the hour meter counts every interval,
 * and the anomaly detector's 60-reading warm-up takes 5 running hours (~3 s of
 * wall time). Seed 29 with initial wear 0.99 gives a pump whose bearing fails
 * after ~98 simulated hours (~60 s of wall time at 6000x); the test computes
 * the exact instant from the same seeded physics below.
 */
const SEED = 29;
const INITIAL_WEAR = 0.99;
const RATE = 20;
const SPEED = 6000;
const INTERVAL_S = SPEED / RATE;
const MAX_GAP_S = 900;
const LEAD_TIME_H = 72;
const FAILING_MODE = 'bearing_wear';

interface Alert {
  id: string;
  assetId: string;
  failureMode: string;
  severity: string;
  state: string;
  raisedAt: number;
  workOrderId?: string;
  evidence: { signals: { metric: string }[] };
}

interface WorkOrder {
  id: string;
  kind: string;
  state: string;
  assetId: string;
  failureMode?: string | null;
}

interface InvoiceLine {
  kind: string;
  assetId: string | null;
  quantity: number;
  unitPriceMinor: number;
  amountMinor: number;
}

/** When the seeded physics of the simulated asset fails with no maintenance: replays the same draws offline. */
function predictedFailure(simStartMs: number): { mode: string; atMs: number } {
  const sim = new AssetSim({ spec: PUMP, seed: SEED, index: 0, startMs: simStartMs, initialWear: INITIAL_WEAR });
  for (let i = 0; i < 100_000 && !sim.failed; i++) sim.advance(INTERVAL_S);
  const f = sim.failureLog[0];
  if (!f) throw new Error('the simulated pump never fails: choose another seed');
  return { mode: f.mode, atMs: f.atMs };
}

/**
 * The whole product through the real embedded process: a degrading simulated
 * pump publishes over MQTT; prediction raises an alert and opens a preventive
 * work order before the pump fails; engineer and planner work the alert and the
 * order; completion repairs the simulated pump over the commands topic and
 * allocates the cost; the invoice run bills the metered operating hours.
 */
describe('degradation -> alert -> preventive order -> repair -> invoice', () => {
  const dir = tempDir();
  let server: ServerProcess | undefined;
  let info: Listening;
  let fleet: Fleet | undefined;
  const t0 = Date.now();

  const call = async <T>(method: string, path: string, body?: unknown, expected = [200, 201, 202]): Promise<T> => {
    const res = await fetch(`${info.address}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const get = <T>(path: string) => call<T>('GET', path);
  const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);

  beforeAll(async () => {
    server = startServer({ HM_DATA_DIR: dir.path, HM_ADMIN_KEY: ADMIN_KEY, HM_HOUR_METER_INTERVAL_MS: '200' });
    info = await listening(server, 30_000);
  }, 40_000);

  afterAll(async () => {
    await fleet?.stop();
    await stopServers(server);
    dir.cleanup();
  }, 20_000);

  it('predicts the failure, repairs the asset before it and bills its hours', async () => {
    expect(INTERVAL_S).toBeLessThan(MAX_GAP_S);

    // Simulated time starts a week ago, so a run of up to ~100 s wall (~170 simulated hours) never reaches the future.
    // A week ago in the last two days of a month would leave the billed month (the start's) with hardly any
    // running hours, so the start moves to the next month's first midnight (still at least five days ago).
    const weekAgo = Math.floor((Date.now() - 7 * DAY) / 60_000) * 60_000;
    const nextMonth = Date.UTC(new Date(weekAgo).getUTCFullYear(), new Date(weekAgo).getUTCMonth() + 1, 1);
    const simStartMs = nextMonth - weekAgo < 2 * DAY ? nextMonth : weekAgo;
    const period = new Date(simStartMs).toISOString().slice(0, 7);
    const periodStart = `${period}-01`;
    const periodEnd = new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const failure = predictedFailure(simStartMs);
    expect(failure.mode).toBe(FAILING_MODE);

    // ------------------------------------------------------------ provisioning, through the API only
    const customer = await post<{ id: string }>('/customers', {
      name: 'Degradation Test Dairy',
      currency: 'EUR',
      value: { annualRevenueMinor: 120_000_000, size: 'large', influence: 0.4 },
    });
    const site = await post<{ id: string }>('/sites', {
      customerId: customer.id,
      name: 'Bergen dairy',
      location: { lat: 60.391, lon: 5.322 },
      timezone: 'Europe/Oslo',
    });
    const model = await post<{ id: string; code: string }>('/asset-models', {
      code: 'E2E-PUMP-CP200',
      name: 'Centrifugal pump CP200 (e2e)',
      runningRule: { kind: 'boolean', metric: 'running' },
      maxGapSeconds: MAX_GAP_S,
      warrantyMonths: 24,
      leadTimeHours: LEAD_TIME_H,
      // The reliability engineer's mapping of this product line's signals to its failure modes.
      prediction: PUMP.asset.prediction,
    });
    const batch = await post<{ id: string }>('/production-batches', {
      assetModelId: model.id,
      code: 'E2E-PUMP-B2026-05',
      producedOn: '2026-05-04',
      unitCount: 40,
      qualityReserve: { amountMinor: 2_000_000, currency: 'EUR' },
    });
    const commissionedOn = new Date(simStartMs - 90 * DAY).toISOString().slice(0, 10);
    const asset = await post<{ id: string; warrantyEndsOn: string }>('/assets', {
      serialNumber: 'E2E-PUMP-000001',
      assetModelId: model.id,
      productionBatchId: batch.id,
      siteId: site.id,
      commissionedOn,
    });
    // Warranty end defaults to commissioning + the model's 24 months.
    expect(asset.warrantyEndsOn > new Date(Date.now() + 365 * DAY).toISOString().slice(0, 10)).toBe(true);
    const device = await post<{ device: { id: string }; credentials: { username: string; password: string } }>('/devices', {
      assetId: asset.id,
      name: 'CP200 gateway',
    });
    const codes = [
      { kind: 'symptom', code: 'VIB-HIGH', description: 'High bearing vibration' },
      { kind: 'cause', code: 'BRG-FATIGUE', description: 'Rolling-contact fatigue of the drive-end bearing' },
      { kind: 'remedy', code: 'BRG-REPLACE', description: 'Bearing replaced' },
    ];
    for (const c of codes) await call('PUT', `/asset-models/${model.id}/failure-codes`, c);
    const contract = await post<{ id: string }>('/contracts', {
      customerId: customer.id,
      assetIds: [asset.id],
      startsOn: periodStart,
      endsOn: new Date(Date.parse(periodStart) + 365 * DAY).toISOString().slice(0, 10),
      currency: 'EUR',
      billingPeriod: 'monthly',
      terms: {
        kind: 'pbh',
        ratePerHourMinor: 1_250,
        availabilityGuaranteePercent: 98,
        creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 20 },
      },
    });

    // ------------------------------------------------------------ the simulated pump, in this process
    const deviceId = device.credentials.username;
    fleet = createFleet({
      mqttUrl: `mqtt://127.0.0.1:${info.mqttPort}`,
      devices: [{ id: deviceId, password: device.credentials.password, model: 'pump' }],
      seed: SEED,
      rate: RATE,
      speed: SPEED,
      simStartMs,
      initialWear: INITIAL_WEAR,
    });
    const pump = fleet.assets.get(deviceId)!;
    await fleet.start();
    const fleetStarted = Date.now();

    // ------------------------------------------------------------ prediction: alert and preventive order before the failure
    let alert: Alert | undefined;
    await waitFor(
      `a ${FAILING_MODE} alert with a preventive work order`,
      async () => {
        const alerts = await get<{ items: Alert[] }>(`/alerts?assetId=${asset.id}&failureMode=${FAILING_MODE}`);
        alert = alerts.items.find((a) => a.workOrderId);
        return alert !== undefined || pump.failed;
      },
      { timeoutMs: 75_000, intervalMs: 100 },
    );
    const simAtOrder = pump.nowMs;
    const failedAtOrder = pump.failed;
    const orders = await get<{ items: WorkOrder[] }>(`/work-orders?assetId=${asset.id}&kind=preventive`);
    const allAlerts = await get<{ items: Alert[] }>(`/alerts?assetId=${asset.id}`);
    console.log(
      `degradation-flow: alerts ${allAlerts.items.map((a) => `${a.failureMode}/${a.severity}@+${((a.raisedAt - simStartMs) / H).toFixed(1)}h`).join(' ')}; ` +
        `preventive orders ${orders.items.map((o) => o.failureMode).join(' ')}`,
    );
    const leadH = alert ? (failure.atMs - alert.raisedAt) / H : Number.NaN;
    console.log(
      `degradation-flow: alert ${alert?.severity ?? 'none'} raised at sim +${alert ? ((alert.raisedAt - simStartMs) / H).toFixed(1) : '?'} h, ` +
        `order seen at sim +${((simAtOrder - simStartMs) / H).toFixed(1)} h after ${((Date.now() - fleetStarted) / 1000).toFixed(1)} s wall, ` +
        `failure due at sim +${((failure.atMs - simStartMs) / H).toFixed(1)} h: lead ${leadH.toFixed(1)} h (model lead time ${LEAD_TIME_H} h); ` +
        `signals ${alert?.evidence.signals.map((s) => s.metric).join(',') ?? '-'}`,
    );
    expect(failedAtOrder, 'the simulated pump failed before a preventive order was opened').toBe(false);
    expect(alert).toBeDefined();
    const raised = alert!;
    expect(raised).toMatchObject({ assetId: asset.id, failureMode: FAILING_MODE, state: 'open' });
    expect(['high', 'critical']).toContain(raised.severity);
    expect(raised.raisedAt).toBeLessThan(failure.atMs);
    const order = orders.items.find((o) => o.id === raised.workOrderId);
    expect(order).toMatchObject({ kind: 'preventive', state: 'open', assetId: asset.id, failureMode: FAILING_MODE });
    const queue = await get<{ items: { workOrder: WorkOrder }[] }>('/work-orders/queue');
    expect(queue.items.map((q) => q.workOrder.id)).toContain(order!.id);

    // ------------------------------------------------------------ reliability engineer
    await post(`/alerts/${raised.id}/acknowledge`, { reason: 'looking at the vibration trend' });
    const confirmed = await post<{ alert: Alert }>(`/alerts/${raised.id}/confirm`, { reason: 'bearing vibration rising: real fault' });
    expect(confirmed.alert.state).toBe('confirmed');

    // ------------------------------------------------------------ planner and technician
    const now = Date.now();
    await post(`/work-orders/${order!.id}/schedule`, { technician: 'Kari Nordmann', windowFrom: now, windowTo: now + 4 * H });
    await post(`/work-orders/${order!.id}/start`);
    const downtimeFrom = pump.nowMs;
    const completed = await post<{ workOrder: WorkOrder; completion: Record<string, unknown> }>(`/work-orders/${order!.id}/complete`, {
      symptomCode: 'VIB-HIGH',
      causeCode: 'BRG-FATIGUE',
      remedyCode: 'BRG-REPLACE',
      responsibleDepartment: 'production',
      labourHours: 3,
      travelHours: 1.5,
      downtimeFrom,
      downtimeTo: downtimeFrom + 2 * H,
      fixedOnFirstVisit: true,
    });
    expect(completed.workOrder.state).toBe('completed');
    // In warranty and a production (quality) defect: charged to the batch's quality reserve, not to the
    // PBH contract; cost = labour 3 h x 85.00 + travel 1.5 h x 60.00 EUR (internal rates), no parts.
    const expectedCompletion = {
      inWarranty: true,
      chargedTo: 'quality_reserve',
      productionBatchId: batch.id,
      labourCost: { amountMinor: 25_500, currency: 'EUR' },
      travelCost: { amountMinor: 9_000, currency: 'EUR' },
      partsCost: { amountMinor: 0, currency: 'EUR' },
      totalCost: { amountMinor: 34_500, currency: 'EUR' },
    };
    expect(completed.completion).toMatchObject(expectedCompletion);
    expect(completed.completion.contractId).toBeUndefined();
    expect(await get(`/work-orders/${order!.id}/completion`)).toMatchObject(expectedCompletion);

    // The maintenance command reaches the simulated pump: the repaired mode is as good as new.
    await waitFor('the maintenance command to repair the simulated pump', () => pump.repairs >= 1 && (fleet!.perDevice().get(deviceId)?.commands ?? 0) >= 1, {
      timeoutMs: 10_000,
    });
    expect(fleet.perDevice().get(deviceId)?.commandsRejected ?? 0).toBe(0);
    expect(pump.health[FAILING_MODE]).toBeLessThan(0.05);
    expect(pump.failed).toBe(false);

    await waitFor('the alert to be resolved', async () => (await get<{ alert: Alert }>(`/alerts/${raised.id}`)).alert.state === 'resolved');

    // ------------------------------------------------------------ the hour meter, then billing
    const simEnd = pump.nowMs;
    await fleet.stop();
    fleet = undefined;
    // The contract bills on its site's clock (Europe/Oslo): the meter is read on the same clock.
    const lastDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date(simEnd));
    const hoursPath = `/assets/${asset.id}/operating-hours?from=${periodStart}&to=${periodEnd < lastDay ? periodEnd : lastDay}&timeZone=Europe/Oslo`;
    let meter = { periodHours: 0, lifetimeHours: 0 };
    let previous = -1;
    // Settled: the meter covers the newest readings and two passes in a row agree.
    await waitFor(
      'the hour meter to settle',
      async () => {
        meter = await get<typeof meter & { days: { lastSampleTs: number | null }[] }>(hoursPath);
        const settled = meter.periodHours > 0 && meter.periodHours === previous;
        previous = meter.periodHours;
        return settled;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    expect(meter.periodHours).toBeGreaterThan(0);
    expect(meter.lifetimeHours).toBeGreaterThanOrEqual(meter.periodHours);

    // The contract's metered usage is the hour meter's, to the millisecond.
    const usage = await get<{ totalMs: number }>(`/contracts/${contract.id}/usage?period=${period}`);
    expect(usage.totalMs).toBe(Math.round(meter.periodHours * H));

    const run = await post<{ id: string; status: string }>('/invoice-runs', { period });
    let status = run.status;
    await waitFor('the invoice run', async () => (status = (await get<{ status: string }>(`/invoice-runs/${run.id}`)).status) !== 'running', {
      timeoutMs: 20_000,
    });
    expect(status).toBe('succeeded');
    const invoices = await get<{ items: { status: string; periodStart: string; lines: InvoiceLine[] }[] }>(`/invoices?contractId=${contract.id}`);
    const invoice = invoices.items.find((i) => i.periodStart === periodStart);
    expect(invoice?.status).toBe('draft');
    const usageLines = invoice!.lines.filter((l) => l.kind === 'usage' && l.assetId === asset.id);
    expect(usageLines.length).toBeGreaterThan(0);
    const billedHours = usageLines.reduce((s, l) => s + l.quantity, 0);
    expect(billedHours).toBeCloseTo(meter.periodHours, 3);
    for (const l of usageLines) {
      expect(l.unitPriceMinor).toBe(1_250);
      expect(l.amountMinor).toBeGreaterThan(0);
    }

    console.log(
      `degradation-flow: billed ${billedHours} h (meter ${meter.periodHours} h in ${period}, lifetime ${meter.lifetimeHours} h); ` +
        `wall ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 150_000);
});
