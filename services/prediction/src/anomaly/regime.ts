/**
 * Operating regimes: a baseline is learned per asset, metric and regime, so a
 * compressor at 90 % load is compared with itself at 90 % load, not with idle.
 */

export type RegimeRule =
  /** One baseline for every condition. */
  | { kind: 'single' }
  /** A numeric metric (load, speed) discretised by ascending bin edges. */
  | { kind: 'metric'; metric: string; edges: readonly number[] }
  /** A running/stopped flag: boolean metric, or numeric above a threshold. */
  | { kind: 'running'; metric: string; above?: number }
  /** Default: a load-like metric if the asset reports one, else `running` if given and reported, else a single regime. */
  | { kind: 'auto'; running?: { metric: string; above?: number } };

/** Metric names treated as the operating load by the `auto` rule. */
export const LOAD_LIKE = /^(load|load_pct|load_percent|load_ratio|load_factor)$|(^|[._])load([._]|$)/;

/**
 * Bin edges of the `auto` rule, as fractions of full load: 10 % steps, since
 * flow, pressure and current move with load and coarser bins mix levels a
 * CUSUM would flag as departures.
 */
export const AUTO_EDGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** A rule with `auto` resolved against an asset's first reading (kept in the serialised state). */
export type ResolvedRegime = Exclude<RegimeRule, { kind: 'auto' }>;

export function resolveRegime(rule: RegimeRule, metrics: Readonly<Record<string, number | boolean>>): ResolvedRegime | undefined {
  if (rule.kind !== 'auto') return rule;
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !LOAD_LIKE.test(name)) continue;
    // A percentage or a fraction: decided once, from the name or the first value.
    const scale = /pct|percent/.test(name) || value > 1.5 ? 100 : 1;
    return { kind: 'metric', metric: name, edges: AUTO_EDGES.map((e) => e * scale) };
  }
  if (rule.running && rule.running.metric in metrics) return { kind: 'running', ...rule.running };
  // Nothing load-like in this reading: decide later only if nothing numeric was there either.
  return Object.values(metrics).some((v) => typeof v === 'number') ? { kind: 'single' } : undefined;
}

/** The regime label of one reading, or undefined when the reading does not carry the regime metric. */
export function regimeOf(rule: ResolvedRegime, metrics: Readonly<Record<string, number | boolean>>): string | undefined {
  switch (rule.kind) {
    case 'single':
      return 'all';
    case 'running': {
      const v = metrics[rule.metric];
      if (v === undefined) return undefined;
      const on = typeof v === 'boolean' ? v : Number.isFinite(v) && v > (rule.above ?? 0.5);
      return on ? 'running' : 'stopped';
    }
    case 'metric': {
      const v = metrics[rule.metric];
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
      let bin = 0;
      while (bin < rule.edges.length && v >= rule.edges[bin]!) bin++;
      return `${rule.metric}:${bin}`;
    }
  }
}

/** The metric a rule reads, which is itself not monitored for anomalies. */
export function regimeMetric(rule: ResolvedRegime | undefined): string | undefined {
  return rule && rule.kind !== 'single' ? rule.metric : undefined;
}
