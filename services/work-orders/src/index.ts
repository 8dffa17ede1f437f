export { createWorkOrderService, type WorkOrderService, type WorkOrderServiceDeps, type WorkOrderRepos, type QueueItem } from './service.js';
export { createReportService, REPORT_NAMES, type ReportName, type ReportResult, type ReportService } from './report-service.js';
export { workOrderRoutes, type WorkOrderRouteDeps } from './routes.js';
export { DEFAULT_WORK_ORDER_CONFIG, type WorkOrderConfig } from './config.js';
export type {
  OpenPreventiveRequest,
  PreventiveOrders,
  MaintenanceCommandSender,
  ContractCoverage,
  CostRateSource,
  PartsReservations,
  CompletionListener,
} from './ports.js';
export { NO_CONTRACT_COVERAGE } from './ports.js';
export * from './core/value-index.js';
export * from './core/allocation.js';
export * from './core/lifecycle.js';
export * from './core/reports.js';
export { scheduleDue } from './core/schedules.js';
export { toCsv } from './core/csv.js';
export { importMaintenanceHistory, historyImportRoutes, type HistoryImportResult, type HistoryRouteDeps } from './history-import.js';
export { parseMaintenanceHistory, describeRowErrors, HISTORY_COLUMNS, type HistoryRow, type RowError } from './core/history-csv.js';
export { createSlaService, slaView, type SlaService, type SlaView } from './sla-service.js';
export { createRequestService, type RequestService } from './request-service.js';
export { fieldServiceRoutes, type FieldServiceRouteDeps } from './field-service-routes.js';
export { portalRequestRoutes } from './portal-request-routes.js';
export type { InvoiceOwners } from './ports.js';
export * from './core/sla-clock.js';
export * from './core/request-kpis.js';
export { createDispatchService, type DispatchService, type DispatchServiceDeps, type TechnicianDay, type BoardOrder, type PlanEntry } from './dispatch-service.js';
export { dispatchRoutes, type DispatchRouteDeps } from './dispatch-routes.js';
export * from './core/dispatch.js';
export * from './core/field-kpis.js';
export { createLeadService, type LeadService, type LeadServiceDeps, type CustomerValuePorts, type LeadReportRow, type RankedCustomer } from './leads-service.js';
export { leadRoutes, type LeadRouteDeps } from './lead-routes.js';
export { DEFAULT_DATA_VALUE_INDEX, type DataValueIndexConfig } from './core/customer-value.js';
