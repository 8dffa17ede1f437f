import { writeFileSync } from 'node:fs';
import { readDevicesFile } from '@hourmeter/sim-common';
import { COMPRESSOR, createFleet, devicesFromFile, GEARBOX, PUMP, type Fleet } from '@hourmeter/sim-fleet';
import { join } from 'node:path';
import type { Repositories } from '@hourmeter/db';
import type { AssetModelInput, DeviceCredentials } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { demoFailureCodes } from './demo-catalogue.js';

export const DEMO_CUSTOMER_REF = 'demo';

/** The service regions of the demo's sites, which its technicians cover. */
export const DEMO_REGIONS = { munich: 'Bavaria', lyon: 'Rhone-Alpes' } as const;

export const DEMO_MODELS: readonly AssetModelInput[] = [
  {
    code: 'DEMO-PUMP-CP200',
    name: 'Centrifugal pump CP200',
    manufacturer: 'Hourmeter Demo Works',
    runningRule: { kind: 'boolean', metric: 'running' },
    maxGapSeconds: 900,
    warrantyMonths: 24,
    leadTimeHours: 72,
    // The simulated devices' signals: which indicate which failure mode.
    prediction: PUMP.asset.prediction,
  },
  {
    code: 'DEMO-COMP-AC75',
    name: 'Air compressor AC75',
    manufacturer: 'Hourmeter Demo Works',
    runningRule: { kind: 'threshold', metric: 'motor_current_a', above: 5 },
    maxGapSeconds: 900,
    warrantyMonths: 18,
    leadTimeHours: 96,
    prediction: COMPRESSOR.asset.prediction,
  },
  {
    code: 'DEMO-GBX-G40',
    name: 'Gearbox G40',
    manufacturer: 'Hourmeter Demo Works',
    runningRule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' },
    maxGapSeconds: 1800,
    warrantyMonths: 36,
    leadTimeHours: 120,
    prediction: GEARBOX.asset.prediction,
  },
];

export interface DemoFleet {
  customerId: string;
  devices: (DeviceCredentials & { assetId: string; model: string })[];
}

/** The first day of the month `months` before the one `now` is in (UTC), as an ISO day. */
export function monthStart(now: number, monthsBack: number): string {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1)).toISOString().slice(0, 10);
}

/** How long before the first start the demo fleet was commissioned: its history (hours, failures, invoices) fills that time. */
const COMMISSIONED_MONTHS_AGO = 11;

/**
 * A small fleet so a newcomer sees real records: one customer with its
 * billing party, two sites, three product lines with a production batch
 * (and its quality reserve) and a failure-code catalogue each, two assets per
 * line commissioned eleven months before `now`, a device per asset.
 * Idempotent: skipped when the demo customer exists. The device credentials
 * go to `<dataDir>/demo-devices.json` for the simulators.
 */
export async function loadDemoFleet(repos: Repositories, dataDir: string, logger: Logger, now = Date.now()): Promise<DemoFleet | undefined> {
  const log = logger.child({ svc: 'demo' });
  const existing = await repos.customers.list({ limit: 500 });
  if (existing.items.some((c) => c.externalRef === DEMO_CUSTOMER_REF)) {
    log.info('demo fleet already loaded');
    return undefined;
  }
  const customer = await repos.customers.create({
    name: 'Demo Brewing Co.',
    currency: 'EUR',
    externalRef: DEMO_CUSTOMER_REF,
    value: { annualRevenueMinor: 250_000_000, onTimePaymentRate: 1, customerSince: '2019-04-01', annualCostToServeMinor: 4_000_000, size: 'large', influence: 0.6 },
    billing: {
      legalName: 'Demo Brewing Company GmbH',
      address: { line1: 'Braustraße 1', postalCode: '80331', city: 'München', country: 'DE' },
      taxId: 'DE123456789',
      taxTreatment: { kind: 'vat' },
      paymentTermsDays: 30,
    },
  });
  const sites = [
    await repos.sites.create({ customerId: customer.id, name: 'Munich brewery', location: { lat: 48.137, lon: 11.575 }, timezone: 'Europe/Berlin', serviceRegion: DEMO_REGIONS.munich }),
    await repos.sites.create({ customerId: customer.id, name: 'Lyon bottling plant', location: { lat: 45.764, lon: 4.835 }, timezone: 'Europe/Paris', serviceRegion: DEMO_REGIONS.lyon }),
  ];
  const commissionedOn = monthStart(now, COMMISSIONED_MONTHS_AGO);
  const producedOn = monthStart(now, COMMISSIONED_MONTHS_AGO + 2);
  const devices: DemoFleet['devices'] = [];
  for (const modelInput of DEMO_MODELS) {
    const model = await repos.assetModels.create(modelInput);
    for (const code of demoFailureCodes([...new Set((modelInput.prediction?.failureModes ?? []).map((r) => r.failureMode))]))
      await repos.workOrders.failureCodes.put(model.id, code);
    const batch = await repos.productionBatches.create({
      assetModelId: model.id,
      code: `${model.code}-B${producedOn.slice(0, 7).replace('-', '')}`,
      producedOn,
      unitCount: 250,
      qualityReserve: { amountMinor: 5_000_000, currency: 'EUR' },
    });
    for (const [i, site] of sites.entries()) {
      const asset = await repos.assets.create({
        serialNumber: `${model.code.split('-')[1]}-${String(i + 1).padStart(5, '0')}`,
        assetModelId: model.id,
        productionBatchId: batch.id,
        siteId: site.id,
        commissionedOn,
        status: 'active',
      });
      const { credentials } = await repos.devices.create({ assetId: asset.id, name: `${model.name} #${i + 1} gateway` });
      devices.push({ ...credentials, assetId: asset.id, model: model.code });
    }
  }
  const file = join(dataDir, 'demo-devices.json');
  writeFileSync(file, JSON.stringify({ customerId: customer.id, devices }, null, 2), { mode: 0o600 });
  log.info({ assets: devices.length, credentialsFile: file }, 'demo fleet loaded');
  return { customerId: customer.id, devices };
}

/**
 * Runs the demo devices from `demo-devices.json` in-process: each connects
 * over MQTT like a real device and publishes degrading telemetry from
 * `startMs`, catching up with the clock at `speed` simulated seconds per
 * second and then following it, one reading per second, so the history ends
 * now and gaps stay under the models' limits.
 */
export async function startDemoFleet(opts: { dataDir: string; mqttPort: number; speed: number; startMs: number; logger: Logger }): Promise<Fleet> {
  const file = readDevicesFile(join(opts.dataDir, 'demo-devices.json'));
  const fleet = createFleet({
    mqttUrl: `mqtt://127.0.0.1:${opts.mqttPort}`,
    devices: devicesFromFile(file),
    seed: 7,
    rate: 1,
    speed: opts.speed,
    simStartMs: opts.startMs,
    followNow: Date.now,
    logger: opts.logger.child({ svc: 'demo-fleet' }),
  });
  await fleet.start();
  opts.logger.info({ devices: file.devices.length, speed: opts.speed, from: new Date(opts.startMs).toISOString() }, 'demo fleet running');
  return fleet;
}
