/**
 * The Kubernetes VPA recommender's target, as the recommender computes it (kubernetes/autoscaler,
 * vertical-pod-autoscaler/pkg/recommender: `logic/recommender.go`, `model/aggregations_config.go`,
 * `util/histogram.go`, `util/decaying_histogram.go`), applied to a VM trace:
 *
 * - CPU: every sample goes into an exponential histogram (first bucket 0.01 cores, each bucket 5 %
 *   wider) with a weight that halves every 24 h of age (`cpu-histogram-decay-half-life`); the
 *   target is the histogram's P90 (`target-cpu-percentile`), read as the END of the bucket.
 * - Memory: the PEAK of each 24 h interval (`memory-aggregation-interval`), the last 8 intervals
 *   (`memory-aggregation-interval-count`), each peak weighted by its interval end's age (half-life
 *   24 h) into a histogram (first bucket 10^7 bytes, 5 % growth); target = its P90
 *   (`target-memory-percentile`), bucket end.
 * - Both × (1 + 0.15) (`recommendation-margin-fraction`), at least 25 millicores and 250 MiB
 *   (`pod-recommendation-min-cpu-millicores`, `pod-recommendation-min-memory-mb`).
 * - History: the last 8 days (`history-length` 8d of the Prometheus history provider; CPU samples
 *   older than that weigh < 0.4 % anyway).
 *
 * Left out, as they do not apply to a VM trace: per-container splitting, the CPU sample weight by
 * the container's request (one VM has one request, so a constant factor), OOM bump-ups (the traces
 * record no kills), and the confidence multipliers (they move the lower/upper bounds, not the target).
 */
import type { Series } from '../model';

const HOUR_MS = 3_600_000;
const GIB = 1024 ** 3;

export const VPA_RECOMMENDER = {
  targetPercentile: 90,
  marginFraction: 0.15,
  cpuHalfLifeMs: 24 * HOUR_MS,
  memoryHalfLifeMs: 24 * HOUR_MS,
  memoryIntervalMs: 24 * HOUR_MS,
  memoryIntervals: 8,
  historyMs: 8 * 24 * HOUR_MS,
  bucketGrowth: 0.05,
  cpuFirstBucketCores: 0.01,
  memoryFirstBucketGiB: 1e7 / GIB,
  minCpuCores: 0.025,
  minMemoryGiB: (250 * 1024 * 1024) / GIB,
} as const;

/** End of the exponential-histogram bucket that holds `value` (VPA reports a bucket's end). */
export function vpaBucketEnd(value: number, firstBucket: number, growth = VPA_RECOMMENDER.bucketGrowth): number {
  const ratio = 1 + growth;
  const start = (bucket: number) => (firstBucket * (ratio ** bucket - 1)) / (ratio - 1);
  let bucket = Math.max(0, Math.floor(Math.log((value * (ratio - 1)) / firstBucket + 1) / Math.log(ratio)));
  // Floating point can put a value exactly on a boundary one bucket off: settle it.
  while (bucket > 0 && start(bucket) > value) bucket--;
  while (start(bucket + 1) <= value) bucket++;
  return start(bucket + 1);
}

/** Weighted percentile as VPA's histogram reads it: the first value whose cumulative weight reaches p. */
function weightedPercentile(values: number[], weights: number[], percentile: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const total = weights.reduce((s, w) => s + w, 0);
  const threshold = (percentile / 100) * total;
  let sum = 0;
  for (const i of order) {
    sum += weights[i]!;
    if (sum >= threshold - 1e-12 * total) return values[i]!;
  }
  return values[order[order.length - 1]!] ?? 0;
}

/** VPA's CPU target (cores) from samples before `end`: decayed-histogram percentile × (1 + margin). */
export function vpaCpuTarget(cpu: Series, end: number, percentile: number, margin: number): number {
  const v = VPA_RECOMMENDER;
  const values: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < cpu.t.length; i++) {
    const t = cpu.t[i]!;
    const x = cpu.v[i]!;
    if (t >= end || end - t > v.historyMs || !Number.isFinite(x)) continue;
    values.push(x);
    weights.push(0.5 ** ((end - t) / v.cpuHalfLifeMs));
  }
  if (values.length === 0) return v.minCpuCores;
  const level = vpaBucketEnd(weightedPercentile(values, weights, percentile), v.cpuFirstBucketCores);
  return Math.max(level * (1 + margin), v.minCpuCores);
}

/** VPA's memory target (GiB): percentile of the decayed 24 h peaks of the last 8 intervals × (1 + margin). */
export function vpaMemoryTarget(memory: Series, end: number, percentile: number, margin: number): number {
  const v = VPA_RECOMMENDER;
  const peaks = new Map<number, number>();
  for (let i = 0; i < memory.t.length; i++) {
    const t = memory.t[i]!;
    const x = memory.v[i]!;
    if (t >= end || !Number.isFinite(x)) continue;
    const interval = Math.floor((end - 1 - t) / v.memoryIntervalMs); // 0 = the interval ending at `end`
    if (interval >= v.memoryIntervals) continue;
    peaks.set(interval, Math.max(peaks.get(interval) ?? -Infinity, x));
  }
  if (peaks.size === 0) return v.minMemoryGiB;
  const values = [...peaks.values()];
  const weights = [...peaks.keys()].map((k) => 0.5 ** ((k * v.memoryIntervalMs) / v.memoryHalfLifeMs));
  const level = vpaBucketEnd(weightedPercentile(values, weights, percentile), v.memoryFirstBucketGiB);
  return Math.max(level * (1 + margin), v.minMemoryGiB);
}
