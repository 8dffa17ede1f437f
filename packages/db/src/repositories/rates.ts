import { newId, type ExchangeRate, type ExchangeRateInput, type RateCard, type RateCardInput } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, ExchangeRatesTable, RateCardsTable } from '../schema.js';

const E8 = 100_000_000n;

/** "1.0853" -> 108_530_000n (validated to at most 8 decimals). */
export function rateToE8(rate: string): bigint {
  const [whole, frac = ''] = rate.split('.');
  return BigInt(whole!) * E8 + BigInt(frac.padEnd(8, '0'));
}

export function e8ToRate(e8: bigint): string {
  const whole = e8 / E8;
  const frac = (e8 % E8).toString().padStart(8, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

const cardView = (r: Selectable<RateCardsTable>): RateCard => ({
  id: r.id,
  region: r.region === '' ? null : r.region,
  currency: r.currency,
  labourRatePerHourMinor: Number(r.labour_rate_per_hour_minor),
  travelRatePerHourMinor: Number(r.travel_rate_per_hour_minor),
  effectiveFrom: r.effective_from,
  createdAt: Number(r.created_at),
});

const rateView = (r: Selectable<ExchangeRatesTable>): ExchangeRate => ({
  id: r.id,
  from: r.from_currency,
  to: r.to_currency,
  rate: e8ToRate(BigInt(r.rate_e8)),
  asOf: r.as_of,
  createdAt: Number(r.created_at),
});

/**
 * Labour and travel rate cards (price lists, each in its currency) per
 * organisation or service region, and dated exchange rates. Both are
 * append-only: a new card or rate applies from its date, history stays.
 */
export function ratesRepository(db: Kysely<Database>) {
  return {
    async createCard(input: RateCardInput, now = Date.now()): Promise<RateCard> {
      const row = {
        id: newId('rateCard', now),
        region: input.region ?? '',
        currency: input.currency,
        labour_rate_per_hour_minor: input.labourRatePerHourMinor,
        travel_rate_per_hour_minor: input.travelRatePerHourMinor,
        effective_from: input.effectiveFrom,
        created_at: now,
      };
      try {
        await db.insertInto('rate_cards').values(row).execute();
      } catch (err) {
        throw translateDbError(err, `rate card of ${input.region ? `region ${input.region}` : 'the organisation'} from ${input.effectiveFrom}`);
      }
      return cardView(row);
    },

    async cards(): Promise<RateCard[]> {
      return (await db.selectFrom('rate_cards').selectAll().orderBy('region').orderBy('effective_from').execute()).map(cardView);
    },

    /** The card in force on `day` for `region` (its own, else the organisation's); undefined when neither has one. */
    async cardFor(region: string | null, day: string): Promise<RateCard | undefined> {
      for (const r of region ? [region, ''] : ['']) {
        const row = await db.selectFrom('rate_cards').selectAll().where('region', '=', r).where('effective_from', '<=', day).orderBy('effective_from', 'desc').limit(1).executeTakeFirst();
        if (row) return cardView(row);
      }
      return undefined;
    },

    async createExchangeRate(input: ExchangeRateInput, now = Date.now()): Promise<ExchangeRate> {
      const row = {
        id: newId('exchangeRate', now),
        from_currency: input.from,
        to_currency: input.to,
        rate_e8: Number(rateToE8(input.rate)),
        as_of: input.asOf,
        created_at: now,
      };
      if (row.rate_e8 <= 0) throw new AppError('VALIDATION_FAILED', 'rate: must be positive', { field: 'rate' });
      try {
        await db.insertInto('exchange_rates').values(row).execute();
      } catch (err) {
        throw translateDbError(err, `exchange rate ${input.from}->${input.to} of ${input.asOf}`);
      }
      return rateView(row);
    },

    async exchangeRates(): Promise<ExchangeRate[]> {
      return (await db.selectFrom('exchange_rates').selectAll().orderBy('from_currency').orderBy('to_currency').orderBy('as_of').execute()).map(rateView);
    },

    /** The newest rate `from` -> `to` dated on or before `day`, or undefined. */
    async exchangeRateOn(from: string, to: string, day: string): Promise<ExchangeRate | undefined> {
      const row = await db
        .selectFrom('exchange_rates')
        .selectAll()
        .where('from_currency', '=', from)
        .where('to_currency', '=', to)
        .where('as_of', '<=', day)
        .orderBy('as_of', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? rateView(row) : undefined;
    },
  };
}

export type RatesRepository = ReturnType<typeof ratesRepository>;
