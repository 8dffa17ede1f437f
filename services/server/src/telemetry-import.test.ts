import { refKey } from '@hourmeter/ingest';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { describe, expect, it } from 'vitest';
import { deviceResolver } from './telemetry-import.js';

describe.each(dbTargets())('telemetry import device resolution on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  it('resolves device ids and asset serials to an active device, and says why not otherwise', async () => {
    const r = t.repos;
    const assetId = await t.newAsset();
    const asset = (await r.assets.find(assetId))!;
    const { device } = await r.devices.create({ assetId, name: 'gw' });
    const { device: old } = await r.devices.create({ assetId, name: 'old' });
    await r.devices.revoke(old.id);
    const bare = await t.newAsset();
    const bareSerial = (await r.assets.find(bare))!.serialNumber;
    const resolve = deviceResolver(r);
    const refs = [{ deviceId: device.id }, { deviceId: old.id }, { deviceId: 'dev_nope' }, { assetSerial: asset.serialNumber }, { assetSerial: 'NOPE' }, { assetSerial: bareSerial }];
    const res = await resolve(refs);
    expect(refs.map((ref) => res.get(refKey(ref)))).toEqual([
      { deviceId: device.id, assetId },
      `device ${old.id} is revoked`,
      'unknown device dev_nope',
      { deviceId: device.id, assetId },
      'no asset with serial number NOPE',
      `asset ${bareSerial} has no active device`,
    ]);
  });
});
