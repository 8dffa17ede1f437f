export { createContractsService, type ContractsService, type ContractsDeps, type RunResult, type RunOutcome } from './service.js';
export { contractRoutes, type ContractRouteDeps } from './routes.js';
export { portalBillingRoutes } from './portal-routes.js';
export type * from './ports.js';
export { staticWorkOrderFacts } from './adapters/static.js';
export { invoiceHtml, invoiceCsv } from './render.js';
export { halfEven, priceOfMs } from './core/money.js';
export { computeInvoice } from './core/invoice.js';
export { availability, creditBasisPoints, rateOn } from './core/terms.js';
