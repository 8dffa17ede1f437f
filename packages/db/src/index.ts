export { openDb, snapshotSqlite, type Db, type DialectName, type OpenDbOptions } from './connect.js';
export type { Database } from './schema.js';
export type { Page, ListOptions } from './repositories/crud.js';
export { registryRepositories, addMonths, type AssetFilters } from './repositories/registry.js';
export { deviceRepository, type DeviceRepository, type DeviceAuthRecord } from './repositories/devices.js';
export {
  operatingHoursRepository,
  type OperatingHoursRepository,
  type DailyOperatingTime,
  type DailyTotalInput,
} from './repositories/operating-hours.js';
export { workOrderFactsRepository } from './repositories/work-order-facts.js';
export {
  workOrderRepository,
  ACTIVE_STATES,
  type WorkOrderRepository,
  type WorkOrderFilters,
  type CompletionRecord,
  type ReserveStanding,
  type ReserveEventKind,
  type TransitionInput as WorkOrderTransitionInput,
  type CreateOptions as WorkOrderCreateOptions,
} from './repositories/work-orders.js';
export {
  partsRepository,
  applyMovement,
  type PartsRepository,
  type StockLevel,
  type MovementInput,
  type SourcingPlan,
  type PartRequestInput,
} from './repositories/parts.js';
export { serviceId } from './repositories/service-ids.js';
export { apiKeyRepository, type ApiKeyRepository, type AuthenticatedKey } from './repositories/api-keys.js';
export { userRepository, type UserRepository, type NewUser, type LockoutPolicy, type SessionRecord } from './repositories/users.js';
export { alertRepository, type AlertRepository, type AlertFilters, type RaiseAlertInput, type TransitionInput } from './repositories/alerts.js';
export { rulEstimateRepository, type RulEstimateRepository, type RulHistoryQuery } from './repositories/rul-estimates.js';
export {
  rulModelRepository,
  type RulModelRepository,
  type RulModelRecord,
  type RulModelWithJson,
  type RulModelMetrics,
  type RulModelStatus,
  type NewRulModel,
} from './repositories/rul-models.js';

import type { Db } from './connect.js';
import { alertRepository } from './repositories/alerts.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { userRepository } from './repositories/users.js';
import { rulEstimateRepository } from './repositories/rul-estimates.js';
import { rulModelRepository } from './repositories/rul-models.js';
import { deviceRepository } from './repositories/devices.js';
import { operatingHoursRepository } from './repositories/operating-hours.js';
import { registryRepositories } from './repositories/registry.js';
import { partsRepository } from './repositories/parts.js';
import { workOrderRepository } from './repositories/work-orders.js';
import { reliabilityRepository } from './repositories/reliability.js';
export { historyImportRepository, type HistoryImportRepository, type HistoricalOrder } from './repositories/history-import.js';
import { historyImportRepository } from './repositories/history-import.js';
export { fleetSummaryRepository, type FleetSummaryRepository, type FleetAssetFacts, type FleetFilters, type FleetSite } from './repositories/fleet-summary.js';
import { fleetSummaryRepository } from './repositories/fleet-summary.js';
export { technicianRepository, type TechnicianRepository, type TechnicianFilters, type DispatchOrder, type FieldServiceFact } from './repositories/technicians.js';
import { technicianRepository } from './repositories/technicians.js';
export { portalRepository, type PortalRepository, type PortalWorkOrder, type PortalAlert } from './repositories/portal.js';
import { portalRepository } from './repositories/portal.js';

export {
  contractRepository,
  previousDay,
  ownerOn,
  type AssetFacts,
  type OwnerChange,
  type ContractRepository,
  type ContractFilters,
} from './repositories/contracts.js';
export {
  billingRepository,
  type BillingRepository,
} from './repositories/billing.js';
export { receivablesRepository, todayUtc, type ReceivablesRepository, type Receivable } from './repositories/receivables.js';
import { receivablesRepository } from './repositories/receivables.js';
export { leadsRepository, monthOf, type LeadsRepository, type LeadFilters, type LeadDecisionPatch, type StoredMonthFacts } from './repositories/leads.js';
import { leadsRepository } from './repositories/leads.js';
export { ratesRepository, rateToE8, type RatesRepository } from './repositories/rates.js';
import { ratesRepository } from './repositories/rates.js';
import { billingRepository } from './repositories/billing.js';
import { partitionLeaseRepository } from './repositories/partition-leases.js';
import { deviceConnectionRepository } from './repositories/device-connections.js';
import { contractRepository } from './repositories/contracts.js';
import { workOrderFactsRepository } from './repositories/work-order-facts.js';
import { outboxRepository } from './repositories/outbox.js';
import { serviceProductRepository } from './repositories/service-products.js';
import { slaRiskRepository } from './repositories/sla-risk.js';
import { webhookRepository } from './repositories/webhooks.js';
import { notificationRepository } from './repositories/notifications.js';
import { idempotencyKeyRepository } from './repositories/idempotency-keys.js';
import { fieldSlaRepository } from './repositories/field-sla.js';
import { serviceRequestRepository } from './repositories/service-requests.js';
import { fieldQualityRepository } from './repositories/field-quality.js';

/** Every repository over one open store. */
export function repositories(db: Db) {
  return {
    ...registryRepositories(db.kysely),
    devices: deviceRepository(db.kysely),
    apiKeys: apiKeyRepository(db.kysely),
    users: userRepository(db.kysely),
    operatingHours: operatingHoursRepository(db.kysely),
    workOrders: workOrderRepository(db.kysely),
    workOrderFacts: workOrderFactsRepository(db.kysely),
    spareParts: partsRepository(db.kysely),
    fieldQuality: fieldQualityRepository(db.kysely),
    alerts: alertRepository(db.kysely),
    rulEstimates: rulEstimateRepository(db.kysely),
    rulModels: rulModelRepository(db.kysely),
    contracts: contractRepository(db.kysely),
    billing: billingRepository(db.kysely),
    receivables: receivablesRepository(db.kysely),
    leads: leadsRepository(db.kysely),
    rates: ratesRepository(db.kysely),
    partitionLeases: partitionLeaseRepository(db.kysely),
    deviceConnections: deviceConnectionRepository(db.kysely),
    reliability: reliabilityRepository(db.kysely),
    outbox: outboxRepository(db.kysely),
    slaRisk: slaRiskRepository(db.kysely),
    serviceProducts: serviceProductRepository(db.kysely),
    webhooks: webhookRepository(db.kysely),
    notifications: notificationRepository(db.kysely),
    historyImport: historyImportRepository(db.kysely),
    fleetSummary: fleetSummaryRepository(db.kysely),
    portal: portalRepository(db.kysely),
    idempotencyKeys: idempotencyKeyRepository(db.kysely),
    fieldSla: fieldSlaRepository(db.kysely),
    serviceRequests: serviceRequestRepository(db.kysely),
    technicians: technicianRepository(db.kysely),
  };
}
export type Repositories = ReturnType<typeof repositories>;
export {
  reliabilityRepository,
  type ReliabilityRepository,
  type ReliabilityModelRecord,
  type ReliabilityModelStatus,
  type NewReliabilityModel,
  type PopulationAsset,
  type LifeEndingOrder,
} from './repositories/reliability.js';
export { partitionLeaseRepository, type PartitionLeaseRepository } from './repositories/partition-leases.js';
export {
  deviceConnectionRepository,
  type DeviceConnectionRepository,
  type StoredDeviceConnection,
  type ConnectionRecord,
} from './repositories/device-connections.js';
export {
  readSqliteCatalog,
  migrationCatalog,
  foreignKeyOrder,
  knownMigrations,
  type CatalogTable,
  type CatalogColumn,
} from './catalog.js';
export { appendToOutbox, outboxRepository, type OutboxRepository, type OutboxEnvelope } from './repositories/outbox.js';
export {
  serviceProductRepository,
  type ServiceProductRepository,
  type ServiceProductRecord,
  type ServiceProductFields,
  type ServiceProductKind,
  type ServiceQuoteRecord,
  type ServiceQuoteStatus,
  type NewServiceQuote,
} from './repositories/service-products.js';
export { slaRiskRepository, type SlaRiskRepository, type SlaRiskSignal } from './repositories/sla-risk.js';
export {
  webhookRepository,
  subscribesTo,
  type WebhookRepository,
  type WebhookSubscription,
  type WebhookSubscriptionInput,
  type WebhookDelivery,
  type WebhookAttempt,
  type ClaimedDelivery,
  type AttemptOutcome,
  type RetryDecision,
  type DeliveryStatus,
} from './repositories/webhooks.js';
export {
  notificationRepository,
  type NotificationRepository,
  type NotificationRecipient,
  type NotificationRecipientInput,
  type NotificationMessage,
  type NotificationMode,
  type MessageStatus,
  type PlannedMessage,
  type DisplayNames,
} from './repositories/notifications.js';
export { idempotencyKeyRepository, DEFAULT_IDEMPOTENCY, type IdempotencyKeyRepository, type IdempotencyClaim, type IdempotencyOptions } from './repositories/idempotency-keys.js';
export { fieldSlaRepository, type FieldSlaRepository, type SlaOrderFacts, type EntitlementOwner } from './repositories/field-sla.js';
export {
  serviceRequestRepository,
  type ServiceRequestRepository,
  type ServiceRequestFilters,
  type NewServiceRequest,
  type RequestFact,
  type ServicedAssetFact,
} from './repositories/service-requests.js';
