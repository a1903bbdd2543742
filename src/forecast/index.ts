/**
 * Step 3 of the pipeline: usage → Demand. See docs/forecast.md for the model and why.
 *
 * Per dimension, on the raw samples (the source's own resolution):
 * 1. a seasonal, recency-weighted empirical quantile: each hour-of-week (or hour-of-day) slot
 *    carries the same total weight, so the size covers every hour of the week, however unevenly
 *    the history samples them; within a slot, newer samples weigh more (half-life 14 days) but a
 *    quantile of thousands of samples is never moved by one burst;
 * 2. no trend extrapolation by default (cross-validation: projecting a significant growth never
 *    helped out of sample; `ModelSettings.trend` keeps it as an option, bounded and upward only);
 * 3. the configured headroom on top; a rolling back-test on the workload's own history (fit
 *    without the last week, check that week) gives the confidence;
 * 4. memory never below the observed peak (zeros are gaps) plus a margin;
 * 5. CPU at capacity (censored readings) → CPU-bound: sized at most one step (×2) up.
 */
import type { Confidence, Demand, DimensionEvidence, Series, UsageSeries, Workload } from '../model';
import type { ResolvedRule } from '../config/rules';
import { TheilSenRegression } from 'ml-regression';
import { percentileSorted, weightedQuantileInPlace } from './stats';

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
  /**
   * Overrides of the model's cross-validated choices, for the back-test's cross-validation
   * (`scripts/backtest-cv.ts`); the pipeline never sets it.
   */
  model?: Partial<ModelSettings>;
}

export const TREND_MODES = ['project', 'recent', 'off'] as const;
export type TrendMode = (typeof TREND_MODES)[number];

/** The model choices that cross-validation compares (docs/backtest.md); the defaults won. */
export interface ModelSettings {
  /** Recency half-life in days (Infinity: every sample weighs the same). */
  halfLifeDays: number;
  /** Memory is never below the observed peak × (1 + this). */
  memoryPeakMargin: number;
  /**
   * A significant upward trend: `project` lifts the percentile by slope × min(horizon, history)
   * and to at least the last week's percentile; `recent` only to the last week's percentile (no
   * extrapolation); `off` ignores it.
   */
  trend: TrendMode;
  /** Equal weight per hour-of-week / hour-of-day slot (false: one pooled distribution). */
  seasonal: boolean;
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

export const DEFAULT_MODEL: Readonly<ModelSettings> = {
  halfLifeDays: FORECAST_SETTINGS.halfLifeDays,
  memoryPeakMargin: FORECAST_SETTINGS.memoryPeakMargin,
  trend: 'off',
  seasonal: true,
};

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

/**
 * Reused working memory. Allocating typed arrays per call (off-heap backing stores) cost more
 * garbage-collection time than the arithmetic at 10,000 workloads. Safe because forecastDemand
 * is synchronous and no pooled array outlives the call (the evidence keeps numbers only).
 */
const POOL = { cpuT: 0, cpuV: 1, memT: 2, memV: 3, cpuSorted: 4, memSorted: 5, peakDay: 6, peakEnd: 7, peakP95: 8, dayRun: 9 } as const;
const pool: Float64Array[] = [];
function pooled(slot: number, n: number): Float64Array {
  let a = pool[slot];
  if (!a || a.length < n) pool[slot] = a = new Float64Array(Math.max(n, 2 * (a?.length ?? 512)));
  return a.subarray(0, n);
}

function samplesOf(series: Series, positiveOnly: boolean, tSlot: number, vSlot: number): Samples {
  let n = 0;
  for (let i = 0; i < series.v.length; i++) {
    const x = series.v[i]!;
    if (Number.isFinite(x) && (!positiveOnly || x > 0)) n++;
  }
  const t = pooled(tSlot, n);
  const v = pooled(vSlot, n);
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

/** Ascending copy of `v` in a pooled buffer. */
function sortedCopy(v: Float64Array, slot: number): Float64Array {
  const out = pooled(slot, v.length);
  out.set(v);
  return out.sort();
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

/** Recency factor 0.5^(hours / (24 × half-life)) per whole hour of age, cached per half-life. */
const recencyTables = new Map<number, Float64Array>();
function recencyTable(halfLifeDays: number): Float64Array {
  let table = recencyTables.get(halfLifeDays);
  if (!table) {
    // A year of hours: older samples get the last entry (a floor, never zero).
    table = new Float64Array(366 * DAY_HOURS);
    for (let h = 0; h < table.length; h++) table[h] = Math.pow(0.5, h / (DAY_HOURS * halfLifeDays));
    recencyTables.set(halfLifeDays, table);
  }
  return table;
}

/** Scratch buffers for the weighted quantile (values and weights, reordered in place), grown on demand. */
let scratchValues = new Float64Array(1024);
let scratchWeights = new Float64Array(1024);
let scratchSlots = new Uint16Array(1024);
const slotTotals = new Float64Array(WEEK_HOURS);

/**
 * The seasonal, recency-weighted empirical quantile (p in 0–100) of the samples: each sample
 * weighs 0.5^(age / half-life), then the weights are normalised so that every seasonal slot
 * that has samples carries the same total weight; the result is the smallest sample value whose
 * weighted CDF reaches p %. O(n) (weighted quickselect on scratch copies, no sort).
 */
export function seasonalQuantile(s: Samples, slots: number, endMs: number, halfLifeDays: number, p: number): number {
  const n = s.t.length;
  if (scratchValues.length < n) {
    const size = Math.max(n, 2 * scratchValues.length);
    scratchValues = new Float64Array(size);
    scratchWeights = new Float64Array(size);
    scratchSlots = new Uint16Array(size);
  }
  const v = scratchValues;
  const w = scratchWeights;
  const slotOf = scratchSlots;
  slotTotals.fill(0, 0, slots);
  const slotOffset = slots === WEEK_HOURS ? WEEK_OFFSET_HOURS : 0;
  const table = recencyTable(halfLifeDays);
  const endHour = Math.floor(endMs / HOUR_MS);
  for (let i = 0; i < n; i++) {
    const hour = Math.floor(s.t[i]! / HOUR_MS);
    const r = table[Math.min(table.length - 1, Math.max(0, endHour - hour))]!;
    const slot = slots > 1 ? (hour + slotOffset) % slots : 0;
    slotOf[i] = slot;
    v[i] = s.v[i]!;
    w[i] = r;
    slotTotals[slot]! += r;
  }
  for (let i = 0; i < n; i++) w[i] = w[i]! / slotTotals[slotOf[i]!]!;
  return weightedQuantileInPlace(v, w, n, p);
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
  return trendOfDays(dailyPeaks(s), Infinity);
}

/** One point per day with ≥ 6 samples (a quarter of a day at 5 minutes, or 6 hourly points): its P95. */
interface DailyPeaks {
  /** Day number (Unix days) and the end (exclusive) of its samples in the series. */
  day: Float64Array;
  end: Float64Array;
  p95: Float64Array;
}

function dailyPeaks(s: Samples): DailyPeaks {
  const n = s.t.length;
  const maxDays = n > 0 ? Math.floor(s.t[n - 1]! / DAY_MS) - Math.floor(s.t[0]! / DAY_MS) + 1 : 0;
  const day = pooled(POOL.peakDay, maxDays);
  const end = pooled(POOL.peakEnd, maxDays);
  const p95 = pooled(POOL.peakP95, maxDays);
  const scratch = pooled(POOL.dayRun, Math.min(n, 24 * 12 * 2));
  let k = 0;
  // Samples are in time order: each day is one contiguous run.
  let from = 0;
  while (from < n) {
    const d = Math.floor(s.t[from]! / DAY_MS);
    let to = from + 1;
    while (to < n && Math.floor(s.t[to]! / DAY_MS) === d) to++;
    if (to - from >= 6) {
      const run = to - from <= scratch.length ? scratch.subarray(0, to - from) : new Float64Array(to - from);
      run.set(s.v.subarray(from, to));
      sortSmall(run);
      day[k] = d;
      end[k] = to;
      p95[k++] = percentileSorted(run, 95);
    }
    from = to;
  }
  return { day: day.subarray(0, k), end: end.subarray(0, k), p95: p95.subarray(0, k) };
}

/** Ascending sort in place: insertion sort for a day of hourly points (no call overhead), else native. */
function sortSmall(a: Float64Array): void {
  if (a.length > 48) {
    a.sort();
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Mann–Kendall test on the daily peaks whose samples end at or before `upTo` (an index into the
 * series), Theil–Sen slope when significant.
 */
const NO_TREND: Trend = { slopePerDay: 0, z: 0 };

function trendOfDays(d: DailyPeaks, upTo: number): Trend {
  let n = 0;
  while (n < d.day.length && d.end[n]! <= upTo) n++;
  if (n < FORECAST_SETTINGS.trendMinDays) return NO_TREND;
  const x = d.day;
  const y = d.p95;
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += Math.sign(y[j]! - y[i]!);
  // Variance without the ties correction: ties only make the test more conservative here.
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = sum === 0 ? 0 : (sum - Math.sign(sum)) / Math.sqrt(variance);
  if (Math.abs(z) <= FORECAST_SETTINGS.trendZ) return { slopePerDay: 0, z };
  // Theil–Sen (median of pairwise slopes): robust to a burst day, unlike least squares.
  return { slopePerDay: new TheilSenRegression(x.subarray(0, n), y.subarray(0, n)).slope, z };
}

/**
 * The sized level of one dimension from `s` (ascending in time) for a horizon of `horizonDays`:
 * the seasonal recency-weighted quantile plus the projected significant growth. `max` is the
 * largest sample of `s`.
 */
function levelOf(
  s: Samples,
  max: number,
  trend: Trend,
  p: number,
  slots: number,
  horizonDays: number,
  model: ModelSettings,
): { level: number; shift: number } {
  const endMs = s.t[s.t.length - 1]!;
  const q = seasonalQuantile(s, slots, endMs, model.halfLifeDays, p);
  const historyDays = (endMs - s.t[0]!) / DAY_MS;
  // Only growth is projected, no further than the history is long, and never past the observed
  // maximum: the trend lifts the percentile towards what the workload has already reached.
  const projected = trend.slopePerDay > 0 && model.trend === 'project' ? trend.slopePerDay * Math.min(horizonDays, historyDays) : 0;
  // A significant growth is also never sized below the percentile of its last week.
  const recent = trend.slopePerDay > 0 ? recentPercentile(s, p) - q : 0;
  const shift = Math.max(0, Math.min(Math.max(projected, recent), max - q));
  return { level: q + shift, shift };
}

/** Plain percentile of the samples of the last `calibrationDays`. */
function recentPercentile(s: Samples, p: number): number {
  const from = s.t[s.t.length - 1]! - FORECAST_SETTINGS.calibrationDays * DAY_MS;
  let k = s.t.length;
  while (k > 0 && s.t[k - 1]! > from) k--;
  return percentileSorted(Float64Array.from(s.v.subarray(k)).sort(), p);
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
function fitDimension(
  s: Samples,
  max: number,
  p: number,
  multiplier: number,
  days: number,
  horizonDays: number,
  model: ModelSettings,
): DimensionFit {
  const peaks = model.trend !== 'off' ? dailyPeaks(s) : undefined;
  const trendUpTo = (upTo: number): Trend => (peaks ? trendOfDays(peaks, upTo) : NO_TREND);
  const slots = (d: number): number => (model.seasonal ? slotsFor(d) : 1);
  const trend = trendUpTo(Infinity);
  const whole = levelOf(s, max, trend, p, slots(days), horizonDays, model);
  const endMs = s.t[s.t.length - 1]!;
  const cut = endMs - FORECAST_SETTINGS.calibrationDays * DAY_MS;
  let k = 0;
  while (k < s.t.length && s.t[k]! <= cut) k++;
  const fitDays = (cut - s.t[0]!) / DAY_MS;
  const result: DimensionFit = { forecastPeak: whole.level, trend, shift: whole.shift };
  if (fitDays >= FORECAST_SETTINGS.minFitDays && k < s.t.length) {
    const fit = slice(s, 0, k);
    const level = levelOf(fit, maxOf(fit.v), trendUpTo(k), p, slots(fitDays), FORECAST_SETTINGS.calibrationDays, model).level;
    result.heldOutExceedance = shareAbove(s.v.subarray(k), level * multiplier);
  }
  return result;
}

function maxOf(v: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
  return m;
}

/** Margin multiplier for short histories (VPA-like): 1 + 1/days below 14 days, else 1. */
export function shortHistoryWidening(days: number): number {
  return days < FORECAST_SETTINGS.wideningBelowDays ? 1 + 1 / Math.max(days, 1e-9) : 1;
}

function evidence(sorted: Float64Array, forecastPeak: number, percentile: number, headroom: number, required: number): DimensionEvidence {
  const q = EVIDENCE_QUANTILES.map((p) => (sorted.length > 0 ? percentileSorted(sorted, p) : 0));
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
  const cpu = usage?.cpuCores ? samplesOf(usage.cpuCores, false, POOL.cpuT, POOL.cpuV) : undefined;
  if (!cpu || cpu.t.length === 0) {
    return {
      ...base,
      status: 'insufficient-history',
      historyHours: 0,
      cpu: evidence(new Float64Array(0), 0, rule.cpuPercentile, rule.cpuHeadroom, 0),
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
      cpu: evidence(Float64Array.from(cpu.v).sort(), 0, rule.cpuPercentile, rule.cpuHeadroom, 0),
      confidence: 'low',
      allowDownsize: false,
      notes: [`history ${historyHours} h < ${rule.minHistoryHours} h: no recommendation`],
    };
  }
  const notes: string[] = [];
  const model: ModelSettings = { ...DEFAULT_MODEL, ...input.model };
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
  const cpuSorted = sortedCopy(cpu.v, POOL.cpuSorted);
  const cpuFit = fitDimension(cpu, cpuSorted[cpuSorted.length - 1]!, rule.cpuPercentile, cpuMultiplier, days, horizonDays, model);
  let cpuRequired = cpuFit.forecastPeak * cpuMultiplier;
  if (cpuFit.shift > 0) {
    const how = model.trend === 'project' ? 'at most to the observed maximum' : "to the last week's percentile, not extrapolated";
    notes.push(
      `CPU trend +${cpuFit.trend.slopePerDay.toPrecision(2)} vCPU/day (significant, z ${round2(cpuFit.trend.z)}): percentile lifted by ${cpuFit.shift.toPrecision(2)} vCPU, ${how}`,
    );
  }
  if (cpuBound) {
    // What it would use unconstrained is unknown: one step (×2) up at most, at least capacity + headroom.
    cpuRequired = Math.min(2 * capacity, Math.max(cpuRequired, capacity * (1 + rule.cpuHeadroom)));
    notes.push(
      `CPU-bound: at ≥ ${FORECAST_SETTINGS.saturationLevel * 100} % of ${capacity} vCPU in ${pct(atCapacity)} of samples; demand above capacity is unseen: sized at most one step up`,
    );
  }
  const demand: Demand = {
    ...base,
    status: 'ok',
    historyHours,
    cpu: evidence(cpuSorted, cpuFit.forecastPeak, rule.cpuPercentile, rule.cpuHeadroom, cpuRequired),
    confidence: 'low',
    allowDownsize,
    notes,
    ...(cpuBound && { cpuBound: true }),
  };
  let heldOut = cpuFit.heldOutExceedance;
  const memSeries = usage?.memoryGiB;
  const mem = memSeries && memSeries.t.length > 0 ? samplesOf(memSeries, true, POOL.memT, POOL.memV) : undefined;
  if (mem && mem.t.length > 0) {
    let zeros = 0;
    for (const x of memSeries!.v) if (x === 0) zeros++;
    if (zeros > 0)
      notes.push(`memory: ${pct(zeros / memSeries!.v.length)} of samples are 0 (read as gaps: a running VM never uses 0 bytes)`);
    const memDays = hoursWithData(mem) / DAY_HOURS;
    const memMultiplier = (1 + rule.memoryHeadroom) * widening;
    const memSorted = sortedCopy(mem.v, POOL.memSorted);
    const memFit = fitDimension(mem, memSorted[memSorted.length - 1]!, rule.memoryPercentile, memMultiplier, memDays, horizonDays, model);
    const peak = memSorted[memSorted.length - 1]!;
    // A memory overrun kills the process: never below the observed peak plus a margin.
    const floor = peak * (1 + model.memoryPeakMargin);
    const required = Math.max(memFit.forecastPeak * memMultiplier, floor);
    demand.memory = evidence(memSorted, memFit.forecastPeak, rule.memoryPercentile, rule.memoryHeadroom, required);
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
