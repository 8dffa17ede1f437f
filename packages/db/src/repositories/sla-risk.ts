import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { appendToOutbox, type OutboxEnvelope } from './outbox.js';

export interface SlaRiskSignal {
  contractId: string;
  periodStart: string;
  periodEnd: string;
  eventId: string;
  at: number;
}

/**
 * The billing periods in which a PBH contract's availability was announced
 * at risk. The signal row and its `contract.sla_at_risk` outbox event are
 * written in one transaction, once per contract and period, so evaluating
 * the contracts again (every schedule pass, several processes) says nothing new.
 */
export function slaRiskRepository(db: Kysely<Database>) {
  const announced = async (contractId: string, periodStart: string) =>
    !!(await db.selectFrom('sla_risk_signals').select('event_id').where('contract_id', '=', contractId).where('period_start', '=', periodStart).executeTakeFirst());

  function write(contractId: string, period: { start: string; end: string }, data: unknown, at: number): Promise<OutboxEnvelope | undefined> {
    return db.transaction().execute(async (tx) => {
      const exists = await tx.selectFrom('sla_risk_signals').select('event_id').where('contract_id', '=', contractId).where('period_start', '=', period.start).executeTakeFirst();
      if (exists) return undefined;
      const event = await appendToOutbox(tx, 'contract.sla_at_risk', data, at);
      await tx.insertInto('sla_risk_signals').values({ contract_id: contractId, period_start: period.start, period_end: period.end, event_id: event.id, at }).execute();
      return event;
    });
  }

  return {
    /** Announces the period at risk; undefined when it already was. */
    async announce(contractId: string, period: { start: string; end: string }, data: unknown, at: number): Promise<OutboxEnvelope | undefined> {
      try {
        return await write(contractId, period, data, at);
      } catch (err) {
        // A concurrent announcer that got there first made the insert fail, which rolled this event back with it.
        if (await announced(contractId, period.start)) return undefined;
        throw err;
      }
    },

    async ofContract(contractId: string): Promise<SlaRiskSignal[]> {
      const rows = await db.selectFrom('sla_risk_signals').selectAll().where('contract_id', '=', contractId).orderBy('period_start').execute();
      return rows.map((r) => ({ contractId: r.contract_id, periodStart: r.period_start, periodEnd: r.period_end, eventId: r.event_id, at: Number(r.at) }));
    },
  };
}

export type SlaRiskRepository = ReturnType<typeof slaRiskRepository>;
