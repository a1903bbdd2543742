import type { Series, UsageDigest } from '../model';

const HOUR_MS = 3_600_000;

/** Bucket sizes in hours, smallest first; past a day, whole days. */
const BUCKET_HOURS = [1, 2, 3, 4, 6, 8, 12, 24];

/** Most buckets a digest holds: a 32-day look-back gives 32 daily peaks. */
export const MAX_DIGEST_BUCKETS = 48;

/** The smallest bucket (1, 2, 3, 4, 6, 8, 12 h or whole days) that splits the window into at most `maxBuckets`. */
export function bucketHoursFor(windowMs: number, maxBuckets = MAX_DIGEST_BUCKETS): number {
  const hours = Math.max(1, Math.ceil(windowMs / HOUR_MS));
  const fit = BUCKET_HOURS.find((h) => Math.ceil(hours / h) <= maxBuckets);
  return fit ?? Math.ceil(hours / maxBuckets / 24) * 24;
}

function peaks(series: Series, start: number, bucketMs: number, buckets: number): (number | null)[] {
  const out = new Array<number | null>(buckets).fill(null);
  for (let i = 0; i < series.t.length; i++) {
    const t = series.t[i]!;
    const v = series.v[i]!;
    if (!Number.isFinite(v) || t < start) continue;
    const b = Math.floor((t - start) / bucketMs);
    if (b >= buckets) continue;
    const prev = out[b];
    out[b] = prev === null || prev === undefined ? v : Math.max(prev, v);
  }
  // Three decimals are finer than any chart draws and keep the JSON report small.
  return out.map((v) => (v === null ? null : Number(v.toFixed(3))));
}

/**
 * A small copy of a workload's usage for charts: the peak per bucket (per instance, as the
 * usage is) over the look-back window `[start, end)`. Peaks, not means: capacity is decided by
 * the peaks, and a reviewer must see the spikes the forecast saw.
 */
export function digestUsage(
  usage: { cpuCores: Series; memoryGiB?: Series },
  window: { start: number; end: number },
  maxBuckets = MAX_DIGEST_BUCKETS,
): UsageDigest {
  const bucketHours = bucketHoursFor(window.end - window.start, maxBuckets);
  const bucketMs = bucketHours * HOUR_MS;
  const buckets = Math.max(1, Math.ceil((window.end - window.start) / bucketMs));
  return {
    start: window.start,
    bucketHours,
    cpuCores: peaks(usage.cpuCores, window.start, bucketMs, buckets),
    ...(usage.memoryGiB && { memoryGiB: peaks(usage.memoryGiB, window.start, bucketMs, buckets) }),
  };
}
