/**
 * Which metrics indicate which failure mode. Rules are glob patterns over
 * metric names (`*` = any characters), first match wins; per asset model rules
 * are tried before the defaults. A metric no rule names gets its own failure
 * mode `anomaly:<metric>`, so nothing is silently dropped.
 */

export interface FailureModeRule {
  /** Glob over the metric name: `vibration*`, `bearing.*temp*`. */
  pattern: string;
  failureMode: string;
}

export const DEFAULT_FAILURE_MODE_RULES: readonly FailureModeRule[] = [
  { pattern: 'vibration*', failureMode: 'bearing_wear' },
  { pattern: 'bearing*', failureMode: 'bearing_wear' },
  { pattern: 'discharge_temp*', failureMode: 'valve_wear' },
  { pattern: 'motor_current*', failureMode: 'valve_wear' },
  { pattern: 'winding_temp*', failureMode: 'insulation' },
];

/** Suggested spare parts per failure mode (part numbers), used on preventive work orders. */
export const DEFAULT_SUGGESTED_PARTS: Readonly<Record<string, readonly string[]>> = {
  bearing_wear: ['BRG-KIT'],
  valve_wear: ['VLV-KIT'],
  insulation: ['MTR-WINDING'],
};

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${body}$`);
}

export interface FailureModeMapper {
  failureModeOf(metric: string): string;
  /** Every metric seen so far that maps to the failure mode (for baseline resets). */
  metricsOf(failureMode: string): string[];
}

/** A cached mapper for one asset model: model rules first, then the defaults. */
export function failureModeMapper(
  modelRules: readonly FailureModeRule[] = [],
  defaults: readonly FailureModeRule[] = DEFAULT_FAILURE_MODE_RULES,
): FailureModeMapper {
  const rules = [...modelRules, ...defaults].map((r) => ({ re: globToRegExp(r.pattern), failureMode: r.failureMode }));
  const cache = new Map<string, string>();
  return {
    failureModeOf(metric) {
      let fm = cache.get(metric);
      if (fm === undefined) {
        fm = rules.find((r) => r.re.test(metric))?.failureMode ?? `anomaly:${metric}`;
        cache.set(metric, fm);
      }
      return fm;
    },
    metricsOf(failureMode) {
      return [...cache.entries()].filter(([, fm]) => fm === failureMode).map(([m]) => m);
    },
  };
}
