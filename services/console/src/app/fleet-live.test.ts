import { describe, expect, it } from 'vitest';
import { applyLiveEvent, type FleetItem, type FleetSummary } from './fleet-live';

const item = (assetId: string, deviceId: string): FleetItem => ({
  assetId,
  serialNumber: assetId.toUpperCase(),
  status: 'active',
  assetModel: { id: 'mdl_1', code: 'P', name: 'Pump' },
  site: { id: 'sit_1', name: 'Bergen' },
  customer: { id: 'cus_1', name: 'Dairy' },
  operatingHours: 10,
  online: false,
  lastSeenAt: null,
  devices: [{ id: deviceId, online: false, lastSeenAt: null }],
  activeAlerts: [],
  worstSeverity: null,
  rul: null,
  risk: null,
});
const summary = (): FleetSummary => ({
  totals: { assets: 5, online: 0, offline: 5, withoutDevice: 0, withActiveAlerts: 0, activeAlerts: 0, operatingHours: 50 },
  items: [item('ast_a', 'dev_a'), item('ast_b', 'dev_b')],
  offset: 0,
  limit: 2,
  nextOffset: 2,
});
const alert = (id: string, assetId: string, state: string, severity: string) => ({ id, assetId, state, severity, failureMode: 'bearing_wear' });
const env = (type: string, data: unknown) => ({ type, data: { v: 1, id: 'evt_x', type, at: 1, data } });

describe('the Fleet view applies live events to its page', () => {
  it('turns a device on and off, with the totals', () => {
    const on = applyLiveEvent(summary(), env('device.connected', { deviceId: 'dev_b', at: 500, transport: 'tcp' }));
    expect(on.offPage).toBe(false);
    expect(on.summary.items[1]).toMatchObject({ online: true, lastSeenAt: 500, devices: [{ online: true }] });
    expect(on.summary.totals).toMatchObject({ online: 1, offline: 4 });
    const off = applyLiveEvent(on.summary, env('device.disconnected', { deviceId: 'dev_b', at: 900 }));
    expect(off.summary.items[1]).toMatchObject({ online: false, lastSeenAt: 900 });
    expect(off.summary.totals).toMatchObject({ online: 0, offline: 5 });
  });

  it('counts an alert while it is active, by its worst severity, and forgets it when it closes', () => {
    let s = applyLiveEvent(summary(), env('alert.raised', { alert: alert('alr_1', 'ast_a', 'open', 'medium') })).summary;
    s = applyLiveEvent(s, env('alert.raised', { alert: alert('alr_2', 'ast_a', 'open', 'critical') })).summary;
    // A new detection of the same alert replaces it rather than counting it twice.
    s = applyLiveEvent(s, env('alert.updated', { alert: alert('alr_1', 'ast_a', 'acknowledged', 'high'), change: 'detection' })).summary;
    expect(s.items[0]).toMatchObject({ worstSeverity: 'critical' });
    expect(s.items[0]!.activeAlerts.map((a) => [a.id, a.severity])).toEqual([
      ['alr_2', 'critical'],
      ['alr_1', 'high'],
    ]);
    expect(s.totals).toMatchObject({ withActiveAlerts: 1, activeAlerts: 2 });
    s = applyLiveEvent(s, env('alert.transitioned', { alert: alert('alr_2', 'ast_a', 'dismissed', 'critical'), to: 'dismissed', actor: 'x', reason: 'noise' })).summary;
    s = applyLiveEvent(s, env('alert.transitioned', { alert: alert('alr_1', 'ast_a', 'resolved', 'high'), to: 'resolved', actor: 'x', reason: 'fixed' })).summary;
    expect(s.items[0]).toMatchObject({ activeAlerts: [], worstSeverity: null });
    expect(s.totals).toMatchObject({ withActiveAlerts: 0, activeAlerts: 0 });
  });

  it('says when an event is about an asset on another page, and ignores what it does not show', () => {
    const s = summary();
    expect(applyLiveEvent(s, env('alert.raised', { alert: alert('alr_9', 'ast_z', 'open', 'low') }))).toEqual({ summary: s, offPage: true });
    expect(applyLiveEvent(s, env('device.connected', { deviceId: 'dev_z', at: 1, transport: 'tcp' }))).toEqual({ summary: s, offPage: true });
    expect(applyLiveEvent(s, env('workorder.created', { workOrder: {} }))).toEqual({ summary: s, offPage: false });
    expect(applyLiveEvent(s, { type: 'alert.raised', data: 'not json' })).toEqual({ summary: s, offPage: false });
  });
});
