import type { Repositories } from '@hourmeter/db';
import { refKey, type DeviceRef, type ResolvedDevice } from '@hourmeter/ingest';

/**
 * Which device a historical telemetry row belongs to: a device id (active
 * devices only), or an asset serial number (+ model code when the serial
 * exists in several models), whose first active device then carries it.
 */
export function deviceResolver(repos: Pick<Repositories, 'devices' | 'assets' | 'assetModels'>) {
  return async (refs: readonly DeviceRef[]): Promise<Map<string, ResolvedDevice | string>> => {
    const out = new Map<string, ResolvedDevice | string>();
    for (const ref of refs) {
      if ('deviceId' in ref) {
        const d = await repos.devices.find(ref.deviceId);
        out.set(refKey(ref), !d ? `unknown device ${ref.deviceId}` : d.status !== 'active' ? `device ${ref.deviceId} is ${d.status}` : { deviceId: d.id, assetId: d.assetId });
        continue;
      }
      let assets = (await repos.assets.list({ filters: { serialNumber: ref.assetSerial }, limit: 50 })).items;
      if (ref.assetModel !== undefined) {
        const model = (await repos.assetModels.list({ filters: { code: ref.assetModel }, limit: 1 })).items[0];
        assets = assets.filter((a) => a.assetModelId === model?.id);
      }
      if (assets.length !== 1) {
        out.set(refKey(ref), assets.length === 0 ? `no asset with serial number ${ref.assetSerial}` : `serial number ${ref.assetSerial} exists in several asset models: give asset_model`);
        continue;
      }
      const device = (await repos.devices.list({ filters: { assetId: assets[0]!.id, status: 'active' }, limit: 1 })).items[0];
      out.set(refKey(ref), device ? { deviceId: device.id, assetId: device.assetId } : `asset ${ref.assetSerial} has no active device`);
    }
    return out;
  };
}
