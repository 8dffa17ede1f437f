import type { CreditNoteView, InvoiceView } from '@hourmeter/domain';
import { formatMinor } from './core/money.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A printable invoice. Every value is escaped; no scripts, no external resources. */
export function invoiceHtml(inv: InvoiceView, notes: CreditNoteView[] = []): string {
  const title = inv.number ? `Invoice ${inv.number}` : `Draft invoice ${inv.id}`;
  const rows = inv.lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.lineNo)}</td><td>${escapeHtml(l.kind)}</td><td>${escapeHtml(l.description)}</td>` +
        `<td class="n">${escapeHtml(l.quantity)}</td><td class="n">${escapeHtml(formatMinor(l.unitPriceMinor))}</td><td class="n">${escapeHtml(formatMinor(l.amountMinor))}</td></tr>`,
    )
    .join('\n');
  const credits = notes
    .map((n) => `<tr><td>${escapeHtml(n.number)}</td><td colspan="4">${escapeHtml(n.reason)}</td><td class="n">-${escapeHtml(formatMinor(n.amountMinor))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px;text-align:left}.n{text-align:right}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Status: ${escapeHtml(inv.status)}${inv.status === 'draft' ? ' (not a valid invoice until issued)' : ''}<br>
Contract: ${escapeHtml(inv.contractId)}<br>Customer: ${escapeHtml(inv.customerId)}<br>
Period: ${escapeHtml(inv.periodStart)} to ${escapeHtml(inv.periodEnd)}<br>Currency: ${escapeHtml(inv.currency)}</p>
<table><thead><tr><th>#</th><th>Kind</th><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><th colspan="5">Total ${escapeHtml(inv.currency)}</th><th class="n">${escapeHtml(formatMinor(inv.totalMinor))}</th></tr>
${credits}
</tfoot></table>
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

/** Invoice lines as CSV (RFC 4180, CRLF), amounts in minor units. */
export function invoiceCsv(inv: InvoiceView): string {
  const header = ['invoice', 'number', 'line', 'kind', 'description', 'asset_id', 'work_order_id', 'from_day', 'to_day', 'quantity', 'unit_price_minor', 'amount_minor', 'currency'];
  const rows = inv.lines.map((l) =>
    [
      csvField(inv.id),
      csvField(inv.number ?? ''),
      csvField(l.lineNo),
      csvField(l.kind),
      csvField(l.description, true),
      csvField(l.assetId ?? ''),
      csvField(l.workOrderId ?? ''),
      csvField(l.fromDay ?? ''),
      csvField(l.toDay ?? ''),
      csvField(l.quantity),
      csvField(l.unitPriceMinor),
      csvField(l.amountMinor),
      csvField(inv.currency),
    ].join(','),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}
