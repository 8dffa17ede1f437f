import {
  AssetInput,
  AssetModelInput,
  CustomerBilling,
  CustomerInput,
  ProductionBatchInput,
  PredictionSettings,
  RunningRule,
  SiteInput,
  type Asset,
  type AssetModel,
  type Customer,
  type ProductionBatch,
  type Site,
} from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { crudRepository, type EntitySpec, type Executor } from './crud.js';
import { promptnessOf, todayUtc } from './receivables.js';

type Row = Record<string, unknown>;
const str = (v: unknown) => v as string;
const num = (v: unknown) => Number(v);
const opt = <T>(v: unknown, f: (x: unknown) => T): T | undefined => (v === null || v === undefined ? undefined : f(v));
const stamps = (r: Row) => ({ createdAt: num(r.created_at), updatedAt: num(r.updated_at) });

export const customerSpec: EntitySpec<Customer, CustomerInput, { currency: string }> = {
  table: 'customers',
  idKind: 'customer',
  label: 'customer',
  parseInput: (m) => CustomerInput.parse(m),
  // The on-time payment rate is computed from the customer's payments (a new
  // customer has none: 1), never taken from the input.
  toRow: async (c, tx, id) => ({
    name: c.name,
    currency: c.currency,
    external_ref: c.externalRef ?? null,
    annual_revenue_minor: c.value.annualRevenueMinor,
    on_time_payment_rate: await promptnessOf(tx, id, todayUtc()),
    customer_since: c.value.customerSince ?? null,
    annual_cost_to_serve_minor: c.value.annualCostToServeMinor,
    size: c.value.size,
    influence: c.value.influence,
    billing: c.billing ? JSON.stringify(c.billing) : null,
    time_zone: c.timeZone ?? 'UTC',
  }),
  fromRow: (r) => ({
    id: str(r.id),
    name: str(r.name),
    currency: str(r.currency),
    externalRef: opt(r.external_ref, str),
    value: {
      annualRevenueMinor: num(r.annual_revenue_minor),
      onTimePaymentRate: num(r.on_time_payment_rate),
      customerSince: opt(r.customer_since, str),
      annualCostToServeMinor: num(r.annual_cost_to_serve_minor),
      size: str(r.size) as Customer['value']['size'],
      influence: num(r.influence),
    },
    billing: opt(r.billing, (b) => CustomerBilling.parse(JSON.parse(str(b)))),
    timeZone: str(r.time_zone ?? 'UTC'),
    ...stamps(r),
  }),
  filters: { currency: 'currency' },
};

export const siteSpec: EntitySpec<Site, SiteInput, { customerId: string }> = {
  table: 'sites',
  idKind: 'site',
  label: 'site',
  parseInput: (m) => SiteInput.parse(m),
  references: (s) => [{ table: 'customers', id: s.customerId, field: 'customerId', label: 'customer' }],
  toRow: (s) => ({
    customer_id: s.customerId,
    name: s.name,
    address: s.address ?? null,
    lat: s.location?.lat ?? null,
    lon: s.location?.lon ?? null,
    timezone: s.timezone,
    service_region: s.serviceRegion ?? null,
  }),
  fromRow: (r) => ({
    id: str(r.id),
    customerId: str(r.customer_id),
    name: str(r.name),
    address: opt(r.address, str),
    location: r.lat === null || r.lon === null ? undefined : { lat: num(r.lat), lon: num(r.lon) },
    timezone: str(r.timezone),
    serviceRegion: opt(r.service_region, str),
    ...stamps(r),
  }),
  filters: { customerId: 'customer_id' },
};

export const assetModelSpec: EntitySpec<AssetModel, AssetModelInput, { code: string }> = {
  table: 'asset_models',
  idKind: 'assetModel',
  label: 'asset model',
  parseInput: (m) => AssetModelInput.parse(m),
  toRow: (m) => ({
    code: m.code,
    name: m.name,
    manufacturer: m.manufacturer ?? null,
    running_rule: JSON.stringify(m.runningRule),
    max_gap_seconds: m.maxGapSeconds,
    warranty_months: m.warrantyMonths,
    lead_time_hours: m.leadTimeHours,
    prediction: JSON.stringify(m.prediction ?? {}),
    repeat_window_days: m.repeatWindowDays ?? null,
  }),
  fromRow: (r) => ({
    id: str(r.id),
    code: str(r.code),
    name: str(r.name),
    manufacturer: opt(r.manufacturer, str),
    runningRule: RunningRule.parse(JSON.parse(str(r.running_rule))),
    maxGapSeconds: num(r.max_gap_seconds),
    warrantyMonths: num(r.warranty_months),
    leadTimeHours: num(r.lead_time_hours),
    prediction: PredictionSettings.parse(JSON.parse(str(r.prediction))),
    ...(r.repeat_window_days === null || r.repeat_window_days === undefined ? {} : { repeatWindowDays: num(r.repeat_window_days) }),
    ...stamps(r),
  }),
  filters: { code: 'code' },
};

export const productionBatchSpec: EntitySpec<ProductionBatch, ProductionBatchInput, { assetModelId: string }> = {
  table: 'production_batches',
  idKind: 'productionBatch',
  label: 'production batch',
  parseInput: (m) => ProductionBatchInput.parse(m),
  references: (b) => [{ table: 'asset_models', id: b.assetModelId, field: 'assetModelId', label: 'asset model' }],
  toRow: (b) => ({
    asset_model_id: b.assetModelId,
    code: b.code,
    produced_on: b.producedOn,
    unit_count: b.unitCount,
    quality_reserve_minor: b.qualityReserve.amountMinor,
    currency: b.qualityReserve.currency,
  }),
  fromRow: (r) => ({
    id: str(r.id),
    assetModelId: str(r.asset_model_id),
    code: str(r.code),
    producedOn: str(r.produced_on),
    unitCount: num(r.unit_count),
    qualityReserve: { amountMinor: num(r.quality_reserve_minor), currency: str(r.currency) },
    ...stamps(r),
  }),
  filters: { assetModelId: 'asset_model_id' },
};

/** Adds whole months to an ISO date, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

async function assetRow(a: AssetInput, tx: Executor): Promise<Row> {
  const model = await tx
    .selectFrom('asset_models')
    .select(['warranty_months'])
    .where('id', '=', a.assetModelId)
    .executeTakeFirstOrThrow();
  if (a.productionBatchId) {
    const batch = await tx
      .selectFrom('production_batches')
      .select(['asset_model_id'])
      .where('id', '=', a.productionBatchId)
      .executeTakeFirstOrThrow();
    if (batch.asset_model_id !== a.assetModelId) {
      throw new AppError(
        'VALIDATION_FAILED',
        `productionBatchId: batch ${a.productionBatchId} built asset model ${batch.asset_model_id}, not ${a.assetModelId}`,
        { field: 'productionBatchId' },
      );
    }
  }
  const warrantyEndsOn = a.warrantyEndsOn ?? addMonths(a.commissionedOn, model.warranty_months);
  if (warrantyEndsOn < a.commissionedOn) {
    throw new AppError('VALIDATION_FAILED', 'warrantyEndsOn: must not be before commissionedOn', { field: 'warrantyEndsOn' });
  }
  return {
    serial_number: a.serialNumber,
    asset_model_id: a.assetModelId,
    production_batch_id: a.productionBatchId ?? null,
    site_id: a.siteId,
    commissioned_on: a.commissionedOn,
    warranty_ends_on: warrantyEndsOn,
    status: a.status,
  };
}

export interface AssetFilters {
  siteId: string;
  assetModelId: string;
  productionBatchId: string;
  status: string;
  serialNumber: string;
  customerId: string;
}

export const assetSpec: EntitySpec<Asset, AssetInput, AssetFilters> = {
  table: 'assets',
  idKind: 'asset',
  label: 'asset',
  parseInput: (m) => AssetInput.parse(m),
  references: (a) => [
    { table: 'asset_models', id: a.assetModelId, field: 'assetModelId', label: 'asset model' },
    { table: 'production_batches', id: a.productionBatchId, field: 'productionBatchId', label: 'production batch' },
    { table: 'sites', id: a.siteId, field: 'siteId', label: 'site' },
  ],
  toRow: assetRow,
  fromRow: (r) => ({
    id: str(r.id),
    serialNumber: str(r.serial_number),
    assetModelId: str(r.asset_model_id),
    productionBatchId: opt(r.production_batch_id, str),
    siteId: str(r.site_id),
    commissionedOn: str(r.commissioned_on),
    warrantyEndsOn: str(r.warranty_ends_on),
    status: str(r.status) as Asset['status'],
    ...stamps(r),
  }),
  filters: {
    siteId: 'site_id',
    assetModelId: 'asset_model_id',
    productionBatchId: 'production_batch_id',
    status: 'status',
    serialNumber: 'serial_number',
    customerId: (qb, customerId) =>
      qb.where('site_id', 'in', (eb: ExpressionBuilder<Database, 'assets'>) =>
        eb.selectFrom('sites').select('id').where('customer_id', '=', customerId),
      ),
  },
};

export function registryRepositories(db: Kysely<Database>) {
  return {
    customers: crudRepository(db, customerSpec),
    sites: crudRepository(db, siteSpec),
    assetModels: crudRepository(db, assetModelSpec),
    productionBatches: crudRepository(db, productionBatchSpec),
    assets: crudRepository(db, assetSpec),
  };
}
