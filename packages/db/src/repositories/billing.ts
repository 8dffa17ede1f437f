import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { invoiceDocumentsRepository } from './billing-documents.js';
import { invoiceDraftsRepository } from './billing-drafts.js';
import { invoiceReadsRepository } from './billing-invoices.js';
import { invoiceRunsRepository } from './billing-runs.js';
import { usageRecordsRepository } from './billing-usage.js';

/**
 * Usage records, invoices, credit notes and invoice runs: one file per part
 * (billing-usage, billing-drafts, billing-invoices, billing-documents,
 * billing-runs), one repository for callers. It stores and loads rows; the
 * billing rules are in services/contracts/src/core.
 */
export function billingRepository(db: Kysely<Database>) {
  return {
    ...usageRecordsRepository(db),
    ...invoiceDraftsRepository(db),
    ...invoiceReadsRepository(db),
    ...invoiceDocumentsRepository(db),
    ...invoiceRunsRepository(db),
  };
}

export type BillingRepository = ReturnType<typeof billingRepository>;
