/**
 * Issue 18 reports as pure functions: parts consumed against returned by
 * technician, hours per installation, qualified hazard reports, and the open
 * hazards of the product review.
 */
import type { Hazard } from '@hourmeter/domain';

const DAY_MS = 86_400_000;
const r2 = (x: number) => Math.round(x * 100) / 100;

export interface ConsumedReturnedFact {
  workOrderId: string;
  partNumber: string;
  /** Free text on the order today (issue 18 item 1 maps it to technician records). */
  technician: string | null;
  completedAt: number;
  consumed: number;
  returned: number;
}

/** The name the report groups orders without a technician under. */
export const NO_TECHNICIAN = '(unassigned)';

/**
 * Per technician: units consumed on completed orders, units returned (unused
 * or the replaced ones), and the gaps: order and part lines where fewer came
 * back than were consumed and the order was completed at least `graceDays`
 * before `now` (DOMAIN.md: a part "used" that never comes back is a red line;
 * the grace is the time a return normally takes to travel back).
 */
export function consumedVsReturned(facts: readonly ConsumedReturnedFact[], now: number, graceDays: number) {
  const cutoff = now - graceDays * DAY_MS;
  const by = new Map<string, { technician: string; orders: Set<string>; consumed: number; returned: number; outstanding: number; overdueUnits: number; overdueLines: number }>();
  const gaps = [];
  for (const f of facts) {
    const technician = f.technician ?? NO_TECHNICIAN;
    const t = by.get(technician) ?? { technician, orders: new Set<string>(), consumed: 0, returned: 0, outstanding: 0, overdueUnits: 0, overdueLines: 0 };
    const missing = Math.max(0, f.consumed - f.returned);
    t.orders.add(f.workOrderId);
    t.consumed += f.consumed;
    t.returned += Math.min(f.returned, f.consumed);
    t.outstanding += missing;
    if (missing > 0 && f.completedAt <= cutoff) {
      t.overdueUnits += missing;
      t.overdueLines++;
      gaps.push({ technician, workOrderId: f.workOrderId, partNumber: f.partNumber, consumed: f.consumed, returned: f.returned, missing, completedAt: f.completedAt, daysSinceCompletion: Math.floor((now - f.completedAt) / DAY_MS) });
    }
    by.set(technician, t);
  }
  const rows = [...by.values()]
    .map((t) => ({
      technician: t.technician,
      orders: t.orders.size,
      consumed: t.consumed,
      returned: t.returned,
      outstanding: t.outstanding,
      overdueUnits: t.overdueUnits,
      overdueLines: t.overdueLines,
      returnRate: t.consumed > 0 ? Math.round((t.returned / t.consumed) * 10_000) / 10_000 : null,
    }))
    .sort((a, b) => b.overdueUnits - a.overdueUnits || a.technician.localeCompare(b.technician));
  gaps.sort((a, b) => b.daysSinceCompletion - a.daysSinceCompletion || a.workOrderId.localeCompare(b.workOrderId) || a.partNumber.localeCompare(b.partNumber));
  return { rows, gaps };
}

export interface InstallationFact {
  workOrderId: string;
  assetModelId: string;
  modelName: string;
  labourHours: number;
  completedAt: number;
}

/**
 * Hours per installation per asset model and UTC year of completion, oldest
 * year first, with the change against the model's previous year: as the
 * product matures it should fall (DOMAIN.md, "Installation hours").
 */
export function installationHours(facts: readonly InstallationFact[]) {
  const by = new Map<string, { assetModelId: string; model: string; year: number; installations: number; hours: number }>();
  for (const f of facts) {
    const year = new Date(f.completedAt).getUTCFullYear();
    const key = `${f.assetModelId}|${year}`;
    const e = by.get(key) ?? { assetModelId: f.assetModelId, model: f.modelName, year, installations: 0, hours: 0 };
    e.installations++;
    e.hours += f.labourHours;
    by.set(key, e);
  }
  const sorted = [...by.values()].sort((a, b) => a.model.localeCompare(b.model) || a.assetModelId.localeCompare(b.assetModelId) || a.year - b.year);
  return sorted.map((e, i) => {
    const prev = i > 0 && sorted[i - 1]!.assetModelId === e.assetModelId ? sorted[i - 1]! : undefined;
    const perInstallation = r2(e.hours / e.installations);
    const prevPer = prev ? r2(prev.hours / prev.installations) : null;
    return {
      assetModelId: e.assetModelId,
      model: e.model,
      year: e.year,
      installations: e.installations,
      totalHours: r2(e.hours),
      hoursPerInstallation: perInstallation,
      changeFromPreviousYear: prevPer === null ? null : r2(perInstallation - prevPer),
    };
  });
}

/**
 * Per responsible department: hazard records, how many are verified, how many
 * recurred, and the qualified ones (verified and not recurred: DOMAIN.md, a
 * hazard counts only when the same problem does not come back).
 */
export function qualifiedHazards(hazards: readonly Hazard[]) {
  const by = new Map<string, { department: string; hazards: number; open: number; verified: number; recurred: number; qualified: number }>();
  for (const h of hazards) {
    const d = by.get(h.responsibleDepartment) ?? { department: h.responsibleDepartment, hazards: 0, open: 0, verified: 0, recurred: 0, qualified: 0 };
    d.hazards++;
    if (h.verifiedAt !== null) d.verified++;
    if (h.recurrence) d.recurred++;
    if (h.verifiedAt !== null && !h.recurrence) d.qualified++;
    if (h.verifiedAt === null) d.open++;
    by.set(h.responsibleDepartment, d);
  }
  return [...by.values()].sort((a, b) => b.qualified - a.qualified || a.department.localeCompare(b.department));
}

/**
 * The product review's hazard section: per asset model (product line), the
 * three open hazards that matter most. Open = not verified, or recurred (a fix
 * that did not hold is open again). Recurred first, then overdue (due before
 * `today`), then the earliest due.
 */
export function topOpenHazards(hazards: readonly Hazard[], models: readonly { id: string; name: string }[], today: string, perModel = 3) {
  const open = hazards.filter((h) => h.verifiedAt === null || h.recurrence);
  const rank = (h: Hazard) => (h.recurrence ? 0 : h.dueOn < today ? 1 : 2);
  const rows: { assetModelId: string; model: string; rank: number; hazardId: string; title: string; department: string; owner: string; dueOn: string; status: Hazard['status']; overdue: boolean }[] = [];
  for (const m of [...models].sort((a, b) => a.name.localeCompare(b.name))) {
    const mine = open
      .filter((h) => h.assetModelIds.includes(m.id))
      .sort((a, b) => rank(a) - rank(b) || a.dueOn.localeCompare(b.dueOn) || a.id.localeCompare(b.id))
      .slice(0, perModel);
    mine.forEach((h, i) =>
      rows.push({
        assetModelId: m.id,
        model: m.name,
        rank: i + 1,
        hazardId: h.id,
        title: h.title,
        department: h.responsibleDepartment,
        owner: h.owner,
        dueOn: h.dueOn,
        status: h.status,
        overdue: h.dueOn < today,
      }),
    );
  }
  return rows;
}
