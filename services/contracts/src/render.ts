import type { CreditNoteView, InvoiceView, PaymentView } from '@hourmeter/domain';
import { formatMinor } from './core/money.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * `text` with every id the invoice refers to (contract, asset, work order)
 * replaced by its display name: the billing engine writes ids into line
 * descriptions, a customer reads names. Ids are prefixed and unique, so a
 * plain replacement cannot hit anything else.
 */
export function named(text: string, names: Record<string, string>): string {
  let out = text;
  for (const [id, name] of Object.entries(names)) out = out.replaceAll(id, name);
  return out;
}

export const nameOf = (id: string | null, names: Record<string, string>): string => (id === null ? '' : (names[id] ?? id));

/** "Invoice 2026-000001" or "Draft invoice" (a draft has no number a customer could quote). */
export const invoiceTitle = (inv: InvoiceView): string => (inv.number ? `Invoice ${inv.number}` : 'Draft invoice (not valid until issued)');

export const addresseeLines = (inv: InvoiceView): string[] => {
  const b = inv.billTo;
  const a = b.address;
  return [
    b.legalName ?? b.customerName,
    ...(a ? [a.line1, ...(a.line2 ? [a.line2] : []), `${a.postalCode} ${a.city}`, a.country] : []),
    ...(b.taxId ? [`Tax id: ${b.taxId}`] : []),
  ];
};

/** Tax summed per rate, for the totals block. */
export function taxByRate(inv: InvoiceView): { rateBasisPoints: number; baseMinor: number; taxMinor: number }[] {
  const by = new Map<number, { rateBasisPoints: number; baseMinor: number; taxMinor: number }>();
  for (const l of inv.lines) {
    const t = by.get(l.taxRateBasisPoints) ?? { rateBasisPoints: l.taxRateBasisPoints, baseMinor: 0, taxMinor: 0 };
    t.baseMinor += l.amountMinor;
    t.taxMinor += l.taxMinor;
    by.set(l.taxRateBasisPoints, t);
  }
  return [...by.values()].sort((a, b) => a.rateBasisPoints - b.rateBasisPoints);
}

/** A printable invoice. Every value is escaped; no scripts, no external resources. */
export function invoiceHtml(inv: InvoiceView, notes: CreditNoteView[] = [], payments: PaymentView[] = []): string {
  const title = invoiceTitle(inv);
  const c = inv.currency;
  const rows = inv.lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.lineNo)}</td><td>${escapeHtml(named(l.description, inv.names))}</td>` +
        `<td class="n">${escapeHtml(l.quantity)}</td><td class="n">${escapeHtml(formatMinor(l.unitPriceMinor))}</td><td class="n">${escapeHtml(formatMinor(l.amountMinor))}</td>` +
        `<td class="n">${escapeHtml(l.taxRateBasisPoints / 100)}%</td><td class="n">${escapeHtml(formatMinor(l.taxMinor))}</td></tr>`,
    )
    .join('\n');
  const taxes = taxByRate(inv)
    .map((t) => `<tr><th colspan="6">Tax ${escapeHtml(t.rateBasisPoints / 100)}% on ${escapeHtml(formatMinor(t.baseMinor))} ${escapeHtml(c)}</th><th class="n">${escapeHtml(formatMinor(t.taxMinor))}</th></tr>`)
    .join('\n');
  const credits = notes
    .map((n) => `<tr><td>${escapeHtml(n.number)}</td><td colspan="5">${escapeHtml(n.reason)}</td><td class="n">-${escapeHtml(formatMinor(n.amountMinor + n.taxMinor))}</td></tr>`)
    .join('\n');
  const paid = payments
    .map((p) => `<tr><td>Payment</td><td colspan="5">received ${escapeHtml(p.receivedOn)}${p.reference ? `, ${escapeHtml(p.reference)}` : ''}</td><td class="n">-${escapeHtml(formatMinor(p.appliedMinor))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px;text-align:left}.n{text-align:right}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${addresseeLines(inv).map(escapeHtml).join('<br>')}</p>
<p>Status: ${escapeHtml(inv.status)}${inv.paymentStatus ? ` (${escapeHtml(inv.paymentStatus.replace('_', ' '))})` : ''}<br>
Contract: ${escapeHtml(nameOf(inv.contractId, inv.names))}<br>
Period: ${escapeHtml(inv.periodStart)} to ${escapeHtml(inv.periodEnd)}<br>Currency: ${escapeHtml(c)}<br>
${inv.dueDate ? `Due date: ${escapeHtml(inv.dueDate)} (${escapeHtml(inv.billTo.paymentTermsDays)} days net)` : `Payment terms: ${escapeHtml(inv.billTo.paymentTermsDays)} days net from the issue date`}</p>
<table><thead><tr><th>#</th><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th><th class="n">Tax rate</th><th class="n">Tax</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="6">Net total ${escapeHtml(c)}</th><th class="n">${escapeHtml(formatMinor(inv.totalMinor))}</th></tr>
${taxes}
<tr><th colspan="6">Total ${escapeHtml(c)}</th><th class="n">${escapeHtml(formatMinor(inv.grossMinor))}</th></tr>
${credits}
${paid}
${inv.status === 'issued' ? `<tr><th colspan="6">Open ${escapeHtml(c)}</th><th class="n">${escapeHtml(formatMinor(inv.openMinor))}</th></tr>` : ''}
${inv.refundDueMinor > 0 ? `<tr><th colspan="6">Refund due to the customer ${escapeHtml(c)}</th><th class="n">${escapeHtml(formatMinor(inv.refundDueMinor))}</th></tr>` : ''}
</tfoot></table>
<p>${escapeHtml(inv.billTo.taxNote)}</p>
<p>Amounts are rounded per line to the minor unit, half to even.</p>
</body></html>
`;
}

/** A CSV field: quoted when needed; text that a spreadsheet would run as a formula is prefixed with '. */
export function csvField(v: unknown, text = false): string {
  let s = String(v ?? '');
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Invoice lines as CSV (RFC 4180, CRLF), amounts in minor units, names for the customer, assets and work orders. */
export function invoiceCsv(inv: InvoiceView): string {
  const header = [
    'invoice', 'number', 'customer', 'line', 'kind', 'description', 'asset', 'work_order', 'from_day', 'to_day',
    'quantity', 'unit_price_minor', 'amount_minor', 'tax_rate_bp', 'tax_minor', 'currency',
  ];
  const rows = inv.lines.map((l) =>
    [
      csvField(inv.id),
      csvField(inv.number ?? ''),
      csvField(inv.billTo.legalName ?? inv.billTo.customerName, true),
      csvField(l.lineNo),
      csvField(l.kind),
      csvField(named(l.description, inv.names), true),
      csvField(nameOf(l.assetId, inv.names), true),
      csvField(nameOf(l.workOrderId, inv.names), true),
      csvField(l.fromDay ?? ''),
      csvField(l.toDay ?? ''),
      csvField(l.quantity),
      csvField(l.unitPriceMinor),
      csvField(l.amountMinor),
      csvField(l.taxRateBasisPoints),
      csvField(l.taxMinor),
      csvField(inv.currency),
    ].join(','),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
