import { seededRandom } from '@hourmeter/domain';

/**
 * Operating-condition clustering.
 *
 * C-MAPSS engines fly at discrete operating points (altitude, Mach, throttle);
 * every sensor level depends on the point, so degradation only shows once
 * readings are compared with others taken at the same point. The settings
 * carry small measurement noise, so exact matching does not work; k-means on
 * standardised settings does, and the number of points is chosen from the
 * data (see `minCollapse`). Pure noise around one point (FD001) never
 * collapses and stays k = 1.
 */
export interface ConditionModel {
  /** Per-setting centre and scale used to standardise before measuring distance. */
  readonly centre: number[];
  readonly scale: number[];
  /** Cluster centres in standardised units. */
  readonly centroids: number[][];
}

export interface ConditionOptions {
  /** Largest number of operating points considered. */
  maxConditions?: number;
  /** Share of setting variance the clusters must explain to accept k. */
  explainedVariance?: number;
  /** Factor by which adding a cluster must shrink the within-cluster spread to count as a real point. */
  minCollapse?: number;
  /** Rows used for the search; larger sets are subsampled (clusters are coarse). */
  sampleSize?: number;
  seed?: number;
}

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

function nearest(point: ArrayLike<number>, centroids: readonly (readonly number[])[]): { index: number; dist: number } {
  let index = 0;
  let dist = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const d = sqDist(point, centroids[c]!);
    if (d < dist) {
      dist = d;
      index = c;
    }
  }
  return { index, dist };
}

/** Lloyd's k-means with k-means++ seeding; returns centroids and within-cluster sum of squares. */
export function kMeans(points: readonly number[][], k: number, random: () => number, iterations = 50): { centroids: number[][]; wcss: number } {
  const dim = points[0]?.length ?? 0;
  const centroids: number[][] = [points[Math.floor(random() * points.length)]!.slice()];
  const d2 = points.map((p) => sqDist(p, centroids[0]!));
  while (centroids.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = 0;
    if (total > 0) {
      let r = random() * total;
      for (pick = 0; pick < points.length - 1; pick++) {
        r -= d2[pick]!;
        if (r <= 0) break;
      }
    }
    const c = points[pick]!.slice();
    centroids.push(c);
    for (let i = 0; i < points.length; i++) d2[i] = Math.min(d2[i]!, sqDist(points[i]!, c));
  }
  const assign = new Int32Array(points.length).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < points.length; i++) {
      const { index } = nearest(points[i]!, centroids);
      if (assign[i] !== index) {
        assign[i] = index;
        changed = true;
      }
    }
    const sums = centroids.map(() => new Array<number>(dim).fill(0));
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < points.length; i++) {
      const c = assign[i]!;
      counts[c]!++;
      for (let j = 0; j < dim; j++) sums[c]![j]! += points[i]![j]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) centroids[c] = sums[c]!.map((s) => s / counts[c]!);
    if (!changed) break;
  }
  let wcss = 0;
  for (let i = 0; i < points.length; i++) wcss += sqDist(points[i]!, centroids[assign[i]!]!);
  return { centroids, wcss };
}

export function learnConditions(settings: readonly (readonly number[])[], options: ConditionOptions = {}): ConditionModel {
  const { maxConditions = 8, explainedVariance = 0.99, minCollapse = 10, sampleSize = 5000, seed = 7 } = options;
  if (settings.length === 0) throw new Error('learnConditions: no rows');
  const dim = settings[0]!.length;
  const centre = new Array<number>(dim).fill(0);
  for (const s of settings) for (let j = 0; j < dim; j++) centre[j]! += s[j]! / settings.length;
  const scale = new Array<number>(dim).fill(0);
  for (const s of settings) for (let j = 0; j < dim; j++) scale[j]! += (s[j]! - centre[j]!) ** 2 / settings.length;
  // A setting that never varies (FD001's throttle) gets unit scale instead of a division by zero.
  for (let j = 0; j < dim; j++) scale[j] = Math.sqrt(scale[j]!) || 1;

  const random = seededRandom(seed);
  const step = Math.max(1, Math.floor(settings.length / sampleSize));
  const points: number[][] = [];
  for (let i = 0; i < settings.length; i += step) points.push(settings[i]!.map((v, j) => (v - centre[j]!) / scale[j]!));

  const total = points.reduce((a, p) => a + sqDist(p, new Array<number>(dim).fill(0)), 0);
  if (total === 0) return { centre, scale, centroids: [new Array<number>(dim).fill(0)] };
  let best: number[][] = [new Array<number>(dim).fill(0)];
  let previous = total;
  for (let k = 2; k <= maxConditions; k++) {
    // A few restarts: one unlucky seeding that merges two points would hide the true k.
    let run = kMeans(points, k, random);
    for (let r = 0; r < 3; r++) {
      const other = kMeans(points, k, random);
      if (other.wcss < run.wcss) run = other;
    }
    // Separating two real operating points collapses the residual spread by orders of
    // magnitude; splitting measurement noise only trims it. The largest k with such a
    // collapse that also explains nearly all variance is the number of points.
    if (run.wcss * minCollapse <= previous && run.wcss <= (1 - explainedVariance) * total) best = run.centroids;
    previous = run.wcss;
    if (previous === 0) break;
  }
  return { centre, scale, centroids: best };
}

/** Index of the operating condition a row of settings belongs to. */
export function assignCondition(model: ConditionModel, settings: readonly number[]): number {
  if (model.centroids.length === 1) return 0;
  const z = settings.map((v, j) => (v - model.centre[j]!) / model.scale[j]!);
  return nearest(z, model.centroids).index;
}
