import type { Repositories } from '@hourmeter/db';
import { rateToE8 } from '@hourmeter/db';
import type { ExtraWorkRates } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { roundDiv } from './core/money.js';
import type { CompletedWork } from './ports.js';

const E8 = 100_000_000n;

/**
 * Rates and currencies as configuration (issue 16, rule 10): labour and travel
 * rates come from the rate card of the asset's service region (its site's
 * `serviceRegion`), else the organisation's card; each card carries its
 * currency. An amount is moved into another currency only with an exchange
 * rate recorded for that pair (or its inverse) dated on or before the day of
 * the amount; without one the work is refused with what is missing.
 */
export function currencyRates(repos: Pick<Repositories, 'rates' | 'assets' | 'sites'>) {
  /** `amountMinor` of `from` in `to` on `day`, rounded half-even once. */
  async function convert(amountMinor: number, from: string, to: string, day: string, what: string): Promise<number> {
    if (from === to) return amountMinor;
    const direct = await repos.rates.exchangeRateOn(from, to, day);
    if (direct) return roundDiv(BigInt(amountMinor) * rateToE8(direct.rate), E8);
    const inverse = await repos.rates.exchangeRateOn(to, from, day);
    if (inverse) return roundDiv(BigInt(amountMinor) * E8, rateToE8(inverse.rate));
    throw new AppError(
      'REFERENCE_NOT_FOUND',
      `${what} is priced in ${from} but billed in ${to}: no exchange rate ${from}->${to} (or ${to}->${from}) dated on or before ${day}; record one with POST /api/v1/exchange-rates {from, to, rate, asOf}`,
      { from, to, day },
    );
  }

  /** The rate card in force on `day` for the asset's site's service region, else the organisation's. */
  async function cardOf(assetId: string, day: string) {
    const asset = await repos.assets.get(assetId);
    const region = (await repos.sites.get(asset.siteId)).serviceRegion ?? null;
    return { region, card: await repos.rates.cardFor(region, day) };
  }

  return {
    convert,
    cardOf,

    /**
     * The labour and travel rates of work on `assetId` on `day` in `currency`:
     * the contract's own where it sets them, otherwise the rate card's.
     */
    async labourAndTravel(assetId: string, day: string, currency: string, own: { labourRatePerHourMinor?: number | undefined; travelRatePerHourMinor?: number | undefined }) {
      if (own.labourRatePerHourMinor !== undefined && own.travelRatePerHourMinor !== undefined) {
        return { labourRatePerHourMinor: own.labourRatePerHourMinor, travelRatePerHourMinor: own.travelRatePerHourMinor };
      }
      const { region, card } = await cardOf(assetId, day);
      if (!card) {
        throw new AppError(
          'REFERENCE_NOT_FOUND',
          `no labour and travel rates for work on ${day}: the contract sets none and there is no rate card for ${region ? `service region ${region} or ` : ''}the organisation in force then; record one with POST /api/v1/rate-cards`,
          { region, day },
        );
      }
      const what = `the ${region && card.region ? `${region} region` : 'organisation'} rate card`;
      return {
        labourRatePerHourMinor: own.labourRatePerHourMinor ?? (await convert(card.labourRatePerHourMinor, card.currency, currency, day, what)),
        travelRatePerHourMinor: own.travelRatePerHourMinor ?? (await convert(card.travelRatePerHourMinor, card.currency, currency, day, what)),
      };
    },

    /** The work with every part's unit cost in `currency` (converted at the rate of `day`). */
    async partsIn(work: CompletedWork, currency: string, day: string): Promise<CompletedWork> {
      const parts = [];
      for (const p of work.parts) {
        const from = p.currency ?? currency;
        parts.push({ ...p, unitCostMinor: await convert(p.unitCostMinor, from, currency, day, `part ${p.partNumber}`), currency });
      }
      return { ...work, parts };
    },
  };
}

export type CurrencyRates = ReturnType<typeof currencyRates>;
export type { ExtraWorkRates };
