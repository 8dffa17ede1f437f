/**
 * The Fleet view's copy of GET /fleet/summary, kept current by the live
 * stream's payloads instead of asking the server again (issue #17 item 4).
 * Pure functions, so a page of 100 rows costs no request per event.
 */
import type { Alert, Severity } from '@hourmeter/domain';
import type { LiveEvent } from './api';

export interface FleetItem {
  assetId: string;
  serialNumber: string;
  status: string;
  assetModel: { id: string; code: string; name: string };
  site: { id: string; name: string };
  customer: { id: string; name: string };
  operatingHours: number;
  online: boolean | null;
  lastSeenAt: number | null;
  devices: { id: string; online: boolean; lastSeenAt: number | null }[];
  activeAlerts: { id: string; severity: Severity; failureMode: string }[];
  worstSeverity: Severity | null;
  rul: { ts: number; hours: number; lowerHours: number; upperHours: number; modelVersion: string; failureMode?: string } | null;
  risk: {
    failureMode: string;
    status: 'estimated' | 'no_failures' | 'not_trained';
    modelVersion?: string;
    rulHours?: number;
    lowerHours?: number;
    upperHours?: number;
    leadTimeHours: number;
    failureProbability?: number;
  } | null;
}

export interface FleetSummary {
  totals: { assets: number; online: number; offline: number; withoutDevice: number; withActiveAlerts: number; activeAlerts: number; operatingHours: number };
  items: FleetItem[];
  offset: number;
  limit: number;
  nextOffset: number | null;
}

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
const ACTIVE = new Set<Alert['state']>(['open', 'acknowledged', 'confirmed']);

/** What a live event did to the summary: the patched copy, and whether it touched something off this page (totals need the server). */
export interface Applied {
  summary: FleetSummary;
  offPage: boolean;
}

function envelopeData(e: LiveEvent): Record<string, unknown> | undefined {
  const env = e.data as { data?: unknown } | null;
  return env && typeof env === 'object' && env.data && typeof env.data === 'object' ? (env.data as Record<string, unknown>) : undefined;
}

function withDevice(item: FleetItem, deviceId: string, online: boolean, at: number): FleetItem {
  const devices = item.devices.map((d) => (d.id === deviceId ? { ...d, online, lastSeenAt: Math.max(d.lastSeenAt ?? 0, at) } : d));
  return { ...item, devices, online: devices.some((d) => d.online), lastSeenAt: Math.max(item.lastSeenAt ?? 0, at) };
}

function withAlert(item: FleetItem, alert: Alert): FleetItem {
  const others = item.activeAlerts.filter((a) => a.id !== alert.id);
  const activeAlerts = ACTIVE.has(alert.state) ? [...others, { id: alert.id, severity: alert.severity, failureMode: alert.failureMode }] : others;
  const worstSeverity = activeAlerts.reduce<Severity | null>((w, a) => (w === null || RANK[a.severity] > RANK[w] ? a.severity : w), null);
  return { ...item, activeAlerts, worstSeverity };
}

/** Totals after one row changed from `before` to `after`. */
function retotal(t: FleetSummary['totals'], before: FleetItem, after: FleetItem): FleetSummary['totals'] {
  const on = (i: FleetItem) => (i.online === true ? 1 : 0);
  const off = (i: FleetItem) => (i.online === false ? 1 : 0);
  const alerting = (i: FleetItem) => (i.activeAlerts.length > 0 ? 1 : 0);
  return {
    ...t,
    online: t.online + on(after) - on(before),
    offline: t.offline + off(after) - off(before),
    withActiveAlerts: t.withActiveAlerts + alerting(after) - alerting(before),
    activeAlerts: t.activeAlerts + after.activeAlerts.length - before.activeAlerts.length,
  };
}

/** Applies one live event; events of other types leave the summary as it is. */
export function applyLiveEvent(s: FleetSummary, e: LiveEvent): Applied {
  const data = envelopeData(e);
  if (!data) return { summary: s, offPage: false };
  let index = -1;
  let next: FleetItem | undefined;
  if (e.type === 'device.connected' || e.type === 'device.disconnected') {
    const deviceId = String(data.deviceId);
    index = s.items.findIndex((i) => i.devices.some((d) => d.id === deviceId));
    if (index >= 0) next = withDevice(s.items[index]!, deviceId, e.type === 'device.connected', Number(data.at) || 0);
  } else if (e.type.startsWith('alert.')) {
    const alert = data.alert as Alert | undefined;
    if (!alert) return { summary: s, offPage: false };
    index = s.items.findIndex((i) => i.assetId === alert.assetId);
    if (index >= 0) next = withAlert(s.items[index]!, alert);
  } else {
    return { summary: s, offPage: false };
  }
  if (index < 0 || !next) return { summary: s, offPage: true };
  const before = s.items[index]!;
  const items = s.items.slice();
  items[index] = next;
  return { summary: { ...s, items, totals: retotal(s.totals, before, next) }, offPage: false };
}
