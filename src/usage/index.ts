/**
 * Step 2 of the pipeline, shared part: the usage contract (re-exported from the model) and the
 * helpers every usage source uses — merging sources, unit conversions, cleaning series.
 */
import type { Series, UsageResult, UsageSeries } from '../model';

export type { UsageRange, UsageResult, UsageSeries, UsageSource } from '../model';

/**
 * Merges the results of several sources, in priority order: for each workload the first source
 * that has data wins. A workload is missing only if no source served it; its reasons are joined.
 */
export function mergeUsageResults(results: readonly UsageResult[]): UsageResult {
  const series = new Map<string, UsageSeries>();
  for (const result of results) {
    for (const [urn, s] of result.series) if (!series.has(urn)) series.set(urn, s);
  }
  const reasons = new Map<string, string[]>();
  const failed = new Set<string>();
  for (const result of results) {
    for (const { urn, reason, failed: unread } of result.missing) {
      if (series.has(urn)) continue;
      const list = reasons.get(urn) ?? [];
      if (!list.includes(reason)) list.push(reason);
      reasons.set(urn, list);
      if (unread) failed.add(urn);
    }
  }
  const missing = [...reasons].map(([urn, list]) => ({ urn, reason: list.join('; '), ...(failed.has(urn) && { failed: true }) }));
  const warnings = results.flatMap((r) => r.warnings ?? []);
  return warnings.length > 0 ? { series, missing, warnings } : { series, missing };
}

/** Used cores from a CPU utilisation percentage of `vcpu` cores (100 % = all cores busy). */
export function percentToCores(percent: number, vcpu: number): number {
  return (percent / 100) * vcpu;
}

/** Used GiB from a memory utilisation percentage of `memoryGiB`. */
export function percentToGiB(percent: number, memoryGiB: number): number {
  return (percent / 100) * memoryGiB;
}

export const BYTES_PER_GIB = 1024 ** 3;

/**
 * Sorts a series by time and removes duplicate timestamps, keeping the LARGEST value of a
 * duplicate (sizing errs towards the busier reading). Non-finite values are dropped: a gap
 * stays a gap, it never becomes a zero. Returns the input unchanged when already clean.
 */
export function normalizeSeries(series: Series): Series {
  const { t, v } = series;
  let clean = t.length === v.length;
  for (let i = 0; clean && i < t.length; i++) {
    if (!Number.isFinite(v[i]!) || (i > 0 && t[i]! <= t[i - 1]!)) clean = false;
  }
  if (clean) return series;
  const n = Math.min(t.length, v.length);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(v[i]!) && Number.isFinite(t[i]!)) order.push(i);
  order.sort((a, b) => t[a]! - t[b]!);
  const outT: number[] = [];
  const outV: number[] = [];
  for (const i of order) {
    const ti = t[i]!;
    const vi = v[i]!;
    const last = outT.length - 1;
    if (last >= 0 && outT[last] === ti) {
      if (vi > outV[last]!) outV[last] = vi;
    } else {
      outT.push(ti);
      outV.push(vi);
    }
  }
  return { t: outT, v: outV };
}

/** The part of a series with `startMs <= t <= endMs` (series must be sorted). */
export function sliceSeries(series: Series, startMs: number, endMs: number): Series {
  const from = lowerBound(series.t, startMs);
  let to = lowerBound(series.t, endMs);
  if (to < series.t.length && series.t[to] === endMs) to++;
  if (from === 0 && to === series.t.length) return series;
  return { t: series.t.slice(from, to), v: series.v.slice(from, to) };
}

/** Multiplies every value (unit conversions); returns a new series. */
export function scaleSeries(series: Series, factor: number): Series {
  return { t: series.t.slice(), v: series.v.map((x) => x * factor) };
}

function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
