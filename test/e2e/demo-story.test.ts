import { loadConfig } from '@hourmeter/runtime';
import { buildServer, type ServerHandle } from '@hourmeter/server';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ADMIN_KEY = 'hm_e2e_demo_story_admin_key_0123456789';
const DAY_MS = 86_400_000;

const monthStart = (now: number, back: number) => {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1)).toISOString().slice(0, 10);
};

interface Invoice {
  id: string;
  status: string;
  number?: string | null;
  periodStart: string;
  totalMinor: number;
  contractId: string;
}

/**
 * `npm start -- --demo` tells the whole story on one clock (issue #17 item 2):
 * built in-process, the first start gives the demo a past that ends now and
 * starts at commissioning, failure codes, stock across a warehouse chain,
 * completed orders with parts, and a power-by-the-hour contract with one
 * issued and one draft invoice.
 */
describe('the demo on one clock', () => {
  const dir = tempDir();
  let server: ServerHandle;
  const started = Date.now();
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.address}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    server = await buildServer(
      loadConfig({ HM_DATA_DIR: dir.path, HM_ADMIN_KEY: ADMIN_KEY, HM_HTTP_HOST: '127.0.0.1', HM_HTTP_PORT: '0', HM_MQTT_HOST: '127.0.0.1', HM_MQTT_PORT: '0', HM_LOG_LEVEL: 'silent' }),
      // A simulated day per second: the devices' backfill from yesterday's midnight is over in seconds.
      { demo: { speed: 86_400 } },
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    dir.cleanup();
  }, 60_000);

  it('issues one invoice and drafts the next for a PBH contract over the whole fleet, billed from the seeded hours', async () => {
    const customers = await api<{ items: { id: string; externalRef?: string }[] }>('/customers?limit=100');
    const customerId = customers.items.find((c) => c.externalRef === 'demo')!.id;
    let invoices: Invoice[] = [];
    await waitFor(
      'the demo story: an issued and a draft invoice',
      async () => {
        invoices = (await api<{ items: Invoice[] }>(`/invoices?customerId=${customerId}`)).items;
        return invoices.length >= 2;
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    const issued = invoices.find((i) => i.status === 'issued')!;
    const draft = invoices.find((i) => i.status === 'draft')!;
    expect(issued.periodStart).toBe(monthStart(started, 2));
    expect(issued.number).toMatch(/\d/);
    expect(draft.periodStart).toBe(monthStart(started, 1));

    // The charge follows the metered hours of the month: max(hours, 2,400 h minimum) at 4.50 an hour, before tax and credits.
    const usage = await api<{ totalMs: number }>(`/contracts/${issued.contractId}/usage?period=${issued.periodStart.slice(0, 7)}`);
    const hours = usage.totalMs / 3_600_000;
    expect(hours).toBeGreaterThan(6 * 28 * 17);
    const detail = await api<{ subtotalMinor?: number; lines: { kind: string; amountMinor: number }[] }>(`/invoices/${issued.id}`);
    const usageLines = detail.lines.filter((l) => l.kind !== 'credit' && l.amountMinor > 0);
    // Each asset's line is rounded to the cent on its own.
    expect(Math.abs(usageLines.reduce((n, l) => n + l.amountMinor, 0) - Math.max(hours, 2_400) * 450)).toBeLessThanOrEqual(usageLines.length);
  }, 300_000);

  it('has stock across the warehouse chain, and completed orders that used it with codes from the catalogue', async () => {
    const warehouses = (await api<{ items: { id: string; name: string; level: string; parentId?: string }[] }>('/warehouses')).items;
    expect(warehouses.map((w) => w.level).sort()).toEqual(['central', 'regional', 'regional', 'van', 'van']);
    const stock = (await api<{ items: { warehouseId: string; partId: string; onHand: number }[] }>('/stock')).items;
    expect(new Set(stock.filter((s) => s.onHand > 0).map((s) => s.warehouseId)).size).toBe(5);

    const orders = (await api<{ items: { id: string; state: string; assetId: string; kind: string }[] }>('/work-orders?state=completed&limit=200')).items;
    const live = orders.filter((o) => o.kind === 'corrective');
    const withParts: string[] = [];
    for (const o of live) {
      const c = await api<{ partsConsumed: { partNumber: string; quantity: number }[]; causeCode: string } | undefined>(`/work-orders/${o.id}/completion`).catch(() => undefined);
      if (c && c.partsConsumed.length > 0) withParts.push(o.id);
    }
    expect(withParts.length).toBeGreaterThanOrEqual(2);
    // Lena's van, which fitted the bearing kit, holds one of the two it was stocked with.
    const technicians = (await api<{ items: { name: string; vanWarehouseId: string }[] }>('/technicians')).items;
    const van = warehouses.find((w) => w.id === technicians.find((t) => t.name === 'Lena Vogel')!.vanWarehouseId)!;
    const parts = (await api<{ items: { id: string; partNumber: string }[] }>('/parts?limit=100')).items;
    const bearing = parts.find((p) => p.partNumber === 'CP200-BRG-KIT')!;
    expect(stock.find((s) => s.warehouseId === van.id && s.partId === bearing.id)?.onHand).toBe(1);
    // Orders were assigned to technician records, opened with the customer class's SLA, and a call waits in the queue.
    const assigned = await api<{ technicianId?: string; slaDueAt?: number }>(`/work-orders/${withParts[0]!}`);
    expect(assigned.technicianId).toMatch(/^tec_/);
    expect(assigned.slaDueAt).toBeGreaterThan(0);
    const requests = (await api<{ items: { state: string; channel: string }[] }>('/service-requests')).items;
    expect(requests.filter((r) => r.state === 'new' && r.channel === 'phone')).toHaveLength(1);
    // The story's key wrote as "Demo setup" and is revoked.
    const keys = (await api<{ items: { name: string; revokedAt: number | null }[] }>('/api-keys')).items;
    expect(keys.find((k) => k.name === 'Demo setup')?.revokedAt).not.toBeNull();
  }, 60_000);

  it('has nothing before commissioning, and telemetry that ends now', async () => {
    const assets = (await api<{ items: { id: string; commissionedOn: string }[] }>('/assets?limit=50')).items;
    expect(assets).toHaveLength(6);
    const commissioned = assets[0]!.commissionedOn;
    expect(commissioned).toBe(monthStart(started, 11));
    for (const a of assets) {
      const meter = await api<{ days: { day: string; hours: number }[] }>(`/assets/${a.id}/operating-hours?from=${monthStart(started, 12)}&to=${commissioned}`);
      expect(meter.days.filter((d) => d.hours > 0 && d.day < commissioned)).toEqual([]);
    }
    // Caught up with the clock: the newest reading of every asset is within a minute of now, none in the future.
    await waitFor(
      'every demo device to report the present',
      async () => {
        for (const a of assets) {
          const latest = await api<{ values: { ts: number }[] }>(`/assets/${a.id}/telemetry/latest`);
          const newest = Math.max(0, ...latest.values.map((v) => v.ts));
          if (newest < Date.now() - 60_000) return false;
          expect(newest).toBeLessThanOrEqual(Date.now() + 5_000);
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const first = Date.now() - 3 * DAY_MS;
    const days = await api<{ days: { day: string }[] }>(`/assets/${assets[0]!.id}/operating-hours?from=${new Date(first).toISOString().slice(0, 10)}`);
    expect(days.days.length).toBeGreaterThan(0);
  }, 90_000);
});
