/**
 * Step 3 of the pipeline: usage → Demand. See docs/forecast.md for the model and why.
 *
 * Per dimension, on the raw samples (the source's own resolution):
 * 1. a seasonal, recency-weighted empirical quantile: each hour-of-week (or hour-of-day) slot
 *    carries the same total weight, so the size covers every hour of the week, however unevenly
 *    the history samples them; within a slot, newer samples weigh more (half-life 14 days) but a
 *    quantile of thousands of samples is never moved by one burst;
 * 2. a trend only when it is significant (Mann–Kendall on daily peaks), projected no further
 *    than the history is long, and never downward;
 * 3. the configured headroom on top; a rolling back-test on the workload's own history (fit
 *    without the last week, check that week) gives the confidence;
 * 4. memory never below the observed peak (zeros are gaps) plus a margin;
 * 5. CPU at capacity (censored readings) → CPU-bound: sized at most one step (×2) up.
 */
import type { Confidence, Demand, DimensionEvidence, Series, UsageSeries, Workload } from '../model';
import type { ResolvedRule } from '../config/rules';
import { percentiles, percentileSorted } from './stats';

export interface ForecastInput {
  workload: Workload;
  usage: UsageSeries | undefined;
  rule: ResolvedRule;
  /** Start of the horizon; defaults to the last sample. */
  now?: Date;
  /**
   * The current size's capacity per instance, when known: CPU readings at this capacity are
   * censored (the workload may have wanted more), which is how CPU-bound workloads are found.
   */
  capacity?: { vcpu: number; memoryGiB?: number; cpuCapped?: boolean };
}

/** The model's fixed settings: the same for every workload (documented in docs/forecast.md). */
export const FORECAST_SETTINGS = {
  /** Recency: a sample's weight halves every this many days (within its seasonal slot). */
  halfLifeDays: 14,
  /** Held-out tail of the history for the rolling back-test (confidence). */
  calibrationDays: 7,
  /** Back-test only with at least this many days before the held-out tail. */
  minFitDays: 7,
  /** Days with data needed to test for a trend at all; |Mann–Kendall Z| above `trendZ` = significant. */
  trendMinDays: 7,
  trendZ: 1.96,
  /** Memory is never below the observed peak × (1 + this). */
  memoryPeakMargin: 0.05,
  /** CPU at or above this share of capacity is "at capacity" … */
  saturationLevel: 0.98,
  /**
   * … and the workload is CPU-bound when a larger share of samples is at capacity than the
   * percentile leaves out (0.5 % at P99.5): the percentile itself is then a capped reading.
   * This is the floor of that share (for low percentiles).
   */
  saturationShare: 0.001,
  /** Below this many days of history, margins widen by (1 + 1/days). */
  wideningBelowDays: 14,
  /** Below this many days of history, never recommend a smaller size. */
  noDownsizeBelowDays: 7,
  /** Days of history for hour-of-week slots (two of each), else hour-of-day (≥ 2 days). */
  weeklyProfileDays: 14,
  /** Rolling back-test share of held-out samples above the size: at most this → medium confidence. */
  mediumConfidenceExceedance: 0.01,
} as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DAY_HOURS = 24;
const WEEK_HOURS = 168;
/** 1970-01-01 was a Thursday: shift so hour-of-week slot 0 is Monday 00:00 UTC. */
const WEEK_OFFSET_HOURS = 72;
/** Observed quantiles kept as evidence (risk reads the exceedance of a size from them). */
export const EVIDENCE_QUANTILES = [50, 90, 95, 99, 99.5, 99.9, 100] as const;

/** Samples as parallel typed arrays, finite values only (memory: positive only). */
interface Samples {
  t: Float64Array;
  v: Float64Array;
}

function samplesOf(series: Series, positiveOnly: boolean): Samples {
  let n = 0;
  for (let i = 0; i < series.v.length; i++) {
    const x = series.v[i]!;
    if (Number.isFinite(x) && (!positiveOnly || x > 0)) n++;
  }
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < series.v.length; i++) {
    const x = series.v[i]!;
    if (Number.isFinite(x) && (!positiveOnly || x > 0)) {
      t[j] = series.t[i]!;
      v[j++] = x;
    }
  }
  return { t, v };
}

function slice(s: Samples, from: number, to: number): Samples {
  return { t: s.t.subarray(from, to), v: s.v.subarray(from, to) };
}

/** Hours that hold at least one sample. */
function hoursWithData(s: Samples): number {
  let n = 0;
  let last = NaN;
  for (let i = 0; i < s.t.length; i++) {
    const h = Math.floor(s.t[i]! / HOUR_MS);
    if (h !== last) {
      n++;
      last = h;
    }
  }
  return n;
}

/**
 * Weights of the seasonal, recency-weighted empirical distribution: recency 0.5^(age / half-life),
 * then normalised so that every seasonal slot that has samples carries the same total weight.
 */
export function seasonalWeights(s: Samples, slots: number, endMs: number, halfLifeDays: number): Float64Array {
  const n = s.t.length;
  const w = new Float64Array(n);
  const slotTotal = new Float64Array(slots);
  const slotOffset = slots === WEEK_HOURS ? WEEK_OFFSET_HOURS : 0;
  const slotOf = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const age = (endMs - s.t[i]!) / DAY_MS;
    const r = Math.pow(0.5, Math.max(0, age) / halfLifeDays);
    const slot = slots > 1 ? (Math.floor(s.t[i]! / HOUR_MS) + slotOffset) % slots : 0;
    slotOf[i] = slot;
    w[i] = r;
    slotTotal[slot]! += r;
  }
  for (let i = 0; i < n; i++) w[i] = w[i]! / slotTotal[slotOf[i]!]!;
  return w;
}

/**
 * Weighted quantile (p in 0–100) of `v`: the smallest sample value x whose weighted CDF reaches
 * p %. `order` is the ascending order of `v` (indices).
 */
export function weightedQuantile(v: Float64Array, w: Float64Array, order: Uint32Array, p: number): number {
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i]!;
  const target = (Math.min(100, Math.max(0, p)) / 100) * total;
  let acc = 0;
  for (let k = 0; k < order.length; k++) {
    acc += w[order[k]!]!;
    if (acc >= target - 1e-12 * total) return v[order[k]!]!;
  }
  return v[order[order.length - 1]!]!;
}

function ascendingOrder(v: Float64Array): Uint32Array {
  const order = new Uint32Array(v.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => v[a]! - v[b]!);
}

interface Trend {
  /** Units per day (Theil–Sen over daily peaks); 0 when not significant. */
  slopePerDay: number;
  z: number;
}

/**
 * Trend of the daily peaks (P95 of each day with ≥ 6 hours of samples): Mann–Kendall test for
 * significance, Theil–Sen for the slope. Peaks, because sizing is about the busy end; daily, so
 * that one burst is one point among dozens.
 */
export function dailyTrend(s: Samples): Trend {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < s.t.length; i++) {
    const d = Math.floor(s.t[i]! / DAY_MS);
    let list = byDay.get(d);
    if (!list) byDay.set(d, (list = []));
    list.push(s.v[i]!);
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const [d, values] of [...byDay.entries()].sort((a, b) => a[0] - b[0])) {
    // A quarter of a day of 5-minute samples, or 6 hourly points.
    if (values.length < 6) continue;
    x.push(d);
    y.push(percentiles(values, [95])[0]!);
  }
  const n = x.length;
  if (n < FORECAST_SETTINGS.trendMinDays) return { slopePerDay: 0, z: 0 };
  let sum = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dy = y[j]! - y[i]!;
      sum += Math.sign(dy);
      slopes.push(dy / (x[j]! - x[i]!));
    }
  }
  // Variance without the ties correction: ties only make the test more conservative here.
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = sum === 0 ? 0 : (sum - Math.sign(sum)) / Math.sqrt(variance);
  if (Math.abs(z) <= FORECAST_SETTINGS.trendZ) return { slopePerDay: 0, z };
  const slope = percentiles(slopes, [50])[0]!;
  return { slopePerDay: slope, z };
}

/** The sized level of one dimension from `s` (ascending in time) for a horizon of `horizonDays`. */
function levelOf(s: Samples, p: number, slots: number, horizonDays: number): { level: number; trend: Trend; shift: number } {
  const endMs = s.t[s.t.length - 1]!;
  const w = seasonalWeights(s, slots, endMs, FORECAST_SETTINGS.halfLifeDays);
  const q = weightedQuantile(s.v, w, ascendingOrder(s.v), p);
  const trend = dailyTrend(s);
  const historyDays = (endMs - s.t[0]!) / DAY_MS;
  // Only growth is projected, and no further than the history is long.
  const shift = trend.slopePerDay > 0 ? trend.slopePerDay * Math.min(horizonDays, historyDays) : 0;
  return { level: q + shift, trend, shift };
}

function slotsFor(days: number): number {
  return days >= FORECAST_SETTINGS.weeklyProfileDays ? WEEK_HOURS : days >= 2 ? DAY_HOURS : 1;
}

/** Share of `v` strictly above `limit`. */
function shareAbove(v: Float64Array, limit: number): number {
  if (v.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i]! > limit) n++;
  return n / v.length;
}

interface DimensionFit {
  forecastPeak: number;
  /** Rolling back-test: share of the held-out week above the size fitted without it (undefined: history too short). */
  heldOutExceedance?: number;
  trend: Trend;
  shift: number;
}

/**
 * The level over the whole history, and the rolling back-test of the same method on the
 * workload's own history: fitted without the last `calibrationDays`, how much of that week
 * lay above level × (1 + headroom) × widening. The back-test measures; it does not move the
 * size (lowering headroom where the held-out week was covered cost CPU under-provisioning on
 * every dataset in cross-validation: docs/forecast.md).
 */
function fitDimension(s: Samples, p: number, multiplier: number, days: number, horizonDays: number): DimensionFit {
  const whole = levelOf(s, p, slotsFor(days), horizonDays);
  const endMs = s.t[s.t.length - 1]!;
  const cut = endMs - FORECAST_SETTINGS.calibrationDays * DAY_MS;
  let k = 0;
  while (k < s.t.length && s.t[k]! <= cut) k++;
  const fitDays = (cut - s.t[0]!) / DAY_MS;
  const result: DimensionFit = { forecastPeak: whole.level, trend: whole.trend, shift: whole.shift };
  if (fitDays >= FORECAST_SETTINGS.minFitDays && k < s.t.length) {
    const level = levelOf(slice(s, 0, k), p, slotsFor(fitDays), FORECAST_SETTINGS.calibrationDays).level;
    result.heldOutExceedance = shareAbove(s.v.subarray(k), level * multiplier);
  }
  return result;
}

/** Margin multiplier for short histories (VPA-like): 1 + 1/days below 14 days, else 1. */
export function shortHistoryWidening(days: number): number {
  return days < FORECAST_SETTINGS.wideningBelowDays ? 1 + 1 / Math.max(days, 1e-9) : 1;
}

function evidence(s: Samples, forecastPeak: number, percentile: number, headroom: number, required: number): DimensionEvidence {
  const q = s.v.length > 0 ? percentiles(s.v, EVIDENCE_QUANTILES) : EVIDENCE_QUANTILES.map(() => 0);
  const quantiles: Record<string, number> = {};
  EVIDENCE_QUANTILES.forEach((p, i) => (quantiles[String(p)] = q[i]!));
  return { p50: q[0]!, p95: q[2]!, max: q[6]!, forecastPeak, percentile, headroom, required, quantiles };
}

function round2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

function pct(x: number): string {
  return `${round2(x * 100)} %`;
}

/** Forecasts what one instance of a workload will need over the rule's horizon. */
export function forecastDemand(input: ForecastInput): Demand {
  const { workload, usage, rule } = input;
  const base = { urn: workload.urn, horizonDays: rule.horizonDays };
  const cpu = usage?.cpuCores ? samplesOf(usage.cpuCores, false) : undefined;
  if (!cpu || cpu.t.length === 0) {
    return {
      ...base,
      status: 'insufficient-history',
      historyHours: 0,
      cpu: evidence(samplesOf({ t: [], v: [] }, false), 0, rule.cpuPercentile, rule.cpuHeadroom, 0),
      confidence: 'low',
      allowDownsize: false,
      notes: ['no usage data'],
    };
  }
  const historyHours = hoursWithData(cpu);
  const days = historyHours / DAY_HOURS;
  if (historyHours < rule.minHistoryHours) {
    return {
      ...base,
      status: 'insufficient-history',
      historyHours,
      cpu: evidence(cpu, 0, rule.cpuPercentile, rule.cpuHeadroom, 0),
      confidence: 'low',
      allowDownsize: false,
      notes: [`history ${historyHours} h < ${rule.minHistoryHours} h: no recommendation`],
    };
  }
  const notes: string[] = [];
  // The horizon starts at `now` (or the last sample): a gap before it lengthens the projection.
  const lastMs = cpu.t[cpu.t.length - 1]!;
  const gapDays = input.now ? Math.max(0, input.now.getTime() - lastMs) / DAY_MS : 0;
  const horizonDays = rule.horizonDays + gapDays;
  const widening = shortHistoryWidening(days);
  if (widening > 1) notes.push(`history ${round2(days)} days: margins ×${round2(widening)}`);
  const allowDownsize = days >= FORECAST_SETTINGS.noDownsizeBelowDays;
  if (!allowDownsize) notes.push(`history under ${FORECAST_SETTINGS.noDownsizeBelowDays} days: no downsizing`);

  // CPU-bound: readings pinned at capacity are a lower bound of the demand (censored).
  const capacity = input.capacity?.vcpu;
  const atCapacity = capacity !== undefined && capacity > 0 ? shareAtLeast(cpu.v, capacity * FORECAST_SETTINGS.saturationLevel) : 0;
  const cpuBound = capacity !== undefined && atCapacity > Math.max(FORECAST_SETTINGS.saturationShare, 1 - rule.cpuPercentile / 100);
  const cpuMultiplier = (1 + rule.cpuHeadroom) * widening;
  const cpuFit = fitDimension(cpu, rule.cpuPercentile, cpuMultiplier, days, horizonDays);
  let cpuRequired = cpuFit.forecastPeak * cpuMultiplier;
  if (cpuFit.shift > 0) notes.push(`CPU trend +${round2(cpuFit.trend.slopePerDay)} vCPU/day (significant, z ${round2(cpuFit.trend.z)}): projected ${round2(cpuFit.shift)} vCPU`);
  if (cpuBound) {
    // What it would use unconstrained is unknown: one step (×2) up at most, at least capacity + headroom.
    cpuRequired = Math.min(2 * capacity, Math.max(cpuRequired, capacity * (1 + rule.cpuHeadroom)));
    notes.push(`CPU-bound: at ≥ ${FORECAST_SETTINGS.saturationLevel * 100} % of ${capacity} vCPU in ${pct(atCapacity)} of samples; demand above capacity is unseen: sized at most one step up`);
  }
  const demand: Demand = {
    ...base,
    status: 'ok',
    historyHours,
    cpu: evidence(cpu, cpuFit.forecastPeak, rule.cpuPercentile, rule.cpuHeadroom, cpuRequired),
    confidence: 'low',
    allowDownsize,
    notes,
    ...(cpuBound && { cpuBound: true }),
  };
  let heldOut = cpuFit.heldOutExceedance;
  const memSeries = usage?.memoryGiB;
  const mem = memSeries && memSeries.t.length > 0 ? samplesOf(memSeries, true) : undefined;
  if (mem && mem.t.length > 0) {
    const zeros = memSeries!.v.filter((x) => x === 0).length;
    if (zeros > 0) notes.push(`memory: ${pct(zeros / memSeries!.v.length)} of samples are 0 (read as gaps: a running VM never uses 0 bytes)`);
    const memDays = hoursWithData(mem) / DAY_HOURS;
    const memMultiplier = (1 + rule.memoryHeadroom) * widening;
    const memFit = fitDimension(mem, rule.memoryPercentile, memMultiplier, memDays, horizonDays);
    const peak = percentiles(mem.v, [100])[0]!;
    // A memory overrun kills the process: never below the observed peak plus a margin.
    const floor = peak * (1 + FORECAST_SETTINGS.memoryPeakMargin);
    const required = Math.max(memFit.forecastPeak * memMultiplier, floor);
    demand.memory = evidence(mem, memFit.forecastPeak, rule.memoryPercentile, rule.memoryHeadroom, required);
    if (memFit.heldOutExceedance !== undefined) heldOut = Math.max(heldOut ?? 0, memFit.heldOutExceedance);
  } else if (mem) notes.push('memory: every sample is 0: no memory metric');
  else notes.push('CPU only: no memory metric');
  demand.confidence = confidenceOf(days, heldOut, rule.cpuPercentile);
  if (heldOut !== undefined) demand.heldOutExceedance = heldOut;
  return demand;
}

function shareAtLeast(v: Float64Array, limit: number): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i]! >= limit) n++;
  return v.length > 0 ? n / v.length : 0;
}

/**
 * Confidence from evidence, not from the fit's noise: the rolling back-test of the workload's
 * own history (the size fitted without the last week, checked on that week).
 * high: ≥ 14 days and the held-out week stayed above the size no more often than the
 * percentile allows; medium: ≥ 7 days and at most 1 % of the week above; low otherwise.
 */
export function confidenceOf(days: number, heldOutExceedance: number | undefined, percentile: number): Confidence {
  if (heldOutExceedance === undefined) return 'low';
  if (days >= FORECAST_SETTINGS.weeklyProfileDays && heldOutExceedance <= 1 - percentile / 100) return 'high';
  if (days >= FORECAST_SETTINGS.noDownsizeBelowDays && heldOutExceedance <= FORECAST_SETTINGS.mediumConfidenceExceedance) return 'medium';
  return 'low';
}
