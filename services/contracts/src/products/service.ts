/**
 * Service sold as products (issue #19, item 4): plans per asset model, quotes
 * with their working, acceptance into a contract (the extended warranty is a
 * warranty contract of the contracts service, billed like any other) or a
 * priced subscription record (the accepted quote itself, for the kinds no
 * contract kind fits), renewal reminders and renewal from the current condition.
 */
import type { Repositories, ServiceProductFields, ServiceProductRecord, ServiceQuoteRecord } from '@hourmeter/db';
import { ContractInput } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import { addDays, dayOf } from '../core/calendar.js';
import { DAY_MS } from '../core/money.js';
import type { ContractsService } from '../service.js';
import { monthsBetween, refusals, type AssetCondition } from './core/eligibility.js';
import { priceExtendedWarranty, type FailureModePricingInput, type PricingWorking } from './core/pricing.js';
import { effectiveStatus, refuseTransition, type QuoteAction } from './core/quote-state.js';
import type { ReliabilityPort } from './ports.js';

/** Mean calendar hours of a month (365.25 days / 12): the term in hours. */
const HOURS_PER_MONTH = (365.25 * 24) / 12;
export const DEFAULT_QUOTE_VALIDITY_DAYS = 30;

export interface ServiceProductsDeps {
  repos: Pick<Repositories, 'serviceProducts' | 'assets' | 'assetModels' | 'sites' | 'billing'>;
  contracts: Pick<ContractsService, 'createContract'>;
  reliability: ReliabilityPort;
  logger: Logger;
  now?: (() => number) | undefined;
  quoteValidityDays?: number | undefined;
}

/** One asset's line of a quote: what it costs and why. */
export interface QuotedAsset {
  assetId: string;
  serialNumber: string;
  condition: AssetCondition;
  priceMinor: number;
  /** The extended warranty's pricing working; absent for fixed-price kinds. */
  pricing?: PricingWorking | undefined;
}

export interface QuoteWorking {
  productKind: ServiceProductRecord['kind'];
  termMonths: number;
  assets: QuotedAsset[];
}

/** The last day of a term of `months` starting on `startsOn`. */
export function termEnd(startsOn: string, months: number): string {
  const [y, m, d] = startsOn.split('-').map(Number) as [number, number, number];
  const end = new Date(Date.UTC(y, m - 1 + months, d));
  return addDays(dayOf(end.getTime()), -1);
}

export function createServiceProducts(deps: ServiceProductsDeps) {
  const repo = deps.repos.serviceProducts;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ svc: 'service-products' });
  const validityMs = (deps.quoteValidityDays ?? DEFAULT_QUOTE_VALIDITY_DAYS) * DAY_MS;

  async function product(id: string): Promise<ServiceProductRecord> {
    const p = await repo.product(id);
    if (!p) throw new AppError('NOT_FOUND', `service product ${id} not found`);
    return p;
  }

  async function quoteOf(id: string): Promise<ServiceQuoteRecord> {
    const q = await repo.quote(id);
    if (!q) throw new AppError('NOT_FOUND', `service quote ${id} not found`);
    return q;
  }

  const present = (q: ServiceQuoteRecord) => ({ ...q, status: effectiveStatus(q, now()) });

  async function assetModelExists(id: string) {
    if (!(await deps.repos.assetModels.find(id))) throw new AppError('REFERENCE_NOT_FOUND', `assetModelId: asset model ${id} does not exist`);
  }

  /** An asset's age, hours and health as eligibility reads them, with the estimates behind the health. */
  async function conditionOf(asset: { id: string; commissionedOn: string }) {
    const today = dayOf(now());
    const days = await deps.repos.billing.meterDays([asset.id], asset.commissionedOn, today);
    const operatingHours = days.reduce((s, d) => s + d.operatingMs, 0) / 3_600_000;
    const estimates = (await deps.reliability.assetEstimates(asset.id)).filter((e) => e.status === 'estimated');
    const probabilities = estimates.flatMap((e) => (e.failureProbability === undefined ? [] : [e.failureProbability]));
    const ruls = estimates.flatMap((e) => (e.rulHours === undefined ? [] : [e.rulHours]));
    const condition: AssetCondition = {
      ageMonths: monthsBetween(asset.commissionedOn, today),
      operatingHours,
      failureProbability: probabilities.length ? Math.max(...probabilities) : undefined,
      rulHours: ruls.length ? Math.min(...ruls) : undefined,
    };
    return { condition, estimates };
  }

  /** The extended warranty's price for one asset from the model's fits, the asset's estimates and the failure modes' costs. */
  async function priceFromReliability(p: ServiceProductRecord, estimates: Awaited<ReturnType<typeof conditionOf>>['estimates']): Promise<PricingWorking> {
    const fits = await deps.reliability.fits(p.assetModelId);
    if (fits.length === 0) throw new AppError('CONFLICT', `no failure mode of this asset model has a fitted reliability model yet: train one before pricing an extended warranty`);
    const costs = new Map((await repo.failureModeCosts(p.assetModelId, p.currency)).map((c) => [c.failureMode, c]));
    const byMode = new Map(estimates.map((e) => [e.failureMode, e]));
    // Utilisation is the asset's, whichever mode reports it (they all read the same hour meter).
    const utilisation = estimates.find((e) => e.utilisation !== undefined)?.utilisation ?? 0;
    const modes = fits.map((f): FailureModePricingInput => {
      const e = byMode.get(f.failureMode);
      const cost = costs.get(f.failureMode);
      return {
        failureMode: f.failureMode,
        shape: f.shape,
        scale: f.scale,
        restoration: f.restoration,
        ageHours: e?.ageHours ?? 0,
        rulHours: e?.rulHours,
        failureProbability: e?.failureProbability,
        averageCostMinor: cost?.averageCostMinor ?? p.defaultFailureCostMinor,
        costBasis: cost ? { source: 'work_orders', orders: cost.orders } : { source: 'default' },
      };
    });
    return priceExtendedWarranty({ utilisation, termHours: p.termMonths * HOURS_PER_MONTH, marginPercent: p.marginPercent, modes });
  }

  async function quote(productId: string, input: { assetIds: string[]; startsOn?: string | undefined }, renewalOf?: ServiceQuoteRecord) {
    const p = await product(productId);
    if (!p.active) throw new AppError('CONFLICT', `service product ${p.name} is withdrawn`);
    const assets = [];
    for (const id of input.assetIds) {
      const a = await deps.repos.assets.find(id);
      if (!a) throw new AppError('REFERENCE_NOT_FOUND', `assetIds: asset ${id} does not exist`);
      if (a.assetModelId !== p.assetModelId) throw new AppError('VALIDATION_FAILED', `assetIds: asset ${a.serialNumber} is not of the plan's asset model`);
      assets.push(a);
    }
    const sites = await Promise.all(assets.map((a) => deps.repos.sites.find(a.siteId)));
    const customers = new Set(sites.map((s) => s?.customerId));
    if (customers.size !== 1 || !sites[0]) throw new AppError('VALIDATION_FAILED', 'assetIds: a quote covers assets of one customer');
    const customerId = sites[0].customerId;

    const lines: QuotedAsset[] = [];
    const refused: string[] = [];
    for (const a of assets) {
      const { condition, estimates } = await conditionOf(a);
      const reasons = refusals(p.eligibility, condition);
      if (reasons.length) {
        refused.push(`${a.serialNumber}: ${reasons.map((r) => `${r.code} (${r.message})`).join(', ')}`);
        continue;
      }
      const pricing = p.kind === 'extended_warranty' ? await priceFromReliability(p, estimates) : undefined;
      lines.push({ assetId: a.id, serialNumber: a.serialNumber, condition, priceMinor: pricing?.totalMinor ?? p.priceMinor, pricing });
    }
    if (refused.length) throw new AppError('NOT_ELIGIBLE', `not eligible for ${p.name}: ${refused.join('; ')}`);

    const today = dayOf(now());
    // A renewal follows on; an extended warranty starts when the manufacturer's warranty ends.
    const latestWarrantyEnd = assets.map((a) => a.warrantyEndsOn).sort().at(-1)!;
    const defaultStart = renewalOf ? addDays(renewalOf.endsOn, 1) : p.kind === 'extended_warranty' && latestWarrantyEnd >= today ? addDays(latestWarrantyEnd, 1) : today;
    const startsOn = input.startsOn ?? defaultStart;
    const working: QuoteWorking = { productKind: p.kind, termMonths: p.termMonths, assets: lines };
    const created = await repo.createQuote(
      {
        productId: p.id,
        customerId,
        assetIds: assets.map((a) => a.id),
        startsOn,
        endsOn: termEnd(startsOn, p.termMonths),
        currency: p.currency,
        totalMinor: lines.reduce((s, l) => s + l.priceMinor, 0),
        working,
        validUntil: now() + validityMs,
        renewalOfId: renewalOf?.id ?? null,
      },
      now(),
    );
    log.info({ quoteId: created.id, productId: p.id, totalMinor: created.totalMinor, renewalOf: renewalOf?.id }, 'service product quoted');
    return present(created);
  }

  function refuse(action: QuoteAction, q: ServiceQuoteRecord) {
    const refusal = refuseTransition(action, q, now());
    if (refusal) throw new AppError(refusal.code, `quote ${q.id}: ${refusal.message}`);
  }

  /** Agreements whose renewal is due: ending within their product's reminder days. */
  async function renewalsDue() {
    const today = dayOf(now());
    const products = new Map((await repo.products()).map((p) => [p.id, p]));
    const horizon = addDays(today, Math.max(0, ...[...products.values()].map((p) => p.reminderDays)));
    return (await repo.endingBy(horizon))
      .filter((q) => q.endsOn <= addDays(today, products.get(q.productId)?.reminderDays ?? 0))
      .map((q) => ({ ...present(q), productName: products.get(q.productId)?.name ?? q.productId }));
  }

  return {
    products: (assetModelId?: string) => repo.products(assetModelId),
    product,
    async createProduct(f: ServiceProductFields) {
      await assetModelExists(f.assetModelId);
      return repo.createProduct(f, now());
    },
    async updateProduct(id: string, f: ServiceProductFields) {
      await product(id);
      await assetModelExists(f.assetModelId);
      return (await repo.updateProduct(id, f, now()))!;
    },
    quote: (productId: string, input: { assetIds: string[]; startsOn?: string | undefined }) => quote(productId, input),
    getQuote: async (id: string) => present(await quoteOf(id)),
    quotes: async (filter: Parameters<typeof repo.quotes>[0]) => (await repo.quotes(filter)).map(present),

    /** Accepts a quote: an extended warranty becomes a warranty contract, the other kinds a priced subscription (the agreement itself). */
    async accept(id: string, by: string) {
      const q = await quoteOf(id);
      refuse('accept', q);
      const p = await product(q.productId);
      let contractId: string | undefined;
      if (p.kind === 'extended_warranty') {
        const contract = await deps.contracts.createContract(
          ContractInput.parse({
            customerId: q.customerId,
            assetIds: q.assetIds,
            startsOn: q.startsOn,
            endsOn: q.endsOn,
            currency: q.currency,
            terms: { kind: 'warranty', coversParts: true, coversLabour: true },
          }),
        );
        contractId = contract.id;
      }
      if (!(await repo.decide(id, 'quoted', 'accepted', by, now(), { contractId, renewed: q.renewalOfId ?? undefined }))) {
        throw new AppError('QUOTE_NOT_OPEN', `quote ${id}: decided by someone else meanwhile`);
      }
      log.info({ quoteId: id, contractId, by }, 'service product quote accepted');
      return present((await repo.quote(id))!);
    },

    async decline(id: string, by: string) {
      const q = await quoteOf(id);
      refuse('decline', q);
      if (!(await repo.decide(id, 'quoted', 'declined', by, now()))) throw new AppError('QUOTE_NOT_OPEN', `quote ${id}: decided by someone else meanwhile`);
      return present((await repo.quote(id))!);
    },

    /** A renewal: a new quote for the same assets from their condition now, starting the day after the agreement ends. */
    async renew(id: string) {
      const q = await quoteOf(id);
      refuse('renew', q);
      return quote(q.productId, { assetIds: q.assetIds }, q);
    },

    renewalsDue,

    /** Announces each due renewal once (`service-product.renewal_due` in the outbox); returns the ones announced now. */
    async announceRenewals() {
      const announced = [];
      for (const q of await renewalsDue()) {
        if (q.remindedAt !== null) continue;
        const event = await repo.remind(q.id, { quoteId: q.id, productId: q.productId, productName: q.productName, customerId: q.customerId, assetIds: q.assetIds, endsOn: q.endsOn, contractId: q.contractId }, now());
        if (event) announced.push({ quoteId: q.id, eventId: event.id });
      }
      if (announced.length) log.info({ count: announced.length }, 'service product renewals announced');
      return announced;
    },
  };
}

export type ServiceProducts = ReturnType<typeof createServiceProducts>;
