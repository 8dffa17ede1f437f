import { writeFileSync } from 'node:fs';
import { readDevicesFile } from '@hourmeter/sim-common';
import { COMPRESSOR, createFleet, defaultSimStart, devicesFromFile, GEARBOX, PUMP, type Fleet } from '@hourmeter/sim-fleet';
import { join } from 'node:path';
import type { Repositories } from '@hourmeter/db';
import type { AssetModelInput, DeviceCredentials } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';

export const DEMO_CUSTOMER_REF = 'demo';

const MODELS: AssetModelInput[] = [
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

/**
 * A small fleet so a newcomer sees real records: one customer, two sites,
 * three product lines with a production batch each, two assets per line, a
 * device per asset. Idempotent: skipped when the demo customer exists. The
 * device credentials go to `<dataDir>/demo-devices.json` for the simulators.
 */
export async function loadDemoFleet(repos: Repositories, dataDir: string, logger: Logger): Promise<DemoFleet | undefined> {
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
    value: { annualRevenueMinor: 250_000_000, onTimePaymentRate: 0.96, customerSince: '2019-04-01', annualCostToServeMinor: 4_000_000, size: 'large', influence: 0.6 },
  });
  const sites = [
    await repos.sites.create({ customerId: customer.id, name: 'Munich brewery', location: { lat: 48.137, lon: 11.575 }, timezone: 'Europe/Berlin' }),
    await repos.sites.create({ customerId: customer.id, name: 'Lyon bottling plant', location: { lat: 45.764, lon: 4.835 }, timezone: 'Europe/Paris' }),
  ];
  const devices: DemoFleet['devices'] = [];
  for (const modelInput of MODELS) {
    const model = await repos.assetModels.create(modelInput);
    const batch = await repos.productionBatches.create({
      assetModelId: model.id,
      code: `${model.code}-B2025-11`,
      producedOn: '2025-11-03',
      unitCount: 250,
      qualityReserve: { amountMinor: 5_000_000, currency: 'EUR' },
    });
    for (const [i, site] of sites.entries()) {
      const asset = await repos.assets.create({
        serialNumber: `${model.code.split('-')[1]}-${String(i + 1).padStart(5, '0')}`,
        assetModelId: model.id,
        productionBatchId: batch.id,
        siteId: site.id,
        commissionedOn: '2026-01-15',
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
 * over MQTT like a real device and publishes degrading telemetry, faster than
 * real time, one reading per second, so gaps stay under the models' limits.
 */
export async function startDemoFleet(opts: { dataDir: string; mqttPort: number; speed: number; logger: Logger }): Promise<Fleet> {
  const file = readDevicesFile(join(opts.dataDir, 'demo-devices.json'));
  const fleet = createFleet({
    mqttUrl: `mqtt://127.0.0.1:${opts.mqttPort}`,
    devices: devicesFromFile(file),
    seed: 7,
    rate: 1,
    speed: opts.speed,
    simStartMs: defaultSimStart(opts.speed),
    logger: opts.logger.child({ svc: 'demo-fleet' }),
  });
  await fleet.start();
  opts.logger.info({ devices: file.devices.length, speed: opts.speed }, 'demo fleet running');
  return fleet;
}
