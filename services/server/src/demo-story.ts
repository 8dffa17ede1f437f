import type { Logger } from '@hourmeter/runtime';
import { DEMO_FAILURE_MODES, demoFailureMode } from './demo-catalogue.js';
import { DEMO_MODELS, DEMO_REGIONS, monthStart } from './demo.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Response and fix hours per priority for each customer class: class A is served first. */
const SLA_HOURS: Record<'A' | 'B' | 'C', Record<'P1' | 'P2' | 'P3' | 'P4', [number, number]>> = {
  A: { P1: [4, 24], P2: [8, 48], P3: [24, 120], P4: [72, 240] },
  B: { P1: [8, 48], P2: [24, 72], P3: [48, 168], P4: [96, 336] },
  C: { P1: [24, 72], P2: [48, 120], P3: [96, 240], P4: [168, 480] },
};

/** 08:00 UTC of the working day (Monday to Friday) at or before `at`: inside a technician's default calendar. */
function workingMorning(at: number): number {
  let day = Math.floor(at / DAY_MS) * DAY_MS;
  while ([0, 6].includes(new Date(day).getUTCDay())) day -= DAY_MS;
  return day + 8 * HOUR_MS;
}

/** Calls the process's own API as an admin; throws with the problem's detail on a non-2xx answer. */
export type ApiCall = <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => Promise<T>;

export interface DemoStoryResult {
  warehouses: number;
  technicians: number;
  parts: number;
  completedOrders: number;
  contractId: string;
  issuedInvoiceId: string;
  draftInvoiceId: string;
}

interface DemoAsset {
  assetId: string;
  model: string;
}

/**
 * The rest of the demo's story, told through the API as a service
 * organisation would have lived it, so every role's screens have something
 * real on them at first sign-in: a warehouse chain (central, regional hubs,
 * vans) stocked with each failure mode's spare part and a transfer under way;
 * corrective orders completed with failure codes and parts; one planned for
 * next week; and a power-by-the-hour contract over the whole fleet with the
 * month before last issued and last month's invoice in draft. Every time is
 * relative to `now`; runs once, after the demo history gave the hour meter
 * its past.
 */
export async function seedDemoStory(deps: { call: ApiCall; customerId: string; assets: readonly DemoAsset[]; now: number; logger: Logger }): Promise<DemoStoryResult> {
  const { call, now } = deps;
  const log = deps.logger.child({ svc: 'demo-story' });
  const models = await call<{ items: { id: string; code: string }[] }>('GET', '/asset-models?limit=100');
  const modelId = (code: string) => models.items.find((m) => m.code === code)!.id;

  // A warehouse chain: the central store feeds two regional hubs; each hub replenishes its technician's van.
  const warehouse = (code: string, name: string, level: 'central' | 'regional', lat: number, lon: number, parentId?: string) =>
    call<{ id: string }>('POST', '/warehouses', { code, name, level, location: { lat, lon }, ...(parentId ? { parentId } : {}) });
  const central = await warehouse('DEMO-HAM', 'Hamburg central warehouse', 'central', 53.55, 9.99);
  const munich = await warehouse('DEMO-MUC', 'Munich service hub', 'regional', 48.18, 11.56, central.id);
  const lyon = await warehouse('DEMO-LYS', 'Lyon service hub', 'regional', 45.73, 4.87, central.id);

  // Two technicians: Lena is certified on every demo model, Hugo not on the gearbox (the dispatch board refuses him there).
  const technician = (name: string, email: string, home: { lat: number; lon: number }, serviceRegion: string, hub: string, models: readonly string[]) =>
    call<{ id: string; vanWarehouseId: string }>('POST', '/technicians', {
      name,
      email,
      home,
      serviceRegion,
      vanParentWarehouseId: hub,
      certifications: models.map((code) => ({ assetModelId: modelId(code), certification: `${code} service training` })),
    });
  const lena = await technician('Lena Vogel', 'lena.vogel@demo.hourmeter.local', { lat: 48.14, lon: 11.58 }, DEMO_REGIONS.munich, munich.id, DEMO_MODELS.map((m) => m.code));
  const hugo = await technician('Hugo Martin', 'hugo.martin@demo.hourmeter.local', { lat: 45.76, lon: 4.84 }, DEMO_REGIONS.lyon, lyon.id, ['DEMO-PUMP-CP200', 'DEMO-COMP-AC75']);

  // Promised response and fix times by customer class; the demo customer's orders get theirs when they are opened.
  for (const [customerClass, hours] of Object.entries(SLA_HOURS))
    for (const [priority, [response, fix]] of Object.entries(hours))
      await call('PUT', '/sla-entitlements', { customerClass, priority, responseMinutes: response * 60, fixMinutes: fix * 60 });

  // Each failure mode's spare part, fitting the demo models that fail of it.
  const fits = (failureMode: string) => DEMO_MODELS.filter((m) => m.prediction?.failureModes?.some((r) => r.failureMode === failureMode)).map((m) => modelId(m.code));
  const parts = new Map<string, string>();
  for (const m of DEMO_FAILURE_MODES) {
    const part = await call<{ id: string }>('POST', '/parts', {
      partNumber: m.part.partNumber,
      description: m.part.description,
      unitCost: { amountMinor: m.part.unitCostMinor, currency: 'EUR' },
      fitsAssetModelIds: fits(m.failureMode),
    });
    parts.set(m.part.partNumber, part.id);
  }
  const receive = (warehouseId: string, partNumber: string, quantity: number) =>
    call('POST', '/stock/movements', { warehouseId, partId: parts.get(partNumber)!, kind: 'receipt', quantity });
  for (const m of DEMO_FAILURE_MODES) {
    await receive(central.id, m.part.partNumber, 24);
    await receive(munich.id, m.part.partNumber, 4);
    await receive(lyon.id, m.part.partNumber, 2);
  }
  // Vans carry the fast movers only.
  for (const van of [lena.vanWarehouseId, hugo.vanWarehouseId]) for (const pn of ['CP200-BRG-KIT', 'CP200-SEAL-KIT']) await receive(van, pn, 2);
  // Lyon's valve kits run low: two more are on their way from Hamburg.
  const transfer = await call<{ id: string }>('POST', '/transfers', { partId: parts.get('AC75-VALVE-KIT')!, fromWarehouseId: central.id, toWarehouseId: lyon.id, quantity: 2 });
  await call('POST', `/transfers/${transfer.id}/ship`);

  // Corrective orders of the last weeks, each fixed on the first visit with its codes and part, by an assigned technician.
  const completed = [
    { asset: deps.assets[0]!, failureMode: 'bearing_wear', daysAgo: 12, technician: lena, from: lena.vanWarehouseId, labourHours: 3, travelHours: 0.5 },
    { asset: deps.assets.find((a) => a.model.includes('COMP'))!, failureMode: 'valve_wear', daysAgo: 6, technician: hugo, from: lyon.id, labourHours: 4.5, travelHours: 1 },
  ];
  for (const c of completed) {
    const codes = demoFailureMode(c.failureMode);
    const downFrom = workingMorning(now - c.daysAgo * DAY_MS);
    const order = await call<{ id: string }>('POST', '/work-orders', {
      kind: 'corrective',
      assetId: c.asset.assetId,
      failureMode: c.failureMode,
      severity: 'high',
      description: `${codes.symptom.description}; the operator stopped the machine`,
    });
    await call('POST', `/work-orders/${order.id}/assign`, { technicianId: c.technician.id, windowFrom: downFrom + HOUR_MS, windowTo: downFrom + 5 * HOUR_MS });
    await call('POST', `/work-orders/${order.id}/start`);
    await call('POST', `/work-orders/${order.id}/complete`, {
      symptomCode: codes.symptom.code,
      causeCode: codes.cause.code,
      remedyCode: codes.remedy.code,
      responsibleDepartment: 'none',
      partsConsumed: [{ partNumber: codes.part.partNumber, quantity: 1, warehouseId: c.from }],
      labourHours: c.labourHours,
      travelHours: c.travelHours,
      downtimeFrom: downFrom,
      downtimeTo: downFrom + (c.labourHours + 3) * HOUR_MS,
      fixedOnFirstVisit: true,
    });
  }
  // Next week's inspection, assigned to Lena.
  const inspection = await call<{ id: string }>('POST', '/work-orders', { kind: 'inspection', assetId: deps.assets.at(-1)!.assetId, description: 'Annual inspection: alignment, oil, couplings' });
  const nextWeek = workingMorning(now + 7 * DAY_MS);
  await call('POST', `/work-orders/${inspection.id}/assign`, { technicianId: lena.id, windowFrom: nextWeek, windowTo: nextWeek + 4 * HOUR_MS });
  // A call from the Lyon plant this morning, waiting in the planner's queue.
  const gearbox = deps.assets.find((a) => a.model.includes('GBX') && a !== deps.assets[0]) ?? deps.assets.at(-1)!;
  await call('POST', '/service-requests', { assetId: gearbox.assetId, symptom: 'Knocking noise from the gearbox under full load', contact: 'Claire Dubois, shift lead, +33 4 72 00 00 00', channel: 'phone' });

  // Power by the hour over the whole fleet since the month before last: that month issued, last month in draft.
  const startsOn = monthStart(now, 2);
  const contract = await call<{ id: string }>('POST', '/contracts', {
    customerId: deps.customerId,
    assetIds: deps.assets.map((a) => a.assetId),
    startsOn,
    endsOn: `${Number(startsOn.slice(0, 4)) + 3}-${startsOn.slice(5, 7)}-01`,
    currency: 'EUR',
    terms: {
      kind: 'pbh',
      ratePerHourMinor: 4_50,
      minimumHoursPerPeriod: 2_400,
      availabilityGuaranteePercent: 97,
      creditSchedule: { stepPoints: 0.5, percentPerStep: 1, capPercent: 10 },
    },
  });
  const issuedInvoiceId = await invoiceOf(call, contract.id, startsOn.slice(0, 7));
  await call('POST', `/invoices/${issuedInvoiceId}/issue`);
  const draftInvoiceId = await invoiceOf(call, contract.id, monthStart(now, 1).slice(0, 7));

  const result = { warehouses: 5, technicians: 2, parts: parts.size, completedOrders: completed.length, contractId: contract.id, issuedInvoiceId, draftInvoiceId };
  log.info(result, 'demo story told: stock, completed orders, a PBH contract with an issued and a draft invoice');
  return result;
}

/** Runs the invoice run of `period` and returns the contract's invoice from it. */
async function invoiceOf(call: ApiCall, contractId: string, period: string): Promise<string> {
  let run = await call<{ id: string; status: string; result?: { outcomes: { contractId: string; invoiceId?: string }[] } }>('POST', '/invoice-runs', { period });
  // The run is a background job; it answers within seconds for the demo's six assets.
  for (let i = 0; run.status === 'running' && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    run = await call('GET', `/invoice-runs/${run.id}`);
  }
  const invoiceId = run.result?.outcomes.find((o) => o.contractId === contractId)?.invoiceId;
  if (run.status !== 'succeeded' || !invoiceId) throw new Error(`the demo's invoice run for ${period} did not produce an invoice: ${JSON.stringify(run)}`);
  return invoiceId;
}
