import type { Logger } from '@hourmeter/runtime';
import type { AssetModelInput } from '@hourmeter/domain';
import type { ApiClient } from './api-client.js';

/** What a simulator needs registered: everything is found again by its code on a second run. */
export interface ProvisionSpec {
  customer: { externalRef: string; name: string; currency: string };
  sites: string[];
  models: AssetModelInput[];
  assets: { serialNumber: string; modelCode: string; siteIndex: number; commissionedOn: string }[];
}

export interface ProvisionedDevice {
  deviceId: string;
  password: string;
  assetId: string;
  modelCode: string;
  serialNumber: string;
}

interface WithId {
  id: string;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Creates customer, sites, asset models (with a production batch each),
 * assets and devices through the REST API, reusing whatever a previous run
 * created (customer by external ref, site by name, model by code, batch by
 * code, asset by serial number). A device secret is only shown when it is
 * issued, so an existing device gets its secret rotated to obtain credentials.
 */
export async function provisionFleet(api: ApiClient, spec: ProvisionSpec, logger: Logger, concurrency = 8): Promise<ProvisionedDevice[]> {
  const log = logger.child({ svc: 'sim-provision' });
  const customers = await api.all<WithId & { externalRef?: string }>('/customers');
  const customer =
    customers.find((c) => c.externalRef === spec.customer.externalRef) ??
    (await api.post<WithId>('/customers', { name: spec.customer.name, currency: spec.customer.currency, externalRef: spec.customer.externalRef }));

  const existingSites = await api.all<WithId & { name: string }>('/sites', { customerId: customer.id });
  const siteIds: string[] = [];
  for (const name of spec.sites) {
    const site = existingSites.find((s) => s.name === name) ?? (await api.post<WithId>('/sites', { customerId: customer.id, name }));
    siteIds.push(site.id);
  }

  const modelIds = new Map<string, { modelId: string; batchId: string }>();
  for (const m of spec.models) {
    const found = await api.all<WithId & { code: string }>('/asset-models', { code: m.code });
    const model = found.find((x) => x.code === m.code) ?? (await api.post<WithId>('/asset-models', m));
    const batchCode = `${m.code}-SIM`;
    const batches = await api.all<WithId & { code: string }>('/production-batches', { assetModelId: model.id });
    const batch =
      batches.find((b) => b.code === batchCode) ??
      (await api.post<WithId>('/production-batches', {
        assetModelId: model.id,
        code: batchCode,
        producedOn: '2025-06-02',
        unitCount: Math.max(1, spec.assets.filter((a) => a.modelCode === m.code).length),
        qualityReserve: { amountMinor: 1_000_000, currency: spec.customer.currency },
      }));
    modelIds.set(m.code, { modelId: model.id, batchId: batch.id });
  }

  // One listing per model and one of all devices instead of a lookup per asset.
  const assetsBySerial = new Map<string, string>();
  for (const { modelId } of modelIds.values()) {
    for (const a of await api.all<WithId & { serialNumber: string }>('/assets', { assetModelId: modelId })) assetsBySerial.set(a.serialNumber, a.id);
  }
  const deviceByAsset = new Map<string, string>();
  for (const d of await api.all<WithId & { assetId: string }>('/devices', { status: 'active' })) {
    if (!deviceByAsset.has(d.assetId)) deviceByAsset.set(d.assetId, d.id);
  }

  let created = 0;
  const devices = await mapLimit(spec.assets, concurrency, async (a): Promise<ProvisionedDevice> => {
    const ids = modelIds.get(a.modelCode);
    if (!ids) throw new Error(`asset ${a.serialNumber}: model ${a.modelCode} is not in the spec`);
    let assetId = assetsBySerial.get(a.serialNumber);
    if (!assetId) {
      const asset = await api.post<WithId>('/assets', {
        serialNumber: a.serialNumber,
        assetModelId: ids.modelId,
        productionBatchId: ids.batchId,
        siteId: siteIds[a.siteIndex % siteIds.length],
        commissionedOn: a.commissionedOn,
      });
      assetId = asset.id;
      created++;
    }
    const existing = deviceByAsset.get(assetId);
    const res = existing
      ? await api.post<{ credentials: { username: string; password: string } }>(`/devices/${existing}/rotate-secret`, {})
      : await api.post<{ credentials: { username: string; password: string } }>('/devices', { assetId, name: `${a.serialNumber} simulator` });
    return { deviceId: res.credentials.username, password: res.credentials.password, assetId, modelCode: a.modelCode, serialNumber: a.serialNumber };
  });
  log.info({ customerId: customer.id, assets: devices.length, assetsCreated: created }, 'fleet provisioned');
  return devices;
}
