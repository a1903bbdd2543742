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

/**
 * Weighted quantile (p in 0–100) of the first `n` values of `v` with weights `w`: the smallest
 * value x whose weighted CDF (total weight of the values ≤ x) reaches p % of the total weight.
 * Weighted quickselect with a three-way partition: O(n) expected, no sort. REORDERS the first
 * `n` entries of `v` and `w` (pass scratch copies).
 */
export function weightedQuantileInPlace(v: Float64Array, w: Float64Array, n: number, p: number): number {
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i]!;
  // The slack keeps a target that is exactly a cumulative weight from missing by rounding.
  const target = (Math.min(100, Math.max(0, p)) / 100) * total - 1e-12 * total;
  let lo = 0;
  let hi = n; // exclusive
  let below = 0; // weight of the values left of `lo` (all smaller than any in [lo, hi))
  for (;;) {
    const pivot = v[(lo + hi) >>> 1]!;
    // Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi) > pivot.
    let lt = lo;
    let i = lo;
    let gt = hi - 1;
    let wLess = 0;
    let wEqual = 0;
    while (i <= gt) {
      const x = v[i]!;
      if (x < pivot) {
        wLess += w[i]!;
        swap(v, w, lt++, i++);
      } else if (x > pivot) {
        swap(v, w, i, gt--);
      } else {
        wEqual += w[i]!;
        i++;
      }
    }
    if (lt > lo && below + wLess >= target) hi = lt;
    else if (below + wLess + wEqual >= target || gt + 1 >= hi) return pivot;
    else {
      below += wLess + wEqual;
      lo = gt + 1;
    }
  }
}

function swap(v: Float64Array, w: Float64Array, i: number, j: number): void {
  const x = v[i]!;
  v[i] = v[j]!;
  v[j] = x;
  const y = w[i]!;
  w[i] = w[j]!;
  w[j] = y;
}
