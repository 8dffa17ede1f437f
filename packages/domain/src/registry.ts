import { z } from 'zod';
import { idOf } from './ids.js';
import { Currency, NonNegativeMoney } from './money.js';
import { CustomerBilling } from './receivables.js';
import { EpochMs, IsoDate } from './time.js';
import { TimeZone } from './zoned-days.js';

const Name = z.string().trim().min(1).max(200);
const Code = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'letters, digits and . _ / - only');

/** Fields every stored entity carries. */
const Stored = { createdAt: EpochMs, updatedAt: EpochMs };

// ---------------------------------------------------------------- customer

/**
 * Inputs of the customer value index, which orders the service queue when
 * capacity is short (docs/domain.md, "Work orders"): revenue and on-time payment, loyalty, cost to
 * serve, size and influence. The index itself is computed by work orders with
 * configurable weights; only the raw inputs live on the customer.
 */
export const CustomerValueInputs = z.object({
  annualRevenueMinor: z.int().nonnegative().default(0),
  onTimePaymentRate: z.number().min(0).max(1).default(1),
  /** Customer since (loyalty). */
  customerSince: IsoDate.optional(),
  annualCostToServeMinor: z.int().nonnegative().default(0),
  size: z.enum(['small', 'medium', 'large', 'key-account']).default('medium'),
  /** 0..1: reference customer, opinion leader in its market. */
  influence: z.number().min(0).max(1).default(0),
});
export type CustomerValueInputs = z.infer<typeof CustomerValueInputs>;

export const CustomerInput = z.object({
  name: Name,
  /** Currency the customer is billed in. */
  currency: Currency,
  externalRef: z.string().max(100).optional(),
  value: CustomerValueInputs.default(CustomerValueInputs.parse({})),
  /** Who receives the invoices and how they are taxed and due; without it invoices carry no tax and the default terms. */
  billing: CustomerBilling.optional(),
  /**
   * IANA zone of the customer's clock: contracts whose site is left at UTC
   * meter, bill and measure availability on it (issue #16, rule 12). Absent: UTC.
   */
  timeZone: TimeZone.optional(),
});
export type CustomerInput = z.infer<typeof CustomerInput>;

/**
 * A customer as the API accepts it: the on-time payment rate is computed from
 * the customer's payments (see receivables), so a request that sets it is refused.
 */
export const CustomerWriteInput = CustomerInput.extend({
  value: CustomerValueInputs.extend({
    onTimePaymentRate: z.never({ error: 'computed from the customer’s payments against its invoices; it cannot be set' }).optional(),
  }).default({ annualRevenueMinor: 0, annualCostToServeMinor: 0, size: 'medium', influence: 0 }),
});

export const Customer = CustomerInput.extend({ id: idOf('customer'), ...Stored });
export type Customer = z.infer<typeof Customer>;

// ---------------------------------------------------------------- site

export const GeoLocation = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const SiteInput = z.object({
  customerId: idOf('customer'),
  name: Name,
  address: z.string().max(500).optional(),
  location: GeoLocation.optional(),
  /** IANA zone, for shift calendars and daily totals in local time. */
  timezone: TimeZone.default('UTC'),
  /** The service region whose labour and travel rate card applies to work at this site (none: the organisation's). */
  serviceRegion: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ - only').optional(),
});
export type SiteInput = z.infer<typeof SiteInput>;
export const Site = SiteInput.extend({ id: idOf('site'), ...Stored });
export type Site = z.infer<typeof Site>;

// ---------------------------------------------------------------- asset model

/** A metric name as devices publish it: `vibration_rms`, `bearing.temp_c`. */
const RESERVED_METRIC_NAMES = new Set(['time', 'asset_id', 'device_id']);

export const MetricName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_.]*$/, 'lower-case letters, digits, _ and . starting with a letter')
  // InfluxDB answers 204 to a field named `time` but stores nothing under it,
  // and a field named like one of the store's tags (asset_id, device_id)
  // makes every query for that asset come back empty: refused here, before any store sees them.
  .refine((name) => !RESERVED_METRIC_NAMES.has(name), {
    error: (issue) => `"${String(issue.input)}" is a reserved name (InfluxDB keeps time, asset_id and device_id for itself); rename the metric`,
  });

/**
 * How the hour meter tells that an asset of this model is running: a boolean
 * metric, a numeric metric above a threshold (e.g. rpm > 100), or the device's
 * own operating-hours counter.
 */
export const RunningRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('boolean'), metric: MetricName }),
  z.object({ kind: z.literal('threshold'), metric: MetricName, above: z.number() }),
  z
    .object({
      kind: z.literal('counter'),
      metric: MetricName,
      unit: z.enum(['hours', 'seconds']).default('hours'),
      resolution: z
        .number()
        .positive()
        .optional()
        .describe("the counter's step in its unit (whole hours: 1, J1939 engine hours: 0.05); default 1, at most one day"),
    })
    // A step is the slack allowed on top of elapsed time: a larger one would let any jump bill as running.
    .refine((r) => r.resolution === undefined || r.resolution * (r.unit === 'hours' ? 3_600 : 1) <= 86_400, {
      message: 'at most one day',
      path: ['resolution'],
    }),
]);
export type RunningRule = z.infer<typeof RunningRule>;

/**
 * How prediction reads this product line's signals, set by its reliability
 * engineers: the operating regime a baseline is learned per (a load metric
 * and its bin edges, the running state, or one regime), which metrics indicate
 * which failure mode (glob patterns, first match wins, before the built-in
 * defaults), the spare parts a preventive order for a failure mode suggests,
 * and metrics never to monitor.
 */
export const PredictionSettings = z.object({
  regime: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('single') }),
      z.object({ kind: z.literal('metric'), metric: MetricName, edges: z.array(z.number()).min(1).max(50) }),
      z.object({ kind: z.literal('running'), metric: MetricName, above: z.number().optional() }),
    ])
    .optional(),
  failureModes: z
    .array(z.object({ pattern: z.string().min(1).max(64).regex(/^[a-z0-9_.*]+$/), failureMode: z.string().min(1).max(64) }))
    .max(100)
    .optional(),
  suggestedParts: z.record(z.string().min(1).max(64), z.array(z.string().min(1).max(40)).max(20)).optional(),
  ignoreMetrics: z.array(z.string().min(1).max(64)).max(100).optional(),
  /**
   * What a corrective repair of a failure mode restores, for the reliability
   * model: `as_good_as_new` (the component is renewed; the default) or
   * `minimal_repair` (the unit goes on at the age it failed at).
   */
  repairRestores: z.record(z.string().min(1).max(64), z.enum(['as_good_as_new', 'minimal_repair'])).optional(),
  /** How many new failures of a mode since the active model's data trigger a refit (default 3). */
  retrainAfterFailures: z.int().min(1).max(1000).optional(),
});
export type PredictionSettings = z.infer<typeof PredictionSettings>;

export const AssetModelInput = z.object({
  code: Code,
  name: Name,
  manufacturer: z.string().max(200).optional(),
  runningRule: RunningRule.default({ kind: 'boolean', metric: 'running' }),
  /** Data gaps longer than this are not counted as running. */
  maxGapSeconds: z.int().positive().max(86_400).default(900),
  /** Standard warranty for new units, used when an asset gives no warranty end. */
  warrantyMonths: z.int().nonnegative().max(240).default(24),
  /** Parts lead time + travel + safety margin: how early a failure must be predicted. */
  leadTimeHours: z.number().positive().max(10_000).default(72),
  prediction: PredictionSettings.optional(),
  /**
   * A corrective order on the same asset and failure mode within this many
   * days of a completed one is a repeat failure (and the first one no
   * first-time fix). Absent: the work-order service's default (30 days).
   */
  repeatWindowDays: z.int().positive().max(3650).optional(),
});
export type AssetModelInput = z.infer<typeof AssetModelInput>;
export const AssetModel = AssetModelInput.extend({ id: idOf('assetModel'), ...Stored });
export type AssetModel = z.infer<typeof AssetModel>;

// ---------------------------------------------------------------- production batch

export const ProductionBatchInput = z.object({
  assetModelId: idOf('assetModel'),
  code: Code,
  producedOn: IsoDate,
  unitCount: z.int().positive(),
  /** Money set aside for warranty repairs caused by quality defects of this batch. */
  qualityReserve: NonNegativeMoney,
});
export type ProductionBatchInput = z.infer<typeof ProductionBatchInput>;
export const ProductionBatch = ProductionBatchInput.extend({ id: idOf('productionBatch'), ...Stored });
export type ProductionBatch = z.infer<typeof ProductionBatch>;

// ---------------------------------------------------------------- asset

export const AssetStatus = z.enum(['active', 'decommissioned']);

export const AssetInput = z.object({
  serialNumber: Code,
  assetModelId: idOf('assetModel'),
  productionBatchId: idOf('productionBatch').optional(),
  siteId: idOf('site'),
  commissionedOn: IsoDate,
  /** Last day covered by warranty; defaults to commissioning + the model's warranty months. */
  warrantyEndsOn: IsoDate.optional(),
  status: AssetStatus.default('active'),
});
export type AssetInput = z.infer<typeof AssetInput>;
export const Asset = AssetInput.extend({ id: idOf('asset'), warrantyEndsOn: IsoDate, ...Stored });
export type Asset = z.infer<typeof Asset>;

// ---------------------------------------------------------------- device

export const DeviceStatus = z.enum(['active', 'revoked']);

export const DeviceInput = z.object({
  assetId: idOf('asset'),
  name: Name.optional(),
});
export type DeviceInput = z.infer<typeof DeviceInput>;

/** A device as shown by the API: never carries its secret. */
export const Device = DeviceInput.extend({
  id: idOf('device'),
  status: DeviceStatus,
  revokedAt: EpochMs.nullable(),
  ...Stored,
});
export type Device = z.infer<typeof Device>;

/** MQTT credentials, shown exactly once when a device is created or its secret rotated. */
export const DeviceCredentials = z.object({
  username: idOf('device'),
  password: z.string(),
});
export type DeviceCredentials = z.infer<typeof DeviceCredentials>;
