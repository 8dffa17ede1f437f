/** Lookups several views share, loaded through the API client. */
import type { Alert, Asset, AssetModel, Customer, Device, RulEstimateRecord, Site } from '@hourmeter/domain';
import { all, get } from './api';

export interface Registry {
  assets: Asset[];
  sites: Map<string, Site>;
  customers: Map<string, Customer>;
  models: Map<string, AssetModel>;
  assetById: Map<string, Asset>;
}

export async function loadRegistry(): Promise<Registry> {
  const [assets, sites, customers, models] = await Promise.all([
    all<Asset>('/assets'),
    all<Site>('/sites'),
    all<Customer>('/customers'),
    all<AssetModel>('/asset-models'),
  ]);
  return {
    assets,
    sites: new Map(sites.map((s) => [s.id, s])),
    customers: new Map(customers.map((c) => [c.id, c])),
    models: new Map(models.map((m) => [m.id, m])),
    assetById: new Map(assets.map((a) => [a.id, a])),
  };
}

export function assetName(reg: Registry | undefined, id: string): string {
  const a = reg?.assetById.get(id);
  if (!a) return id;
  return `${a.serialNumber} (${reg?.models.get(a.assetModelId)?.code ?? 'model?'})`;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export interface ConnectionState {
  deviceId: string;
  online: boolean;
  lastSeenAt: number | null;
  connectedSince: number | null;
}

/** The reliability API's estimate of one asset and failure mode (GET /assets/:id/reliability). */
export interface ReliabilityEstimate {
  assetId: string;
  serialNumber: string;
  failureMode: string;
  status: 'estimated' | 'no_failures' | 'not_trained';
  modelVersion?: string;
  ageHours?: number;
  rulHours?: number;
  lowerHours?: number;
  upperHours?: number;
  projectedFailureAt?: number;
  leadTimeHours: number;
  failureProbability?: number;
}

/** Of an asset's estimates, the failure mode most likely to fail within the lead time (else the first, for its status). */
export function worstEstimate(list: readonly ReliabilityEstimate[]): ReliabilityEstimate | undefined {
  const estimated = list.filter((e) => e.status === 'estimated');
  if (estimated.length === 0) return list[0];
  return estimated.reduce((a, b) => ((b.failureProbability ?? 0) > (a.failureProbability ?? 0) ? b : a));
}

export interface AssetHealth {
  online: boolean | null;
  lastSeenAt: number | null;
  devices: Device[];
  rul: RulEstimateRecord | undefined;
  /** Population reliability: the riskiest failure mode's estimate, or why there is none. */
  risk: ReliabilityEstimate | undefined;
  openAlerts: number;
  worstSeverity: Alert['severity'] | undefined;
}

const ACTIVE = new Set(['open', 'acknowledged', 'confirmed']);
const RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;
export const severityRank = (s: Alert['severity']) => RANK[s];

export async function activeAlerts(query: Record<string, string> = {}): Promise<Alert[]> {
  const lists = await Promise.all(['open', 'acknowledged', 'confirmed'].map((state) => all<Alert>('/alerts', { ...query, state })));
  return lists.flat().filter((a) => ACTIVE.has(a.state));
}

/** Device status, newest RUL and active alerts of each asset. */
export async function loadHealth(assets: readonly Asset[]): Promise<Map<string, AssetHealth>> {
  const [devices, alerts] = await Promise.all([all<Device>('/devices', { status: 'active' }), activeAlerts()]);
  const statuses = new Map(
    (await mapLimit(devices, 6, (d) => get<ConnectionState>(`/devices/${d.id}/status`).catch(() => undefined))).flatMap((s) => (s ? [[s.deviceId, s] as const] : [])),
  );
  const ruls = await mapLimit(assets, 6, (a) =>
    get<{ items: RulEstimateRecord[] }>(`/assets/${a.id}/rul`, { limit: 1 }).then(
      (r) => r.items.at(-1),
      () => undefined,
    ),
  );
  // One call per asset model gives every asset's reliability estimates.
  const modelIds = [...new Set(assets.map((a) => a.assetModelId))];
  const estimates = (
    await mapLimit(modelIds, 4, (id) =>
      get<{ items: ReliabilityEstimate[] }>(`/asset-models/${id}/reliability/assets`).then(
        (r) => r.items,
        () => [],
      ),
    )
  ).flat();
  const out = new Map<string, AssetHealth>();
  assets.forEach((a, i) => {
    const ds = devices.filter((d) => d.assetId === a.id);
    const st = ds.map((d) => statuses.get(d.id)).filter((s): s is ConnectionState => s !== undefined);
    const mine = alerts.filter((x) => x.assetId === a.id);
    out.set(a.id, {
      online: ds.length === 0 ? null : st.some((s) => s.online),
      lastSeenAt: Math.max(0, ...st.map((s) => s.lastSeenAt ?? 0)) || null,
      devices: ds,
      rul: ruls[i],
      risk: worstEstimate(estimates.filter((e) => e.assetId === a.id)),
      openAlerts: mine.length,
      worstSeverity: mine.sort((x, y) => severityRank(y.severity) - severityRank(x.severity))[0]?.severity,
    });
  });
  return out;
}
