import type { CreditNoteView, InvoiceView, PaymentView } from '@hourmeter/domain';
import PDFDocument from 'pdfkit';
import { formatMinor } from './core/money.js';
import { addresseeLines, invoiceTitle, named, nameOf, taxByRate } from './render.js';

/**
 * Invoices and credit notes as PDF (pdfkit, A4, the PDF standard Helvetica:
 * no font files to ship). The same content as the HTML rendering: addressee,
 * names instead of ids, lines with their tax, totals per tax rate, credit
 * notes, payments and what is open.
 */

const MARGIN = 50;
const WIDTH = 595.28 - 2 * MARGIN; // A4 portrait
/** Columns: description, quantity, unit price, amount, tax rate, tax. */
const COLS = [
  { x: 0, w: 215, align: 'left' as const },
  { x: 215, w: 50, align: 'right' as const },
  { x: 265, w: 60, align: 'right' as const },
  { x: 325, w: 65, align: 'right' as const },
  { x: 390, w: 40, align: 'right' as const },
  { x: 430, w: 65, align: 'right' as const },
];

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function newDoc(title: string): PDFKit.PDFDocument {
  return new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: title, Producer: 'Hourmeter', Creator: 'Hourmeter' } });
}

function row(doc: PDFKit.PDFDocument, cells: string[], bold = false): void {
  const y = doc.y;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
  let bottom = y;
  cells.forEach((text, i) => {
    const col = COLS[i]!;
    doc.text(text, MARGIN + col.x, y, { width: col.w, align: col.align });
    bottom = Math.max(bottom, doc.y);
  });
  doc.x = MARGIN;
  doc.y = bottom + 3;
  if (doc.y > doc.page.height - MARGIN - 40) doc.addPage();
}

/** A label and an amount on one line, right-aligned in the table's last columns. */
function total(doc: PDFKit.PDFDocument, label: string, amount: string, bold = false): void {
  const y = doc.y;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
  doc.text(label, MARGIN, y, { width: COLS[5]!.x - 5, align: 'right' });
  doc.text(amount, MARGIN + COLS[5]!.x, y, { width: COLS[5]!.w, align: 'right' });
  doc.x = MARGIN;
  doc.y = Math.max(doc.y, y + 12);
}

function header(doc: PDFKit.PDFDocument, title: string, inv: InvoiceView, facts: string[]): void {
  doc.font('Helvetica-Bold').fontSize(16).text(title, MARGIN, MARGIN);
  doc.moveDown(0.8);
  doc.font('Helvetica').fontSize(10);
  const top = doc.y;
  doc.text(addresseeLines(inv).join('\n'), MARGIN, top, { width: WIDTH / 2 });
  const leftBottom = doc.y;
  doc.text(facts.join('\n'), MARGIN + WIDTH / 2, top, { width: WIDTH / 2, align: 'right' });
  doc.x = MARGIN;
  doc.y = Math.max(leftBottom, doc.y) + 16;
}

export function invoicePdf(inv: InvoiceView, notes: CreditNoteView[] = [], payments: PaymentView[] = []): Promise<Buffer> {
  const title = invoiceTitle(inv);
  const doc = newDoc(title);
  const done = collect(doc);
  const c = inv.currency;
  header(doc, title, inv, [
    ...(inv.issuedAt !== null ? [`Issued: ${new Date(inv.issuedAt).toISOString().slice(0, 10)}`] : []),
    inv.dueDate ? `Due date: ${inv.dueDate} (${inv.billTo.paymentTermsDays} days net)` : `Payment terms: ${inv.billTo.paymentTermsDays} days net`,
    `Period: ${inv.periodStart} to ${inv.periodEnd}`,
    nameOf(inv.contractId, inv.names),
    `Currency: ${c}`,
    ...(inv.paymentStatus ? [`Status: ${inv.paymentStatus.replace('_', ' ')}`] : []),
  ]);
  row(doc, ['Description', 'Quantity', 'Unit price', `Amount ${c}`, 'Tax', `Tax ${c}`], true);
  for (const l of inv.lines) {
    row(doc, [named(l.description, inv.names), String(l.quantity), formatMinor(l.unitPriceMinor), formatMinor(l.amountMinor), `${l.taxRateBasisPoints / 100}%`, formatMinor(l.taxMinor)]);
  }
  doc.moveDown(0.5);
  total(doc, `Net total ${c}`, formatMinor(inv.totalMinor));
  for (const t of taxByRate(inv)) total(doc, `Tax ${t.rateBasisPoints / 100}% on ${formatMinor(t.baseMinor)} ${c}`, formatMinor(t.taxMinor));
  total(doc, `Total ${c}`, formatMinor(inv.grossMinor), true);
  for (const n of notes) total(doc, `Credit note ${n.number} (${n.reason})`, `-${formatMinor(n.amountMinor + n.taxMinor)}`);
  for (const p of payments) total(doc, `Payment received ${p.receivedOn}${p.reference ? ` (${p.reference})` : ''}`, `-${formatMinor(p.appliedMinor)}`);
  if (inv.status === 'issued') total(doc, `Open ${c}`, formatMinor(inv.openMinor), true);
  if (inv.refundDueMinor > 0) total(doc, `Refund due to the customer ${c}`, formatMinor(inv.refundDueMinor), true);
  doc.moveDown(1);
  doc.font('Helvetica').fontSize(9).text(inv.billTo.taxNote, MARGIN, doc.y, { width: WIDTH });
  doc.text('Amounts are rounded per line to the minor unit, half to even.', { width: WIDTH });
  if (inv.status !== 'issued') doc.font('Helvetica-Bold').text('Draft: not a valid invoice until issued.', { width: WIDTH });
  doc.end();
  return done;
}

/** A credit note: which invoice it corrects, why, and the amount with its tax. */
export function creditNotePdf(note: CreditNoteView, inv: InvoiceView): Promise<Buffer> {
  const title = `Credit note ${note.number}`;
  const doc = newDoc(title);
  const done = collect(doc);
  const c = note.currency;
  header(doc, title, inv, [
    `Issued: ${new Date(note.issuedAt).toISOString().slice(0, 10)}`,
    `Corrects invoice ${inv.number ?? ''} of ${inv.periodStart} to ${inv.periodEnd}`,
    nameOf(inv.contractId, inv.names),
    `Currency: ${c}`,
  ]);
  doc.font('Helvetica').fontSize(10).text(`Reason: ${note.reason}`, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(1);
  const rate = inv.lines[0]?.taxRateBasisPoints ?? 0;
  total(doc, `Credited net ${c}`, formatMinor(note.amountMinor));
  total(doc, `Tax ${rate / 100}% ${c}`, formatMinor(note.taxMinor));
  total(doc, `Total credited ${c}`, formatMinor(note.amountMinor + note.taxMinor), true);
  doc.moveDown(1);
  doc.font('Helvetica').fontSize(9).text(inv.billTo.taxNote, MARGIN, doc.y, { width: WIDTH });
  doc.end();
  return done;
}
