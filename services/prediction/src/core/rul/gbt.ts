import { seededRandom } from '@hourmeter/domain';

/**
 * Histogram gradient-boosted regression trees (squared loss), in the spirit of
 * LightGBM: features are bucketed once into at most 256 quantile bins, each
 * tree grows leaf-wise (best gain first) from per-node histograms, and a
 * child's histogram is the parent's minus its sibling's, so a split costs one
 * pass over the smaller child. That makes training linear in rows, unlike
 * ml-cart / ml-random-forest whose exact split search is quadratic and which
 * need minutes on 50k C-MAPSS rows.
 *
 * The fitted model is plain arrays of numbers: JSON in, JSON out.
 */
export interface GbtOptions {
  /** Upper bound on boosting rounds (early stopping may use fewer). */
  readonly rounds: number;
  readonly learningRate: number;
  readonly maxLeaves: number;
  readonly maxDepth: number;
  /** Fewest training rows a leaf may hold. */
  readonly minLeafSize: number;
  /** L2 penalty on leaf values: shrinks leaves backed by few rows. */
  readonly lambda: number;
  /** Share of rows each tree sees (stochastic boosting decorrelates trees). */
  readonly rowSample: number;
  /** Share of features each tree may split on. */
  readonly colSample: number;
  readonly maxBins: number;
  /** Stop after this many rounds without validation improvement (needs validation data). */
  readonly earlyStopping: number;
  readonly seed: number;
}

export const DEFAULT_GBT_OPTIONS: GbtOptions = {
  rounds: 600,
  learningRate: 0.05,
  maxLeaves: 24,
  maxDepth: 8,
  minLeafSize: 40,
  lambda: 1,
  rowSample: 0.7,
  colSample: 0.6,
  maxBins: 64,
  earlyStopping: 60,
  seed: 1,
};

/** One regression tree in flat arrays; node 0 is the root, `feature[i] < 0` marks a leaf. */
export interface GbtTree {
  readonly feature: number[];
  /** Go left when x[feature] <= threshold. */
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
}

export interface GbtModel {
  readonly featureCount: number;
  readonly base: number;
  readonly trees: GbtTree[];
}

/** Row-major matrix: element (i, j) at data[i * cols + j]. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function predictTree(tree: GbtTree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = x[offset + tree.feature[node]!]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Prediction for the feature row starting at `offset` of `x`. */
export function predictGbt(model: GbtModel, x: ArrayLike<number>, offset = 0): number {
  let sum = model.base;
  for (const tree of model.trees) sum += predictTree(tree, x, offset);
  return sum;
}

/**
 * Bin edges per feature from (a sample of) the training values: value v falls
 * in the first bin b with v <= edges[b], or in the last bin.
 */
function binEdges(X: DenseMatrix, maxBins: number, random: () => number): Float64Array[] {
  const sampleRows: number[] = [];
  const target = 20_000;
  for (let i = 0; i < X.rows; i++) if (X.rows <= target || random() < target / X.rows) sampleRows.push(i);
  const edges: Float64Array[] = [];
  const values = new Float64Array(sampleRows.length);
  for (let j = 0; j < X.cols; j++) {
    sampleRows.forEach((r, k) => (values[k] = X.data[r * X.cols + j]!));
    values.sort();
    const uniq: number[] = [];
    for (const v of values) if (uniq.length === 0 || v !== uniq[uniq.length - 1]) uniq.push(v);
    const e: number[] = [];
    if (uniq.length <= maxBins) {
      // Few distinct values: split between each pair so every value gets its own bin.
      for (let k = 0; k + 1 < uniq.length; k++) e.push((uniq[k]! + uniq[k + 1]!) / 2);
    } else {
      for (let b = 1; b < maxBins; b++) {
        const v = values[Math.floor((b * values.length) / maxBins)]!;
        if (e.length === 0 || v > e[e.length - 1]!) e.push(v);
      }
    }
    edges.push(Float64Array.from(e));
  }
  return edges;
}

function binIndex(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface OpenLeaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  sumG: number;
  hist: Float64Array;
  gain: number;
  feature: number;
  bin: number;
}

export interface GbtProgress {
  readonly round: number;
  readonly trainRmse: number;
  readonly validationRmse: number | undefined;
}

export interface GbtFitResult {
  readonly model: GbtModel;
  /** Number of trees kept (the best validation round when early stopping ran). */
  readonly bestRounds: number;
  readonly validationRmse: number | undefined;
}

export function fitGbt(
  X: DenseMatrix,
  y: Float64Array,
  partial: Partial<GbtOptions> = {},
  validation?: { X: DenseMatrix; y: Float64Array },
  onProgress?: (p: GbtProgress) => void,
): GbtFitResult {
  const o: GbtOptions = { ...DEFAULT_GBT_OPTIONS, ...partial };
  if (o.maxBins > 256 || o.maxBins < 2) throw new Error('fitGbt: maxBins must be in 2..256');
  if (X.rows !== y.length) throw new Error(`fitGbt: ${X.rows} rows but ${y.length} targets`);
  if (X.rows === 0) throw new Error('fitGbt: no rows');
  const random = seededRandom(o.seed);
  const n = X.rows;
  const p = X.cols;
  const B = o.maxBins;

  const edges = binEdges(X, B, random);
  const bins = new Uint8Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) bins[i * p + j] = binIndex(edges[j]!, X.data[i * p + j]!);

  let base = 0;
  for (let i = 0; i < n; i++) base += y[i]! / n;
  const pred = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const valPred = validation ? new Float64Array(validation.y.length).fill(base) : undefined;

  const trees: GbtTree[] = [];
  let bestRounds = 0;
  let bestVal = Infinity;
  const index = new Int32Array(n);
  const lambda = o.lambda;

  for (let round = 0; round < o.rounds; round++) {
    for (let i = 0; i < n; i++) grad[i] = pred[i]! - y[i]!;
    let m = 0;
    for (let i = 0; i < n; i++) if (o.rowSample >= 1 || random() < o.rowSample) index[m++] = i;
    const chosen: number[] = [];
    for (let j = 0; j < p; j++) if (o.colSample >= 1 || random() < o.colSample) chosen.push(j);
    if (chosen.length === 0) chosen.push(Math.floor(random() * p));
    const feats = Int32Array.from(chosen);

    // Histogram: gradient sums at [j * B + bin], row counts at [p * B + j * B + bin].
    const buildHist = (start: number, end: number): Float64Array => {
      const h = new Float64Array(2 * p * B);
      const cOff = p * B;
      for (let k = start; k < end; k++) {
        const r = index[k]!;
        const g = grad[r]!;
        const off = r * p;
        for (let q = 0; q < feats.length; q++) {
          const j = feats[q]!;
          const slot = j * B + bins[off + j]!;
          h[slot]! += g;
          h[cOff + slot]! += 1;
        }
      }
      return h;
    };
    const score = (leaf: OpenLeaf) => {
      leaf.gain = 0;
      leaf.feature = -1;
      const count = leaf.end - leaf.start;
      if (leaf.depth >= o.maxDepth || count < 2 * o.minLeafSize) return;
      const parentScore = (leaf.sumG * leaf.sumG) / (count + lambda);
      const cOff = p * B;
      for (const j of feats) {
        let gl = 0;
        let cl = 0;
        const nb = edges[j]!.length; // last usable split bin index is nb - 1
        for (let b = 0; b < nb; b++) {
          gl += leaf.hist[j * B + b]!;
          cl += leaf.hist[cOff + j * B + b]!;
          if (cl < o.minLeafSize) continue;
          const cr = count - cl;
          if (cr < o.minLeafSize) break;
          const gr = leaf.sumG - gl;
          const gain = (gl * gl) / (cl + lambda) + (gr * gr) / (cr + lambda) - parentScore;
          if (gain > leaf.gain) {
            leaf.gain = gain;
            leaf.feature = j;
            leaf.bin = b;
          }
        }
      }
    };

    const tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
    const binThreshold: number[] = [0];
    let sumAll = 0;
    for (let k = 0; k < m; k++) sumAll += grad[index[k]!]!;
    const root: OpenLeaf = { node: 0, start: 0, end: m, depth: 0, sumG: sumAll, hist: buildHist(0, m), gain: 0, feature: -1, bin: 0 };
    score(root);
    const open: OpenLeaf[] = [root];
    let leaves = 1;
    while (leaves < o.maxLeaves) {
      let bestIdx = -1;
      for (let k = 0; k < open.length; k++) if (open[k]!.feature >= 0 && (bestIdx < 0 || open[k]!.gain > open[bestIdx]!.gain)) bestIdx = k;
      if (bestIdx < 0) break;
      const leaf = open.splice(bestIdx, 1)[0]!;
      // Partition the leaf's rows in place: bin <= split bin goes left.
      let lo = leaf.start;
      let hi = leaf.end - 1;
      while (lo <= hi) {
        if (bins[index[lo]! * p + leaf.feature]! <= leaf.bin) lo++;
        else {
          const tmp = index[lo]!;
          index[lo] = index[hi]!;
          index[hi] = tmp;
          hi--;
        }
      }
      const mid = lo;
      let sumLeft = 0;
      for (let k = leaf.start; k < mid; k++) sumLeft += grad[index[k]!]!;
      const leftIsSmaller = mid - leaf.start <= leaf.end - mid;
      const small = leftIsSmaller ? buildHist(leaf.start, mid) : buildHist(mid, leaf.end);
      const large = leaf.hist; // reused: parent minus the smaller child
      for (let k = 0; k < large.length; k++) large[k]! -= small[k]!;
      const leftNode = tree.feature.length;
      const rightNode = leftNode + 1;
      for (let k = 0; k < 2; k++) {
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push(0);
        binThreshold.push(0);
      }
      tree.feature[leaf.node] = leaf.feature;
      tree.threshold[leaf.node] = edges[leaf.feature]![leaf.bin]!;
      binThreshold[leaf.node] = leaf.bin;
      tree.left[leaf.node] = leftNode;
      tree.right[leaf.node] = rightNode;
      const left: OpenLeaf = { node: leftNode, start: leaf.start, end: mid, depth: leaf.depth + 1, sumG: sumLeft, hist: leftIsSmaller ? small : large, gain: 0, feature: -1, bin: 0 };
      const right: OpenLeaf = { node: rightNode, start: mid, end: leaf.end, depth: leaf.depth + 1, sumG: leaf.sumG - sumLeft, hist: leftIsSmaller ? large : small, gain: 0, feature: -1, bin: 0 };
      score(left);
      score(right);
      open.push(left, right);
      leaves++;
    }
    for (const leaf of open) {
      // Newton step for squared loss (hessian 1 per row), shrunk by lambda and the learning rate.
      tree.value[leaf.node] = (-o.learningRate * leaf.sumG) / (leaf.end - leaf.start + lambda);
    }
    trees.push(tree);

    // Update every training row, sampled or not, by walking the binned data.
    let sq = 0;
    for (let i = 0; i < n; i++) {
      let node = 0;
      const off = i * p;
      while (tree.feature[node]! >= 0) node = bins[off + tree.feature[node]!]! <= binThreshold[node]! ? tree.left[node]! : tree.right[node]!;
      pred[i]! += tree.value[node]!;
      sq += (pred[i]! - y[i]!) ** 2;
    }
    let valRmse: number | undefined;
    if (validation && valPred) {
      let vs = 0;
      const vy = validation.y;
      for (let i = 0; i < vy.length; i++) {
        valPred[i]! += predictTree(tree, validation.X.data, i * p);
        vs += (valPred[i]! - vy[i]!) ** 2;
      }
      valRmse = Math.sqrt(vs / Math.max(1, vy.length));
      if (valRmse < bestVal) {
        bestVal = valRmse;
        bestRounds = round + 1;
      }
    } else {
      bestRounds = round + 1;
    }
    onProgress?.({ round: round + 1, trainRmse: Math.sqrt(sq / n), validationRmse: valRmse });
    if (validation && round + 1 - bestRounds >= o.earlyStopping) break;
  }
  return {
    model: { featureCount: p, base, trees: trees.slice(0, bestRounds) },
    bestRounds,
    validationRmse: validation ? bestVal : undefined,
  };
}
