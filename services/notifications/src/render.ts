import type { DisplayNames, NotificationMessage, OutboxEnvelope } from '@hourmeter/db';
import type { NotificationRule } from './rules.js';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Integer minor units as the amount a person reads, in the currency's own decimals. */
export function formatMoney(amountMinor: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

interface Line {
  label: string;
  value: string;
}

function compose(subject: string, intro: string, lines: Line[], link: { label: string; url: string }): Rendered {
  const text = [intro, '', ...lines.map((l) => `${l.label}: ${l.value}`), '', `${link.label}: ${link.url}`, '', '-- Hourmeter (change what you receive in the console, or ask your admin)'].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>${escapeHtml(intro)}</p>
<table>${lines.map((l) => `<tr><th align="left">${escapeHtml(l.label)}</th><td>${escapeHtml(l.value)}</td></tr>`).join('')}</table>
<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>
<p style="color:#666;font-size:small">Hourmeter. Change what you receive in the console, or ask your admin.</p>
</body></html>`;
  return { subject: `[Hourmeter] ${subject}`, text, html };
}

interface Data {
  alert?: { id: string; assetId: string; failureMode: string; severity: string; raisedAt: number; evidence?: { summary?: string } };
  workOrder?: { id: string; assetId: string; kind: string; failureMode?: string | null; technician?: string | null; windowFrom?: number | null; windowTo?: number | null; description?: string | null };
  invoice?: { id: string; customerId: string; number: string | null; totalMinor: number; currency: string; periodStart: string; periodEnd: string };
  // contract.sla_at_risk
  contract?: { id: string; name: string; customerId: string; assetIds: string[] };
  periodStart?: string;
  periodEnd?: string;
  guaranteePercent?: number;
  availabilityPercent?: number;
  downtimeMs?: number;
  allowedDowntimeMs?: number;
  budgetUsedPercent?: number;
  missed?: boolean;
  // reserve.*
  code?: string;
  reserve?: { amountMinor: number; currency: string };
  consumed?: { amountMinor: number; currency: string };
  share?: number | null;
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

/** Subject, text and HTML of the mail about one event, with a link into the console. */
export function renderEvent(rule: NotificationRule, event: OutboxEnvelope, names: DisplayNames, consoleUrl: string): Rendered {
  const d = event.data as Data;
  const base = consoleUrl.replace(/\/$/, '');
  switch (rule) {
    case 'alert.raised':
    case 'alert.escalated': {
      const a = d.alert!;
      const asset = names.asset(a.assetId) ?? 'an asset';
      const verb = rule === 'alert.raised' ? 'raised' : 'escalated to critical';
      return compose(`${a.severity} alert on ${asset}: ${a.failureMode}`, `An alert was ${verb}.`, [
        { label: 'Asset', value: asset },
        { label: 'Failure mode', value: a.failureMode },
        { label: 'Severity', value: a.severity },
        { label: 'Raised', value: when(a.raisedAt) },
      ], { label: 'Open the alerts', url: `${base}/alerts` });
    }
    case 'workorder.assigned': {
      const w = d.workOrder!;
      const asset = names.asset(w.assetId) ?? 'an asset';
      const window = w.windowFrom && w.windowTo ? `${when(w.windowFrom)} to ${when(w.windowTo)}` : 'not set';
      return compose(`${w.kind} work order on ${asset} scheduled for ${w.technician ?? 'a technician'}`, 'A work order was scheduled.', [
        { label: 'Asset', value: asset },
        { label: 'Kind', value: w.kind },
        ...(w.failureMode ? [{ label: 'Failure mode', value: w.failureMode }] : []),
        { label: 'Technician', value: w.technician ?? 'not set' },
        { label: 'Window', value: window },
        ...(w.description ? [{ label: 'Description', value: w.description }] : []),
      ], { label: 'Open the work orders', url: `${base}/work-orders` });
    }
    case 'invoice.issued': {
      const i = d.invoice!;
      const customer = names.customer(i.customerId) ?? 'a customer';
      return compose(`invoice ${i.number ?? ''} issued to ${customer}: ${formatMoney(i.totalMinor, i.currency)}`, 'An invoice was issued.', [
        { label: 'Customer', value: customer },
        { label: 'Number', value: i.number ?? '' },
        { label: 'Period', value: `${i.periodStart} to ${i.periodEnd}` },
        { label: 'Total', value: formatMoney(i.totalMinor, i.currency) },
      ], { label: 'Open the contracts and invoices', url: `${base}/contracts` });
    }
    case 'contract.sla_at_risk': {
      const c = d.contract!;
      const customer = names.customer(c.customerId) ?? 'a customer';
      const state = d.missed ? 'missed' : 'at risk';
      return compose(`availability guarantee ${state} for ${customer}: ${d.availabilityPercent}% of ${d.guaranteePercent}% (${d.periodStart} to ${d.periodEnd})`,
        d.missed
          ? 'The availability guarantee of a PBH contract is missed for this period: service credits will apply.'
          : 'The availability guarantee of a PBH contract is at risk: most of the downtime it allows this period is used.', [
        { label: 'Customer', value: customer },
        { label: 'Contract', value: c.name },
        { label: 'Period', value: `${d.periodStart} to ${d.periodEnd}` },
        { label: 'Guaranteed availability', value: `${d.guaranteePercent}%` },
        { label: 'Availability if nothing else fails', value: `${d.availabilityPercent}%` },
        { label: 'Downtime counted', value: `${hours(d.downtimeMs ?? 0)} of ${hours(d.allowedDowntimeMs ?? 0)} allowed (${d.budgetUsedPercent}%)` },
      ], { label: 'Open the contracts', url: `${base}/contracts` });
    }
    case 'reserve.warning':
    case 'reserve.exhausted': {
      const reserve = d.reserve!;
      const consumed = d.consumed!;
      const overdrawn = consumed.amountMinor > reserve.amountMinor;
      const state = rule === 'reserve.warning' ? '80 % used' : overdrawn ? 'overdrawn' : 'used up';
      return compose(`quality reserve of batch ${d.code} ${state}`, `The quality reserve of production batch ${d.code} is ${state}: warranty repairs caused by quality defects are charged to it.`, [
        { label: 'Batch', value: d.code ?? '' },
        { label: 'Reserve', value: formatMoney(reserve.amountMinor, reserve.currency) },
        { label: 'Charged to it', value: formatMoney(consumed.amountMinor, consumed.currency) },
        ...(d.share === null || d.share === undefined ? [] : [{ label: 'Used', value: `${Math.round(d.share * 100)} %` }]),
      ], { label: 'Open the warranty batches report', url: `${base}/reports` });
    }
  }
}

/** One mail summing up what a recipient chose to get daily. */
export function renderDigest(day: string, items: readonly NotificationMessage[], consoleUrl: string): Rendered {
  const strip = (s: string) => s.replace(/^\[Hourmeter\] /, '');
  const subject = `[Hourmeter] daily digest ${day}: ${items.length} update${items.length === 1 ? '' : 's'}`;
  const text = [`What happened since your last digest (${items.length}):`, '', ...items.map((i) => `- ${strip(i.subject)} (${when(i.createdAt)})`), '', `Console: ${consoleUrl}`].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>What happened since your last digest (${items.length}):</p>
<ul>${items.map((i) => `<li>${escapeHtml(strip(i.subject))} <small>(${escapeHtml(when(i.createdAt))})</small></li>`).join('')}</ul>
<p><a href="${escapeHtml(consoleUrl)}">Open the console</a></p>
</body></html>`;
  return { subject, text, html };
}
