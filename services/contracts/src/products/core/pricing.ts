/**
 * Extended-warranty pricing from the fleet's measured reliability: the
 * expected cost of failures over the term, per failure mode, adjusted by the
 * asset's condition, plus a margin. Every figure that went into the price is
 * returned with it (the quote shows its working).
 *
 * Expected failures of one mode in the term, for an asset of current age a
 * (operating hours in its current life) that will run h operating hours in
 * the term, from the mode's Weibull fit (shape beta, scale eta):
 * - minimal repair (a repair leaves the unit as old as it was): failures form
 *   a power-law process, E = H(a + h) - H(a) with H(t) = (t/eta)^beta;
 * - renewal (a repair makes it as good as new): the first failure comes from
 *   the life conditional on surviving to a, G(t) = 1 - S(a + t)/S(a), each
 *   later one from a new life, E = integral of (1 + M(h - t)) dG(t) with the
 *   renewal function M(t) = F(t) + integral of M(t - x) dF(x), both on a grid.
 */

export type Restoration = 'as_good_as_new' | 'minimal_repair';

/** Grid steps of the renewal-function integrals: enough for 4 significant digits at shapes up to 10. */
const RENEWAL_STEPS = 400;

const cumulativeHazard = (shape: number, scale: number, t: number) => Math.pow(Math.max(0, t) / scale, shape);
const cdf = (shape: number, scale: number, t: number) => 1 - Math.exp(-cumulativeHazard(shape, scale, t));

/** Expected failures in the next `hours` operating hours at age `ageHours`. */
export function expectedFailures(shape: number, scale: number, ageHours: number, hours: number, restoration: Restoration): number {
  if (hours <= 0) return 0;
  if (restoration === 'minimal_repair') return cumulativeHazard(shape, scale, ageHours + hours) - cumulativeHazard(shape, scale, ageHours);
  const step = hours / RENEWAL_STEPS;
  // M on the grid 0, step, ..., hours (a new unit), by the standard Riemann-Stieltjes recursion.
  const F = Array.from({ length: RENEWAL_STEPS + 1 }, (_, k) => cdf(shape, scale, k * step));
  const M = new Array<number>(RENEWAL_STEPS + 1).fill(0);
  for (let k = 1; k <= RENEWAL_STEPS; k++) {
    let sum = F[k]!;
    for (let j = 1; j <= k; j++) sum += M[k - j]! * (F[j]! - F[j - 1]!);
    M[k] = sum;
  }
  // The current unit first: survived to the age, so its life is conditional. S(a + t)/S(a) as
  // exp(-(H(a + t) - H(a))): far past the scale both survivals underflow to 0, their ratio does not.
  const hazardAtAge = cumulativeHazard(shape, scale, ageHours);
  const G = (t: number) => 1 - Math.exp(-(cumulativeHazard(shape, scale, ageHours + t) - hazardAtAge));
  let expected = 0;
  for (let j = 1; j <= RENEWAL_STEPS; j++) expected += (G(j * step) - G((j - 1) * step)) * (1 + M[RENEWAL_STEPS - j]!);
  return expected;
}

/** Median residual life at `ageHours` under the fit alone (what the population says about this age). */
export function populationMedianResidual(shape: number, scale: number, ageHours: number): number {
  return scale * Math.pow(cumulativeHazard(shape, scale, ageHours) + Math.LN2, 1 / shape) - ageHours;
}

/**
 * How much worse (or better) the asset is than the population at its age:
 * the population's median residual life over the asset's estimated RUL,
 * bounded to [0.5, 3] so one odd estimate cannot make a price absurd. 1 when
 * there is no estimate, or the estimate is the fit itself.
 */
export function conditionFactor(shape: number, scale: number, ageHours: number, rulHours: number | undefined): number {
  if (rulHours === undefined || !(rulHours > 0)) return 1;
  const ratio = populationMedianResidual(shape, scale, ageHours) / rulHours;
  if (!Number.isFinite(ratio)) return 1;
  return Math.min(3, Math.max(0.5, ratio));
}

export interface FailureModePricingInput {
  failureMode: string;
  shape: number;
  scale: number;
  restoration: Restoration;
  /** Operating hours of the asset's current life. */
  ageHours: number;
  /** The condition estimate's median RUL (operating hours), when there is one. */
  rulHours?: number | undefined;
  /** The condition estimate's failure probability within the lead time, shown with the working. */
  failureProbability?: number | undefined;
  /** Parts + labour + travel of one failure of this mode. */
  averageCostMinor: number;
  /** `work_orders` (the mean of N completed corrective orders) or `default` (none recorded). */
  costBasis: { source: 'work_orders'; orders: number } | { source: 'default' };
}

export interface PricingInput {
  /** Operating hours per calendar hour recently (the hour meter's last 30 days). */
  utilisation: number;
  termHours: number;
  marginPercent: number;
  modes: FailureModePricingInput[];
}

export interface FailureModeWorking extends FailureModePricingInput {
  hoursOverTerm: number;
  expectedFailures: number;
  conditionFactor: number;
  subtotalMinor: number;
}

export interface PricingWorking {
  utilisation: number;
  termHours: number;
  hoursOverTerm: number;
  modes: FailureModeWorking[];
  expectedCostMinor: number;
  marginPercent: number;
  marginMinor: number;
  totalMinor: number;
}

/** The extended warranty's price for one asset, with its working (money in integer minor units). */
export function priceExtendedWarranty(input: PricingInput): PricingWorking {
  const hoursOverTerm = Math.max(0, input.utilisation) * Math.max(0, input.termHours);
  const modes = input.modes.map((m): FailureModeWorking => {
    const failures = expectedFailures(m.shape, m.scale, m.ageHours, hoursOverTerm, m.restoration);
    const factor = conditionFactor(m.shape, m.scale, m.ageHours, m.rulHours);
    return { ...m, hoursOverTerm, expectedFailures: failures, conditionFactor: factor, subtotalMinor: Math.round(failures * factor * Math.max(0, m.averageCostMinor)) };
  });
  const expectedCostMinor = modes.reduce((s, m) => s + m.subtotalMinor, 0);
  const marginMinor = Math.round((expectedCostMinor * Math.max(0, input.marginPercent)) / 100);
  return { utilisation: input.utilisation, termHours: input.termHours, hoursOverTerm, modes, expectedCostMinor, marginPercent: input.marginPercent, marginMinor, totalMinor: expectedCostMinor + marginMinor };
}
