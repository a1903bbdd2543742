/**
 * The back-test: on real VM traces, recommend from the first three weeks and score on the rest,
 * against two baselines (Compute-Optimizer-style and VPA-style). See docs/backtest.md.
 *
 * Every trace is priced as an AWS us-east-1 instance. Current size: the cheapest
 * current-generation general-purpose (m-family, amd64) type with the trace's provisioned cores
 * and memory (Azure traces have neither: 4 vCPU / 16 GiB, scored on CPU only). Recommended
 * size, for every method alike: the cheapest current-generation amd64, non-burstable type that
 * covers the method's required vCPU and GiB (`candidatesFor`, which for CPU-only traces also
 * keeps at least the current memory).
 */
import { stackfitConfigSchema } from '../config/schema';
import { ruleFor } from '../config/rules';
import type { ResolvedRule } from '../config/rules';
import { candidatesFor, loadCatalog } from '../catalog/index';
import type { Catalog } from '../catalog/index';
import { forecastDemand } from '../forecast/index';
import { percentileSorted, sortedFinite } from '../forecast/stats';
import { StackfitError } from '../model';
import type { Demand, DimensionEvidence, Offering, Series, Workload } from '../model';
import { sliceSeries } from '../usage/index';
import { readTraceDir } from '../usage/traces/index';
import type { Trace } from '../usage/traces/index';

export const BACKTEST_METHODS = ['stackfit', 'computeOptimizer', 'vpa'] as const;
export type BacktestMethod = (typeof BACKTEST_METHODS)[number];

export interface BacktestOptions {
  /** Days of each trace used for the recommendation; the rest is scored. Default 21. */
  trainDays?: number;
  /** Catalog to price with; default the shipped one. */
  catalog?: Catalog;
  /** stackfit.yaml settings (percentiles, headroom, horizon); default: stackfit's defaults. */
  config?: unknown;
  region?: string;
}

export interface SizeRef {
  size: string;
  vcpu: number;
  memoryGiB: number;
  monthlyUsd: number;
}

export interface MethodResult extends SizeRef {
  /** What the method asked for (vCPU, GiB; GiB absent when scored on CPU only). */
  requiredVcpu: number;
  requiredMemoryGiB?: number;
  /** Current monthly price minus this one (positive = saving). */
  savingsUsd: number;
  /** Scored 5-minute intervals where the trace used more than this size has. */
  underProvisionedIntervals: number;
  underProvisionedShare: number;
}

export interface TraceResult {
  id: string;
  source: Trace['source'];
  file: string;
  /** CPU only (no memory metric in the trace). */
  cpuOnly: boolean;
  trainIntervals: number;
  scoredIntervals: number;
  /** The assumed (Azure) or provisioned (Bitbrains) shape the current size was chosen for. */
  provisioned: { vcpu: number; memoryGiB: number; assumed: boolean };
  current: SizeRef & { underProvisionedIntervals: number };
  stackfit: MethodResult & { confidence: Demand['confidence']; notes: string[] };
  computeOptimizer: MethodResult;
  vpa: MethodResult;
}

export interface MethodTotals {
  monthlyUsd: number;
  savingsUsd: number;
  /** Savings as a share of the current total (0.25 = 25 %). */
  savingsShare: number;
  underProvisionedIntervals: number;
  underProvisionedShare: number;
}

export interface BacktestReport {
  dir: string;
  settings: {
    trainDays: number;
    region: string;
    stackfit: { cpuPercentile: number; cpuHeadroom: number; memoryPercentile: number; memoryHeadroom: number; horizonDays: number };
    computeOptimizer: { percentile: number; headroom: number };
    vpa: { percentile: number; headroom: number };
    azureAssumed: { vcpu: number; memoryGiB: number };
  };
  traces: TraceResult[];
  /** Traces skipped (too short to train and score), with the reason. */
  skipped: { id: string; reason: string }[];
  totals: {
    intervals: number;
    current: { monthlyUsd: number; underProvisionedIntervals: number; underProvisionedShare: number };
    stackfit: MethodTotals;
    computeOptimizer: MethodTotals;
    vpa: MethodTotals;
  };
  /**
   * The acceptance check: stackfit saves at least as much as the better baseline at no more
   * under-provisioning. The better baseline is the one that saves more among those that
   * under-provision no more than the other (i.e. not dominated); see docs/backtest.md.
   */
  comparison: {
    betterBaseline: Exclude<BacktestMethod, 'stackfit'>;
    savesAtLeastAsMuch: boolean;
    underProvisionsNoMore: boolean;
    holds: boolean;
  };
}

export const BASELINES = {
  /** AWS Compute Optimizer: P99.5 of the lookback, 20 % headroom (its default preference). */
  computeOptimizer: { percentile: 99.5, headroom: 0.2 },
  /** Kubernetes VPA recommender: P90 target, 15 % safety margin. */
  vpa: { percentile: 90, headroom: 0.15 },
} as const;

const AZURE_ASSUMED = { vcpu: 4, memoryGiB: 16 };
const DAY_MS = 86_400_000;
/** Burstable families sell CPU credits, not sustained cores: not a fair target for a back-test. */
const BURSTABLE = ['t1', 't2', 't3', 't3a', 't4g'];

function isGeneralPurpose(o: Offering): boolean {
  return /^m\d/.test(o.family);
}

function sizeRef(o: Offering): SizeRef {
  return { size: o.size, vcpu: o.vcpu, memoryGiB: o.memoryGiB, monthlyUsd: round(o.monthlyUsd, 4) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The cheapest current-generation general-purpose amd64 type with at least this shape. */
export function currentSizeFor(catalog: Catalog, region: string, vcpu: number, memoryGiB: number): Offering {
  let best: Offering | undefined;
  for (const o of catalog.offerings({ cloud: 'aws', region, kind: 'vm' })) {
    if (!o.currentGeneration || o.arch !== 'amd64' || o.gpus !== 0 || !isGeneralPurpose(o)) continue;
    if (o.vcpu < vcpu || o.memoryGiB < memoryGiB) continue;
    if (!best || o.monthlyUsd < best.monthlyUsd || (o.monthlyUsd === best.monthlyUsd && o.size < best.size)) best = o;
  }
  if (!best) throw new StackfitError(`no general-purpose AWS type in ${region} has ${vcpu} vCPU and ${memoryGiB} GiB`);
  return best;
}

function countOver(series: Series | undefined, limit: number, flags: Uint8Array, startMs: number): void {
  if (!series) return;
  // Flags are per scored interval (5-minute slot since the split): CPU or memory over → under-provisioned.
  for (let i = 0; i < series.t.length; i++) {
    if (series.v[i]! > limit) {
      const slot = Math.floor((series.t[i]! - startMs) / 300_000);
      if (slot >= 0 && slot < flags.length) flags[slot] = 1;
    }
  }
}

function underProvisioned(scoreCpu: Series, scoreMem: Series | undefined, vcpu: number, memoryGiB: number | undefined, startMs: number, slots: number, valid: Uint8Array): number {
  const flags = new Uint8Array(slots);
  countOver(scoreCpu, vcpu, flags, startMs);
  if (memoryGiB !== undefined) countOver(scoreMem, memoryGiB, flags, startMs);
  let n = 0;
  for (let i = 0; i < slots; i++) if (flags[i] && valid[i]) n++;
  return n;
}

function baselineDemand(urn: string, train: Series, trainMem: Series | undefined, b: { percentile: number; headroom: number }): Demand {
  const dim = (s: Series): DimensionEvidence => {
    const sorted = sortedFinite(s.v);
    const peak = percentileSorted(sorted, b.percentile);
    return {
      p50: percentileSorted(sorted, 50),
      p95: percentileSorted(sorted, 95),
      max: sorted[sorted.length - 1] ?? 0,
      forecastPeak: peak,
      percentile: b.percentile,
      headroom: b.headroom,
      required: peak * (1 + b.headroom),
    };
  };
  return {
    urn,
    status: 'ok',
    historyHours: (train.t[train.t.length - 1]! - train.t[0]!) / 3_600_000,
    horizonDays: 0,
    cpu: dim(train),
    ...(trainMem && { memory: dim(trainMem) }),
    confidence: 'high',
    allowDownsize: true,
    notes: [],
  };
}

/** Runs the back-test on every trace file in `dir` (found by header). */
export function runBacktest(dir: string, opts: BacktestOptions = {}): BacktestReport {
  const trainDays = opts.trainDays ?? 21;
  const region = opts.region ?? 'us-east-1';
  const catalog = opts.catalog ?? loadCatalog();
  const config = stackfitConfigSchema.parse(opts.config ?? {});
  const traces = readTraceDir(dir, { azureVcpu: AZURE_ASSUMED.vcpu });
  if (traces.length === 0) throw new StackfitError('no Bitbrains or Azure wide trace files found', dir);

  const results: TraceResult[] = [];
  const skipped: BacktestReport['skipped'] = [];
  let ruleShown: ResolvedRule | undefined;
  for (const trace of traces) {
    const start = trace.cpuCores.t[0]!;
    const end = trace.cpuCores.t[trace.cpuCores.t.length - 1]!;
    const split = start + trainDays * DAY_MS;
    if (end <= split) {
      skipped.push({ id: trace.id, reason: `shorter than ${trainDays} days: nothing to score` });
      continue;
    }
    const cpuOnly = trace.memoryGiB === undefined;
    const provisioned = trace.provisioned ?? AZURE_ASSUMED;
    const current = currentSizeFor(catalog, region, provisioned.vcpu, provisioned.memoryGiB);
    const workload: Workload = {
      urn: `urn:pulumi:backtest::traces::aws:ec2/instance:Instance::${trace.id}`,
      name: trace.id,
      type: 'aws:ec2/instance:Instance',
      kind: 'vm',
      cloud: 'aws',
      region,
      size: current.size,
      count: 1,
      metricIds: { name: trace.id },
    };
    const baseRule = ruleFor(config, workload);
    const rule: ResolvedRule = { ...baseRule, allowMove: false, excludeFamilies: [...baseRule.excludeFamilies, ...BURSTABLE] };
    ruleShown ??= rule;

    const trainCpu = sliceSeries(trace.cpuCores, start, split - 1);
    const trainMem = trace.memoryGiB && sliceSeries(trace.memoryGiB, start, split - 1);
    const scoreCpu = sliceSeries(trace.cpuCores, split, end);
    const scoreMem = trace.memoryGiB && sliceSeries(trace.memoryGiB, split, end);
    const slots = Math.floor((end - split) / 300_000) + 1;
    const valid = new Uint8Array(slots);
    for (const t of scoreCpu.t) {
      const s = Math.floor((t - split) / 300_000);
      if (s >= 0 && s < slots) valid[s] = 1;
    }
    let scored = 0;
    for (let i = 0; i < slots; i++) scored += valid[i]!;

    const demands: Record<BacktestMethod, Demand> = {
      stackfit: forecastDemand({
        workload,
        usage: { urn: workload.urn, cpuCores: trainCpu, ...(trainMem && { memoryGiB: trainMem }), source: `trace:${trace.id}` },
        rule,
        now: new Date(split),
      }),
      computeOptimizer: baselineDemand(workload.urn, trainCpu, trainMem, BASELINES.computeOptimizer),
      vpa: baselineDemand(workload.urn, trainCpu, trainMem, BASELINES.vpa),
    };
    const method = (m: BacktestMethod): MethodResult => {
      const demand = demands[m];
      const chosen = candidatesFor({ workload, demand, rule, catalog, current })[0];
      if (!chosen) throw new StackfitError(`no AWS type in ${region} meets ${m}'s demand for trace ${trace.id}`, trace.file);
      const under = underProvisioned(scoreCpu, scoreMem, chosen.vcpu, cpuOnly ? undefined : chosen.memoryGiB, split, slots, valid);
      return {
        ...sizeRef(chosen),
        requiredVcpu: round(demand.cpu.required, 4),
        ...(demand.memory && { requiredMemoryGiB: round(demand.memory.required, 4) }),
        savingsUsd: round(current.monthlyUsd - chosen.monthlyUsd, 4),
        underProvisionedIntervals: under,
        underProvisionedShare: scored > 0 ? under / scored : 0,
      };
    };
    const sf = demands.stackfit;
    results.push({
      id: trace.id,
      source: trace.source,
      file: trace.file,
      cpuOnly,
      trainIntervals: trainCpu.t.length,
      scoredIntervals: scored,
      provisioned: { vcpu: provisioned.vcpu, memoryGiB: round(provisioned.memoryGiB, 4), assumed: trace.provisioned === undefined },
      current: {
        ...sizeRef(current),
        underProvisionedIntervals: underProvisioned(scoreCpu, scoreMem, current.vcpu, cpuOnly ? undefined : current.memoryGiB, split, slots, valid),
      },
      stackfit: { ...method('stackfit'), confidence: sf.confidence, notes: sf.notes },
      computeOptimizer: method('computeOptimizer'),
      vpa: method('vpa'),
    });
  }

  const intervals = results.reduce((s, r) => s + r.scoredIntervals, 0);
  const currentMonthly = results.reduce((s, r) => s + r.current.monthlyUsd, 0);
  const totalsOf = (m: BacktestMethod): MethodTotals => {
    const monthlyUsd = results.reduce((s, r) => s + r[m].monthlyUsd, 0);
    const under = results.reduce((s, r) => s + r[m].underProvisionedIntervals, 0);
    return {
      monthlyUsd: round(monthlyUsd, 2),
      savingsUsd: round(currentMonthly - monthlyUsd, 2),
      savingsShare: currentMonthly > 0 ? round((currentMonthly - monthlyUsd) / currentMonthly, 4) : 0,
      underProvisionedIntervals: under,
      underProvisionedShare: intervals > 0 ? under / intervals : 0,
    };
  };
  const currentUnder = results.reduce((s, r) => s + r.current.underProvisionedIntervals, 0);
  const totals = {
    intervals,
    current: { monthlyUsd: round(currentMonthly, 2), underProvisionedIntervals: currentUnder, underProvisionedShare: intervals > 0 ? currentUnder / intervals : 0 },
    stackfit: totalsOf('stackfit'),
    computeOptimizer: totalsOf('computeOptimizer'),
    vpa: totalsOf('vpa'),
  };
  const rule = ruleShown;
  return {
    dir,
    settings: {
      trainDays,
      region,
      stackfit: {
        cpuPercentile: rule?.cpuPercentile ?? config.cpuPercentile,
        cpuHeadroom: rule?.cpuHeadroom ?? config.cpuHeadroom,
        memoryPercentile: rule?.memoryPercentile ?? config.memoryPercentile,
        memoryHeadroom: rule?.memoryHeadroom ?? config.memoryHeadroom,
        horizonDays: rule?.horizonDays ?? config.horizonDays,
      },
      computeOptimizer: { ...BASELINES.computeOptimizer },
      vpa: { ...BASELINES.vpa },
      azureAssumed: { ...AZURE_ASSUMED },
    },
    traces: results,
    skipped,
    totals,
    comparison: compare(totals),
  };
}

/**
 * The better baseline: of the two, the one that is not dominated (saves at least as much at no
 * more under-provisioning); when neither dominates, the one that under-provisions less — the
 * bar is "at no more under-provisioning", so a baseline that buys its savings with more
 * saturation cannot be the better one.
 */
export function compare(totals: Pick<BacktestReport['totals'], BacktestMethod>): BacktestReport['comparison'] {
  const co = totals.computeOptimizer;
  const vpa = totals.vpa;
  const dominates = (a: MethodTotals, b: MethodTotals) => a.savingsUsd >= b.savingsUsd && a.underProvisionedShare <= b.underProvisionedShare;
  let betterBaseline: 'computeOptimizer' | 'vpa';
  if (dominates(vpa, co)) betterBaseline = 'vpa';
  else if (dominates(co, vpa)) betterBaseline = 'computeOptimizer';
  else betterBaseline = co.underProvisionedShare <= vpa.underProvisionedShare ? 'computeOptimizer' : 'vpa';
  const best = totals[betterBaseline];
  const savesAtLeastAsMuch = totals.stackfit.savingsUsd >= best.savingsUsd;
  const underProvisionsNoMore = totals.stackfit.underProvisionedShare <= best.underProvisionedShare;
  return { betterBaseline, savesAtLeastAsMuch, underProvisionsNoMore, holds: savesAtLeastAsMuch && underProvisionsNoMore };
}
