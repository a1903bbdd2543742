/**
 * Step 3 of the pipeline: usage → Demand. See docs/forecast.md for the model and its bounds.
 *
 * Per dimension: level = robust linear trend (Theil–Sen over one point per day: the daily median
 * for CPU, the daily peak for memory) + hour-of-week (≥ 14 days) or hour-of-day (≥ 2 days)
 * profile, both fitted on hourly means; plus the empirical distribution of the raw samples'
 * residuals. Demand is the chosen percentile of that forecast over the horizon — never below the
 * recent observed percentile for a growing workload, at most `maxDecline` below the observed one
 * for a shrinking workload — times (1 + headroom), widened when the history is short.
 */
import { TheilSenRegression } from 'ml-regression';
import type { Confidence, Demand, DimensionEvidence, Series, UsageSeries, Workload } from '../model';
import type { ResolvedRule } from '../config/rules';
import { mixturePercentile, percentileSorted, percentiles } from './stats';

export interface ForecastInput {
  workload: Workload;
  usage: UsageSeries | undefined;
  rule: ResolvedRule;
  /** Start of the horizon; defaults to the last sample. */
  now?: Date;
}

/** The model's fixed settings: the same for every workload (documented in docs/forecast.md). */
export const FORECAST_SETTINGS = {
  /** A declining trend may lower demand at most this far below the percentile observed over the history. */
  maxDecline: 0.2,
  /** "Recent" for the floors above: the last 7 days. */
  recentHours: 7 * 24,
  /** Below this many days of history, margins widen by (1 + 1/days). */
  wideningBelowDays: 14,
  /** Below this many days of history, never recommend a smaller size. */
  noDownsizeBelowDays: 7,
  /** Days of history for the hour-of-week profile (two of each weekly slot), else hour-of-day. */
  weeklyProfileDays: 14,
  /** Days with data needed to fit a trend at all. */
  trendMinDays: 3,
  /** Residual spread (P95 − P5 of residuals, relative to the P95 level) for high / medium confidence. */
  highConfidenceSpread: 0.5,
  mediumConfidenceSpread: 1,
} as const;

const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;
const WEEK_HOURS = 168;
/** 1970-01-01 was a Thursday: shift so hour-of-week slot 0 is Monday 00:00 UTC. */
const WEEK_OFFSET_HOURS = 72;

/** A series bucketed by hour: `values[i]` is the mean of hour `first + i` (NaN = no data). */
interface Buckets {
  first: number;
  values: Float64Array;
  filled: number;
}

/** Hourly means: the LEVEL the trend and seasonal profile are fitted to (see `fitModel`). */
function hourlyMeans(series: Series): Buckets {
  const { t, v } = series;
  const first = Math.floor(t[0]! / HOUR_MS);
  const last = Math.floor(t[t.length - 1]! / HOUR_MS);
  const sums = new Float64Array(last - first + 1);
  const counts = new Uint32Array(last - first + 1);
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) continue;
    const b = Math.floor(t[i]! / HOUR_MS) - first;
    sums[b]! += x;
    counts[b]! += 1;
  }
  let filled = 0;
  for (let b = 0; b < sums.length; b++) {
    if (counts[b]! > 0) {
      sums[b] = sums[b]! / counts[b]!;
      filled++;
    } else sums[b] = NaN;
  }
  return { first, values: sums, filled };
}

/** Hours that hold at least one sample. */
function hoursWithData(series: Series): number {
  let n = 0;
  let last = NaN;
  for (let i = 0; i < series.t.length; i++) {
    if (!Number.isFinite(series.v[i]!)) continue;
    const h = Math.floor(series.t[i]! / HOUR_MS);
    if (h !== last) {
      n++;
      last = h;
    }
  }
  return n;
}

interface Trend {
  slope: number;
  intercept: number;
}

/**
 * Trend of the hourly level, per hour since the first bucket: Theil–Sen (robust to bursts and
 * to an odd day) over one point per day — the day's median (CPU) or the day's peak (memory, so
 * that a leak or a growing cache shows as growth). Flat when there are too few days.
 */
function fitTrend(hourly: Buckets, daily: 'median' | 'peak'): Trend {
  const dayX: number[] = [];
  const dayY: number[] = [];
  const { values } = hourly;
  const dayStart = Math.floor(hourly.first / DAY_HOURS) * DAY_HOURS - hourly.first;
  const day = new Float64Array(DAY_HOURS);
  for (let d = dayStart; d < values.length; d += DAY_HOURS) {
    // Insertion sort of at most 24 hourly values: cheaper than any general sort at this size.
    let n = 0;
    for (let h = Math.max(0, d); h < Math.min(values.length, d + DAY_HOURS); h++) {
      const x = values[h]!;
      if (Number.isNaN(x)) continue;
      let j = n++;
      while (j > 0 && day[j - 1]! > x) {
        day[j] = day[j - 1]!;
        j--;
      }
      day[j] = x;
    }
    // A day with a few hours only would pull the line around: require a quarter of a day.
    if (n < 6) continue;
    dayX.push(d + DAY_HOURS / 2);
    dayY.push(daily === 'median' ? percentileSorted(day.subarray(0, n), 50) : day[n - 1]!);
  }
  if (dayX.length < FORECAST_SETTINGS.trendMinDays) {
    return { slope: 0, intercept: percentiles(values, [50])[0]! };
  }
  const model = new TheilSenRegression(dayX, dayY);
  return { slope: model.slope, intercept: model.intercept };
}

interface Fit {
  first: number;
  trend: Trend;
  /** Mean detrended level per slot (hour of week / hour of day), or a single slot. */
  profile: Float64Array;
  slotOffset: number;
  /** Residuals of the SAMPLES (not the hourly means) around trend + profile, ascending. */
  sortedResiduals: Float64Array;
  spread: number;
}

/**
 * Fits level = trend + seasonal profile on hourly means, and keeps the residuals of the raw
 * samples around that level. Why not hourly maxima: the P99.5 of hourly maxima of 5-minute
 * samples is roughly their P99.96, far more than the percentile the user asked for. The mean
 * carries the level and the raw residuals carry the bursts, so the percentile keeps its meaning
 * at the source's own resolution (5-minute samples ⇒ P99.5 of 5-minute values, like AWS Compute
 * Optimizer).
 */
function fitModel(series: Series, days: number, daily: 'median' | 'peak', level: number): Fit {
  const hourly = hourlyMeans(series);
  const trend = fitTrend(hourly, daily);
  const slots = days >= FORECAST_SETTINGS.weeklyProfileDays ? WEEK_HOURS : days >= 2 ? DAY_HOURS : 1;
  const slotOffset = slots === WEEK_HOURS ? WEEK_OFFSET_HOURS : 0;
  const sums = new Float64Array(slots);
  const counts = new Float64Array(slots);
  const { values, first } = hourly;
  for (let h = 0; h < values.length; h++) {
    const x = values[h]!;
    if (Number.isNaN(x)) continue;
    const s = (first + h + slotOffset) % slots;
    sums[s]! += x - (trend.intercept + trend.slope * h);
    counts[s]! += 1;
  }
  const profile = new Float64Array(slots);
  for (let s = 0; s < slots; s++) profile[s] = counts[s]! > 0 ? sums[s]! / counts[s]! : 0;
  const { t, v } = series;
  const residuals = new Float64Array(t.length);
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) continue;
    const abs = Math.floor(t[i]! / HOUR_MS);
    residuals[j++] = x - (trend.intercept + trend.slope * (abs - first) + profile[(abs + slotOffset) % slots]!);
  }
  const sorted = residuals.subarray(0, j).sort();
  const spread = (percentileSorted(sorted, 95) - percentileSorted(sorted, 5)) / Math.max(level, 1e-9);
  return { first, trend, profile, slotOffset, sortedResiduals: sorted, spread };
}

/** Observed p50 / p95 / max of the raw samples, and their percentile p. */
function observed(series: Series, p: number): { p50: number; p95: number; max: number; atPercentile: number } {
  const ordered = [50, 95, p, 100].sort((a, b) => a - b);
  const values = percentiles(series.v, ordered);
  const at = (q: number) => values[ordered.indexOf(q)]!;
  return { p50: at(50), p95: at(95), max: at(100), atPercentile: at(p) };
}

/** Percentile of the samples of the last `hours` hours. */
function recentPercentile(series: Series, hours: number, p: number): number {
  const from = series.t[series.t.length - 1]! - hours * HOUR_MS;
  let i = series.t.length;
  while (i > 0 && series.t[i - 1]! > from) i--;
  return percentiles(series.v.slice(i), [p])[0]!;
}

/**
 * Applies the floors. Growing (slope ≥ 0): never below the percentile observed over the recent
 * week. Declining: never more than `maxDecline` below the percentile observed over the whole
 * history — a quiet last week is not proof that the busy weeks before it are over.
 */
function floorPeak(forecast: number, recent: number, whole: number, slope: number): number {
  const floor = slope >= 0 ? recent : whole * (1 - FORECAST_SETTINGS.maxDecline);
  return Math.max(forecast, floor);
}

/** The chosen percentile of the forecast over the horizon, with the floors applied. */
function forecastPeak(
  series: Series,
  obs: { p95: number; atPercentile: number },
  p: number,
  days: number,
  daily: 'median' | 'peak',
  horizonStartHour: number,
  horizonHours: number,
): { peak: number; spread: number } {
  const fit = fitModel(series, days, daily, obs.p95);
  const slots = fit.profile.length;
  const levels = new Float64Array(horizonHours);
  for (let k = 0; k < horizonHours; k++) {
    const abs = horizonStartHour + 1 + k;
    levels[k] = fit.trend.intercept + fit.trend.slope * (abs - fit.first) + fit.profile[(abs + fit.slotOffset) % slots]!;
  }
  const forecast = mixturePercentile(levels, fit.sortedResiduals, p);
  const recent = recentPercentile(series, FORECAST_SETTINGS.recentHours, p);
  return { peak: Math.max(0, floorPeak(forecast, recent, obs.atPercentile, fit.trend.slope)), spread: fit.spread };
}

/** Margin multiplier for short histories (VPA-like): 1 + 1/days below 14 days, else 1. */
export function shortHistoryWidening(days: number): number {
  return days < FORECAST_SETTINGS.wideningBelowDays ? 1 + 1 / Math.max(days, 1e-9) : 1;
}

function evidence(obs: { p50: number; p95: number; max: number }, forecastPeak: number, percentile: number, headroom: number, widening: number): DimensionEvidence {
  return { p50: obs.p50, p95: obs.p95, max: obs.max, forecastPeak, percentile, headroom, required: forecastPeak * (1 + headroom) * widening };
}

function round2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

/** Forecasts what one instance of a workload will need over the rule's horizon. */
export function forecastDemand(input: ForecastInput): Demand {
  const { workload, usage, rule } = input;
  const cpu = usage?.cpuCores;
  const base = { urn: workload.urn, horizonDays: rule.horizonDays };
  if (!cpu || cpu.t.length === 0) {
    return {
      ...base,
      status: 'insufficient-history',
      historyHours: 0,
      cpu: evidence({ p50: 0, p95: 0, max: 0 }, 0, rule.cpuPercentile, rule.cpuHeadroom, 1),
      confidence: 'low',
      allowDownsize: false,
      notes: ['no usage data'],
    };
  }
  const historyHours = hoursWithData(cpu);
  const days = historyHours / DAY_HOURS;
  const cpuObserved = observed(cpu, rule.cpuPercentile);
  if (historyHours < rule.minHistoryHours) {
    return {
      ...base,
      status: 'insufficient-history',
      historyHours,
      cpu: evidence(cpuObserved, 0, rule.cpuPercentile, rule.cpuHeadroom, 1),
      confidence: 'low',
      allowDownsize: false,
      notes: [`history ${historyHours} h < ${rule.minHistoryHours} h: no recommendation`],
    };
  }
  const notes: string[] = [];
  const lastHour = Math.floor(cpu.t[cpu.t.length - 1]! / HOUR_MS);
  const nowHour = input.now ? Math.max(lastHour, Math.floor(input.now.getTime() / HOUR_MS)) : lastHour;
  const horizonHours = Math.max(1, Math.round(rule.horizonDays * DAY_HOURS));
  const widening = shortHistoryWidening(days);
  if (widening > 1) notes.push(`history ${round2(days)} days: margins ×${round2(widening)}`);
  const allowDownsize = days >= FORECAST_SETTINGS.noDownsizeBelowDays;
  if (!allowDownsize) notes.push(`history under ${FORECAST_SETTINGS.noDownsizeBelowDays} days: no downsizing`);

  const cpuFit = forecastPeak(cpu, cpuObserved, rule.cpuPercentile, days, 'median', nowHour, horizonHours);
  const demand: Demand = {
    ...base,
    status: 'ok',
    historyHours,
    cpu: evidence(cpuObserved, cpuFit.peak, rule.cpuPercentile, rule.cpuHeadroom, widening),
    confidence: confidenceOf(days, cpuFit.spread),
    allowDownsize,
    notes,
  };
  const mem = usage.memoryGiB;
  if (mem && mem.t.length > 0) {
    const memObserved = observed(mem, rule.memoryPercentile);
    const memFit = forecastPeak(mem, memObserved, rule.memoryPercentile, days, 'peak', nowHour, horizonHours);
    demand.memory = evidence(memObserved, memFit.peak, rule.memoryPercentile, rule.memoryHeadroom, widening);
  } else notes.push('CPU only: no memory metric');
  return demand;
}

/** Confidence from history length and how well the model explains the hourly values. */
function confidenceOf(days: number, spread: number): Confidence {
  if (days >= FORECAST_SETTINGS.weeklyProfileDays && spread <= FORECAST_SETTINGS.highConfidenceSpread) return 'high';
  if (days >= FORECAST_SETTINGS.noDownsizeBelowDays && spread <= FORECAST_SETTINGS.mediumConfidenceSpread) return 'medium';
  return 'low';
}
