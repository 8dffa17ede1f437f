/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and
 * swaps of two adjacent characters each cost 1, because a mistyped part number
 * is usually one wrong, missing, extra or swapped character.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toUpperCase();
  const t = b.toUpperCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

export interface Suggestion {
  partNumber: string;
  distance: number;
}

/**
 * The closest candidates to `query`, nearest first (ties by part number), at
 * most `limit`. Candidates further than `maxDistance` (default: half the
 * query's length, at least 2) are not suggestions but noise.
 */
export function closestPartNumbers(
  query: string,
  candidates: readonly string[],
  opts: { limit?: number; maxDistance?: number } = {},
): Suggestion[] {
  const limit = opts.limit ?? 5;
  const maxDistance = opts.maxDistance ?? Math.max(2, Math.floor(query.length / 2));
  return [...new Set(candidates)]
    .map((partNumber) => ({ partNumber, distance: editDistance(query, partNumber) }))
    .filter((s) => s.distance <= maxDistance)
    .sort((x, y) => x.distance - y.distance || x.partNumber.localeCompare(y.partNumber))
    .slice(0, limit);
}
