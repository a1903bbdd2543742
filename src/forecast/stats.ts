/** Small numeric helpers for the forecaster, on typed arrays to keep 10,000 workloads fast. */

/** Percentile (0–100) of an ascending array, linear interpolation between ranks (Excel/NumPy default). */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0]!;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (rank - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Sorted copy of the finite values. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) out[j++] = x;
  }
  return out.sort();
}

/** Number of elements ≤ x in an ascending array. */
export function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rearranges a[lo..hi] so that a[k] holds the value it would have if sorted (Hoare selection). */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Percentiles (ascending list, 0–100) of the finite values, same definition as
 * `percentileSorted`, in O(n) per percentile by selection instead of a full sort.
 */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  let n = 0;
  const a = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isFinite(x)) a[n++] = x;
  }
  if (n === 0) return ps.map(() => NaN);
  const out: number[] = [];
  let lo = 0;
  for (const p of ps) {
    const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const k = Math.floor(rank);
    select(a, lo, n - 1, k);
    lo = k;
    const below = a[k]!;
    let above = below;
    if (k + 1 < n && rank > k) {
      above = Infinity;
      for (let i = k + 1; i < n; i++) if (a[i]! < above) above = a[i]!;
    }
    out.push(below + (rank - k) * (above - below));
  }
  return out;
}

/**
 * The p-th percentile of the mixture {level_i + e : e ∈ residuals}, each level equally likely:
 * the forecast's distribution over the horizon when every future hour has a point forecast
 * `level_i` and an error drawn from the empirical residuals. Solved by bisection on the mixture
 * CDF. The levels are binned (at most `bins` equal-width bins, each at its mean, weighted by
 * its count): the trend and profile move little within a bin, and the cost no longer grows with
 * the horizon.
 */
export function mixturePercentile(levels: Float64Array, sortedResiduals: Float64Array, p: number, bins = 32): number {
  const n = sortedResiduals.length;
  const m = levels.length;
  if (m === 0) return NaN;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < m; i++) {
    const x = levels[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (n === 0) return percentiles(levels, [p])[0]!;
  const width = (max - min) / bins;
  const sums = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < m; i++) {
    const x = levels[i]!;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((x - min) / width)) : 0;
    sums[b]! += x;
    counts[b]! += 1;
  }
  const reps: number[] = [];
  const weights: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (counts[b]! === 0) continue;
    reps.push(sums[b]! / counts[b]!);
    weights.push(counts[b]!);
  }
  const target = (p / 100) * m * n;
  let lo = min + sortedResiduals[0]!;
  let hi = max + sortedResiduals[n - 1]!;
  const tolerance = Math.max(1e-9, (hi - lo) * 1e-4);
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2;
    let count = 0;
    for (let i = 0; i < reps.length; i++) count += weights[i]! * countAtMost(sortedResiduals, mid - reps[i]!);
    if (count >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}
