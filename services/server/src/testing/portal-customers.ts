/**
 * Two customers with everything the portal shows (sites, an asset, a PBH
 * contract with an issued invoice and a credit note, a work order, a
 * customer admin who can sign in), made through the staff API as an admin
 * would. The isolation suite and the portal's browser walk share it.
 */
export type AdminCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export interface PortalCustomer {
  customerId: string;
  name: string;
  siteId: string;
  siteName: string;
  assetId: string;
  serialNumber: string;
  contractId: string;
  invoiceId: string;
  invoiceNumber: string;
  creditNoteId: string;
  workOrderId: string;
  /** The customer admin's id, e-mail and password. */
  userId: string;
  email: string;
  password: string;
}

const PERIOD = '2026-01';

/** Every customer of `names` with its data; invoices of January 2026 (closed long ago) are run once for all and issued. */
export async function seedPortalCustomers(call: AdminCall, names: readonly { name: string; tag: string }[]): Promise<PortalCustomer[]> {
  const model = await call<{ id: string }>('POST', '/asset-models', {
    code: `PORTAL-${Date.now().toString(36)}`,
    name: 'Screw compressor',
    runningRule: { kind: 'threshold', metric: 'rpm', above: 1 },
    maxGapSeconds: 600,
    warrantyMonths: 12,
    leadTimeHours: 48,
  });
  const made = [];
  for (const { name, tag } of names) {
    const customer = await call<{ id: string }>('POST', '/customers', { name, currency: 'EUR' });
    const siteName = `${name} main works`;
    const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: siteName, timezone: 'UTC' });
    const serialNumber = `${tag}-SN-0001`;
    const asset = await call<{ id: string }>('POST', '/assets', { serialNumber, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    const contract = await call<{ id: string }>('POST', '/contracts', {
      customerId: customer.id,
      assetIds: [asset.id],
      startsOn: '2026-01-01',
      endsOn: '2026-12-31',
      currency: 'EUR',
      // The minimum hours bill the period even without metered usage.
      terms: { kind: 'pbh', ratePerHourMinor: 1_500, minimumHoursPerPeriod: 100, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 1, capPercent: 5 } },
    });
    const workOrder = await call<{ id: string }>('POST', '/work-orders', { kind: 'corrective', assetId: asset.id, description: `${tag} bearing noise reported` });
    const email = `${tag.toLowerCase()}-admin@example.com`;
    const password = `${tag}-portal-password-1`;
    const user = await call<{ id: string }>('POST', '/users', { name: `${tag} Admin`, email, role: 'customer-admin', password, customerId: customer.id });
    made.push({ customerId: customer.id, name, siteId: site.id, siteName, assetId: asset.id, serialNumber, contractId: contract.id, workOrderId: workOrder.id, userId: user.id, email, password });
  }

  let run = await call<{ id: string; status: string; result: { outcomes: { contractId: string; invoiceId?: string }[] } }>('POST', '/invoice-runs', { period: PERIOD });
  for (const deadline = Date.now() + 30_000; run.status === 'running' && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
    run = await call('GET', `/invoice-runs/${run.id}`);
  }
  if (run.status !== 'succeeded') throw new Error(`invoice run ${run.id}: ${run.status} ${JSON.stringify(run.result)}`);

  const customers: PortalCustomer[] = [];
  for (const c of made) {
    const invoiceId = run.result.outcomes.find((o) => o.contractId === c.contractId)?.invoiceId;
    if (!invoiceId) throw new Error(`no invoice for ${c.name}: ${JSON.stringify(run.result)}`);
    const issued = await call<{ number: string }>('POST', `/invoices/${invoiceId}/issue`, {});
    const note = await call<{ id: string }>('POST', `/invoices/${invoiceId}/credit-notes`, { amountMinor: 1_000, reason: `${c.name}: goodwill for a late visit` });
    customers.push({ ...c, invoiceId, invoiceNumber: issued.number, creditNoteId: note.id });
  }
  return customers;
}
