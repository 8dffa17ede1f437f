import type { DeviceCounters } from './device-link.js';

/** A device's ingest counters as the platform reports them (`GET /api/v1/devices/:id/ingest`). */
export interface PlatformIngestCounters {
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  refused?: number;
}

export interface CounterMismatch {
  deviceId: string;
  field: string;
  expected: string;
  actual: number;
}

/**
 * What the platform's ingest counters must read for a device, given what the
 * simulator did. Exact, except duplicates when a connection died with
 * readings in flight: those are resent and the platform may or may not have
 * had them already, so duplicates lie in [injected, injected + resent].
 */
export function expectedIngest(c: DeviceCounters, pending = 0): { accepted: number; duplicates: [number, number]; rejected: Record<string, number> } {
  const rejected: Record<string, number> = {};
  if (c.faults.malformed_json) rejected['MALFORMED_JSON'] = c.faults.malformed_json;
  if (c.faults.malformed_schema) rejected['INVALID_METRIC'] = c.faults.malformed_schema;
  if (c.faults.skew_future) rejected['FUTURE_TIMESTAMP'] = c.faults.skew_future;
  return {
    accepted: c.produced - pending - c.faults.skew_future,
    duplicates: [c.faults.duplicate, c.faults.duplicate + c.resent],
    rejected,
  };
}

export function compareIngest(deviceId: string, sim: DeviceCounters, platform: PlatformIngestCounters, pending = 0): CounterMismatch[] {
  const e = expectedIngest(sim, pending);
  const out: CounterMismatch[] = [];
  if (platform.accepted !== e.accepted) out.push({ deviceId, field: 'accepted', expected: String(e.accepted), actual: platform.accepted });
  if (platform.duplicates < e.duplicates[0] || platform.duplicates > e.duplicates[1]) {
    out.push({ deviceId, field: 'duplicates', expected: e.duplicates[0] === e.duplicates[1] ? String(e.duplicates[0]) : `${e.duplicates[0]}..${e.duplicates[1]}`, actual: platform.duplicates });
  }
  for (const code of new Set([...Object.keys(e.rejected), ...Object.keys(platform.rejected)])) {
    const want = e.rejected[code] ?? 0;
    const got = platform.rejected[code] ?? 0;
    if (want !== got) out.push({ deviceId, field: `rejected.${code}`, expected: String(want), actual: got });
  }
  if ((platform.refused ?? 0) !== 0) out.push({ deviceId, field: 'refused', expected: '0', actual: platform.refused ?? 0 });
  return out;
}

/** Counters accumulated between two snapshots: the platform counts since its start, a run since its own. */
export function ingestDelta(after: PlatformIngestCounters, before: PlatformIngestCounters | undefined): PlatformIngestCounters {
  if (!before) return after;
  const rejected: Record<string, number> = {};
  for (const [code, n] of Object.entries(after.rejected)) {
    const d = n - (before.rejected[code] ?? 0);
    if (d !== 0) rejected[code] = d;
  }
  return {
    accepted: after.accepted - before.accepted,
    duplicates: after.duplicates - before.duplicates,
    rejected,
    refused: (after.refused ?? 0) - (before.refused ?? 0),
  };
}
