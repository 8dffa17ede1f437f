/**
 * `npm run bench -- fleet-prediction [--assets 300] [--seed 7] [--ensemble 1] [--horizon 2] [--cap-share 0.6] [--row-stride 3]`
 *
 * `--row-stride`: the condition model is fitted on every n-th cycle of each
 * life (features still from every cycle), for the 60 s training budget.
 *
 * `--cap-share`: the share of the mean life the condition model's cap (125
 * cycles) covers, which sets the cycle length (the service's default is 0.6).
 *
 * A simulated fleet over the three simulated product lines (pump, compressor,
 * gearbox: simulators/fleet physics, hidden damage per failure mode) runs two
 * years; every failure is recorded as a completed corrective work order on an
 * embedded SQLite store (and read back from there as the lives builder's
 * events), the part renewed at once. Telemetry is kept in memory as bucketed
 * running readings (one every 2 h), the hour meter as daily totals.
 *
 * Per asset model and failure mode, the population Weibull and the condition
 * model are trained on year one only (lives censored at T, readings before T);
 * year two is replayed online, once a day: each model's RUL and failure
 * probability within the lead time for every asset. The condition model's
 * features are causal, so its estimate at day d reads nothing after d.
 *
 * Figures, condition model vs Weibull on the same instants:
 * - rul_rmse_ratio: RUL RMSE (operating hours) over instants of lives that
 *   failed in year two, condition / Weibull;
 * - caught: failures of year two for which a preventive order was opened
 *   at least the lead time and at most ORDER_WINDOW_DAYS before the failure.
 *   The order policy: open one when the model's failure probability within
 *   `--horizon` lead times (default 2: the lead time itself plus as long
 *   again to plan and act, decisions being daily) reaches 0.5;
 * - false_orders: orders whose asset did not fail of that mode within
 *   ORDER_WINDOW_DAYS, per asset-month of year two. One order per life is
 *   open at a time.
 */
import { parseArgs } from 'node:util';
import { openDb, repositories } from '@hourmeter/db';
import { CustomerInput, type AssetModel } from '@hourmeter/domain';
import {
  assetClock,
  buildLives,
  conditionLifeEstimator,
  conditionModelOf,
  conditionRulOptions,
  defaultHoursPerCycle,
  fitWeibull,
  recordFailure,
  recentUtilisation,
  runningFilter,
  scoreEstimates,
  trainRulModel,
  unitsOfLives,
  weibullEstimator,
  type AssetRecord,
  type BacktestFigures,
  type LifeEstimator,
  type LifeRecord,
  type MaintenanceEvent,
  type TimedReading,
} from '@hourmeter/prediction';
import { createLogger } from '@hourmeter/runtime';
import { AssetSim, MODEL_KINDS, MODELS, type ModelSpec } from '@hourmeter/sim-fleet';
import { tempDir } from '@hourmeter/testkit';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR_DAYS = 365;
const READ_EVERY_H = 2;
const ORDER_WINDOW_DAYS = 30;
const THRESHOLD = 0.5;
const T0 = Date.parse('2025-01-01T00:00:00Z');

interface SimulatedAsset {
  record: AssetRecord;
  kind: (typeof MODEL_KINDS)[number];
  readings: TimedReading[];
  failures: { mode: string; at: number }[];
}

/** Two years of one asset: readings while running, daily meter totals, failures (repaired as new at once). */
function simulate(spec: ModelSpec, index: number, seed: number, assetId: string): SimulatedAsset {
  const sim = new AssetSim({ spec, seed, index, startMs: T0, initialWear: 0 });
  const running = runningFilter(spec.asset.runningRule ?? { kind: 'boolean', metric: 'running' });
  const readings: TimedReading[] = [];
  const failures: { mode: string; at: number }[] = [];
  const days: { day: string; hours: number }[] = [];
  let dayStartHours = sim.operatingHours;
  let seen = 0;
  for (let step = 1; step <= (2 * YEAR_DAYS * 24) / READ_EVERY_H; step++) {
    sim.advance(READ_EVERY_H * 3600);
    for (; seen < sim.failureLog.length; seen++) failures.push({ mode: sim.failureLog[seen]!.mode, at: sim.failureLog[seen]!.atMs });
    if (sim.failed) sim.repair({ failureMode: sim.currentFailureMode, quality: 1 });
    const raw = sim.read();
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) values[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (running(values)) readings.push({ ts: sim.nowMs, values });
    if ((step * READ_EVERY_H) % 24 === 0) {
      days.push({ day: new Date(sim.nowMs - DAY).toISOString().slice(0, 10), hours: sim.operatingHours - dayStartHours });
      dayStartHours = sim.operatingHours;
    }
  }
  return { record: { assetId, serialNumber: assetId, commissionedAt: T0, days }, kind: spec.kind, readings, failures };
}

interface OrderFigures {
  failures: number;
  caught: number;
  orders: number;
  falseOrders: number;
}

/** Daily online replay of year two with one model: preventive orders and what they caught. */
function replayOrders(estimate: LifeEstimator, assets: readonly SimulatedAsset[], lives: readonly LifeRecord[], leadTimeHours: number, horizon: number, from: number, to: number): OrderFigures {
  const out: OrderFigures = { failures: 0, caught: 0, orders: 0, falseOrders: 0 };
  const byAsset = new Map<string, LifeRecord[]>();
  for (const l of lives) byAsset.set(l.assetId, [...(byAsset.get(l.assetId) ?? []), l]);
  const clocks = new Map(assets.map((a) => [a.record.assetId, clockOf(a.record)]));
  for (const a of assets) {
    const clock = clocks.get(a.record.assetId)!;
    const util = (t: number) => utilisation(a.record, t);
    for (const life of byAsset.get(a.record.assetId) ?? []) {
      if (life.endAt <= from) continue;
      const failsInReplay = life.failed && life.endAt > from && life.endAt <= to;
      if (failsInReplay) out.failures++;
      let orderAt: number | undefined;
      for (let t = Math.max(from, Math.ceil(life.startAt / DAY) * DAY); t < Math.min(life.endAt, to); t += DAY) {
        const age = (life.startHours ?? 0) + clock(t) - clock(life.startAt);
        const est = estimate({ asset: a.record, life, t, age, leadAgeHours: horizon * leadTimeHours * util(t) });
        if (est && est.failureProbability >= THRESHOLD) {
          orderAt = t;
          break;
        }
      }
      if (orderAt === undefined) continue;
      out.orders++;
      const failsInWindow = life.failed && life.endAt - orderAt <= ORDER_WINDOW_DAYS * DAY;
      if (!failsInWindow) out.falseOrders++;
      else if (failsInReplay && life.endAt - orderAt >= leadTimeHours * HOUR) out.caught++;
    }
  }
  return out;
}

// The lives builder's own clock and utilisation, on the whole record (scoring only; models see T).
const END = T0 + 2 * YEAR_DAYS * DAY;
const clockOf = (a: AssetRecord) => assetClock(a, 'operating_hours', END);
const utilisation = (a: AssetRecord, t: number) => recentUtilisation(a.days, t);

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { 'cap-share': { type: 'string', default: '0.6' }, horizon: { type: 'string', default: '2' }, 'row-stride': { type: 'string', default: '3' }, assets: { type: 'string', default: '300' }, seed: { type: 'string', default: '7' }, ensemble: { type: 'string', default: '1' } },
  });
  const total = Number(values.assets);
  const seed = Number(values.seed);
  const ensemble = Number(values.ensemble);
  const horizon = Number(values.horizon);
  const capShare = Number(values['cap-share']);
  const rowStride = Number(values['row-stride']);
  if (!Number.isInteger(rowStride) || rowStride < 1) throw new Error('--row-stride must be an integer >= 1');
  if (!(capShare > 0)) throw new Error('--cap-share must be a positive share of the mean life');
  if (!(horizon > 0)) throw new Error('--horizon must be a positive number of lead times');
  if (!Number.isInteger(total) || total < 3) throw new Error('--assets must be an integer >= 3');
  const logger = createLogger({ level: 'warn' });
  const dir = tempDir();
  const db = await openDb({ dataDir: dir.path, logger });
  try {
    const repos = repositories(db);
    const customer = await repos.customers.create(CustomerInput.parse({ name: 'Bench fleet', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } }));
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });

    let started = performance.now();
    let recordSeconds = 0;
    const fleet = new Map<string, { model: AssetModel; spec: ModelSpec; assets: SimulatedAsset[] }>();
    for (let i = 0; i < total; i++) {
      const kind = MODEL_KINDS[i % MODEL_KINDS.length]!;
      const spec = MODELS[kind];
      let entry = fleet.get(kind);
      if (!entry) fleet.set(kind, (entry = { model: await repos.assetModels.create(spec.asset), spec, assets: [] }));
      const asset = await repos.assets.create({ serialNumber: `${kind.toUpperCase()}-${i}`, assetModelId: entry.model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
      const sim = simulate(spec, i, seed, asset.id);
      const recording = performance.now();
      for (const f of sim.failures) await recordFailure(repos, asset.id, f.mode, f.at);
      recordSeconds += (performance.now() - recording) / 1000;
      entry.assets.push(sim);
    }
    const failures = [...fleet.values()].reduce((n, e) => n + e.assets.reduce((m, a) => m + a.failures.length, 0), 0);
    console.log(`simulated ${total} assets x 2 years, ${failures} failures recorded as corrective work orders (${((performance.now() - started) / 1000).toFixed(1)} s, of which recording ${recordSeconds.toFixed(1)} s)`);

    const split = T0 + YEAR_DAYS * DAY;
    let trainSeconds = 0;
    const sums = { cond: { se: 0, n: 0 }, weib: { se: 0, n: 0 } };
    const orders = { cond: { failures: 0, caught: 0, orders: 0, falseOrders: 0 }, weib: { failures: 0, caught: 0, orders: 0, falseOrders: 0 } };
    for (const { model, spec, assets } of fleet.values()) {
      const records = assets.map((a) => a.record);
      const readings = new Map(assets.map((a) => [a.record.assetId, a.readings]));
      const byId = new Map(records.map((r) => [r.assetId, r]));
      for (const fm of spec.failureModes) {
        const events: MaintenanceEvent[] = (await repos.reliability.lifeEndingOrders(model.id, fm.id)).map((o) => ({ assetId: o.assetId, at: o.at, kind: o.kind, workOrderId: o.workOrderId }));
        started = performance.now();
        const before = buildLives(records, events, { restoration: 'as_good_as_new', asOf: split, ageAxis: 'operating_hours' });
        const weibull = fitWeibull(before.lives);
        if (weibull.status !== 'fitted') {
          console.log(`${spec.asset.code}/${fm.id}: ${weibull.status}, skipped`);
          continue;
        }
        const hoursPerCycle = defaultHoursPerCycle(weibull, capShare);
        // As conditionChannels picks them: every numeric signal but an hour counter.
        const sensors = spec.signals.map((s) => s.name).filter((n) => !(spec.asset.runningRule?.kind === 'counter' && n === spec.asset.runningRule.metric) && n !== 'operating_hours');
        const channels = { settings: [] as string[], sensors };
        const units = unitsOfLives(before.lives, byId, readings, { ageAxis: 'operating_hours', asOf: split, hoursPerCycle, channels });
        // One boosted model, no refit, a faster learning rate on half the rows per tree: the fleet's lives
        // are many and long (10^5 rows a mode), and the whole training has a 60 s budget on 2 cores.
        const o = { hoursPerCycle, channels, baseline: weibull, source: `bench:${spec.asset.code}/${fm.id}`, ensemble, refit: false, rowStride, gbt: { learningRate: 0.1, rowSample: 0.5, earlyStopping: 30 } };
        const condition = conditionModelOf(trainRulModel(units, conditionRulOptions(o)), o);
        const seconds = (performance.now() - started) / 1000;
        trainSeconds += seconds;

        const input = { assets: records, events, restoration: 'as_good_as_new' as const, splitAt: split, endAt: END, leadTimeHours: spec.asset.leadTimeHours ?? 72, stepMs: DAY };
        const condEstimator = conditionLifeEstimator(condition, readings, 'operating_hours', END);
        const weibEstimator = weibullEstimator(weibull);
        const c: BacktestFigures = scoreEstimates(condEstimator, input, 'operating_hours');
        const w: BacktestFigures = scoreEstimates(weibEstimator, input, 'operating_hours');
        const all = buildLives(records, events, { restoration: 'as_good_as_new', asOf: END, ageAxis: 'operating_hours' }).lives;
        const oc = replayOrders(condEstimator, assets, all, input.leadTimeHours, horizon, split, END);
        const ow = replayOrders(weibEstimator, assets, all, input.leadTimeHours, horizon, split, END);
        for (const [k, f] of [['cond', c], ['weib', w]] as const) {
          sums[k].se += (f.rulRmseHours ?? 0) ** 2 * f.rulPoints;
          sums[k].n += f.rulPoints;
        }
        for (const [k, f] of [['cond', oc], ['weib', ow]] as const) for (const key of ['failures', 'caught', 'orders', 'falseOrders'] as const) orders[k][key] += f[key];
        const pct = (f: OrderFigures) => (f.failures ? (100 * f.caught) / f.failures : 0).toFixed(0);
        console.log(
          `${spec.asset.code}/${fm.id}: ${units.filter((u) => !u.censored).length} failed + ${units.filter((u) => u.censored).length} censored lives in year one, ${hoursPerCycle} h/cycle, trained in ${seconds.toFixed(1)} s;` +
            ` rul_rmse_h condition=${c.rulRmseHours?.toFixed(0)} weibull=${w.rulRmseHours?.toFixed(0)}; caught condition=${pct(oc)}% weibull=${pct(ow)}% of ${oc.failures};` +
            ` false orders condition=${oc.falseOrders} weibull=${ow.falseOrders}`,
        );
      }
    }
    const rmseOf = (s: { se: number; n: number }) => Math.sqrt(s.se / Math.max(1, s.n));
    const assetMonths = total * 12;
    console.log(`training of all models: ${trainSeconds.toFixed(1)} s (target < 60 s); weibull baseline: caught=${((100 * orders.weib.caught) / Math.max(1, orders.weib.failures)).toFixed(1)}% false_orders=${(orders.weib.falseOrders / assetMonths).toFixed(3)}/asset-month`);
    const ratio = rmseOf(sums.cond) / rmseOf(sums.weib);
    const caught = (100 * orders.cond.caught) / Math.max(1, orders.cond.failures);
    console.log(`fleet-prediction: rul_rmse_ratio=${ratio.toFixed(2)} vs weibull, caught=${caught.toFixed(1)}% >= lead time, false_orders=${(orders.cond.falseOrders / assetMonths).toFixed(3)}/asset-month`);
  } finally {
    await db.close();
    dir.cleanup();
  }
}
