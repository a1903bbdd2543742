/**
 * The back-test: on real VM traces, recommend from the first three weeks and score on the rest,
 * against Compute-Optimizer-style and VPA-style baselines. See docs/backtest.md.
 *
 * Every trace is priced as an AWS us-east-1 instance. Current size: the cheapest
 * current-generation amd64 type of ANY family (no GPU, not burstable) with the shape the VM had
 * over the TRAINING window (Azure V1 has no shape: 4 vCPU / 16 GiB assumed, CPU only). The
 * m-family variant is shown beside it. Recommended size, for every method alike: the cheapest
 * current-generation amd64, non-burstable type that covers the method's required vCPU and GiB
 * (`candidatesFor`, which for CPU-only traces keeps at least the current memory).
 */
import { stackfitConfigSchema } from '../config/schema';
import { ruleFor } from '../config/rules';
import type { ResolvedRule } from '../config/rules';
import { candidatesFor, loadCatalog } from '../catalog/index';
import { isBurstable } from '../catalog/candidates';
import type { Catalog } from '../catalog/index';
import { forecastDemand } from '../forecast/index';
import type { ModelSettings } from '../forecast/index';
import { percentileSorted, sortedFinite } from '../forecast/stats';
import { StackfitError } from '../model';
import type { Demand, DimensionEvidence, Offering, Series, Workload } from '../model';
import { sliceSeries } from '../usage/index';
import { AZURE_ASSUMED, loadBacktestTraces } from './traces';
import { VPA_RECOMMENDER, vpaCpuTarget, vpaMemoryTarget } from './vpa';
import type { BacktestTrace, SkippedFile } from './traces';

export { AZURE_ASSUMED } from './traces';

export const BACKTEST_METHODS = ['stackfit', 'computeOptimizer', 'vpa'] as const;
export type BacktestMethod = (typeof BACKTEST_METHODS)[number];

/** Settings of one sizing method: stackfit with stackfit.yaml overrides, or a baseline rule. */
export type MethodSpec =
  | { method: 'stackfit'; label: string; config?: Record<string, unknown>; model?: Partial<ModelSettings> }
  | { method: 'computeOptimizer' | 'vpa'; label: string; percentile: number; headroom: number };

export const BASELINES = {
  /** AWS Compute Optimizer: P99.5 of the lookback, 20 % headroom (its default preference). */
  computeOptimizer: { percentile: 99.5, headroom: 0.2 },
  /**
   * Kubernetes VPA recommender: P90 target, 15 % safety margin — of a 24 h-half-life decayed CPU
   * histogram and of the 24 h memory peaks of the last 8 days (src/backtest/vpa.ts).
   */
  vpa: { percentile: VPA_RECOMMENDER.targetPercentile, headroom: VPA_RECOMMENDER.marginFraction },
} as const;

export const DEFAULT_METHODS: readonly MethodSpec[] = [
  { method: 'stackfit', label: 'stackfit (defaults)' },
  { method: 'computeOptimizer', label: 'Compute-Optimizer-style (P99.5 + 20 %)', ...BASELINES.computeOptimizer },
  { method: 'vpa', label: 'VPA-recommender-style (P90 decayed, memory P90 of daily peaks, + 15 %)', ...BASELINES.vpa },
];

export interface BacktestOptions {
  /** Days of each trace used for the recommendation; the rest is scored. Default 21. */
  trainDays?: number;
  /** Days at the start of each trace left out (training starts after them): other windows for held-out checks. Default 0. */
  offsetDays?: number;
  /** Catalog to price with; default the shipped one. */
  catalog?: Catalog;
  /** stackfit.yaml settings (percentiles, headroom, horizon) for stackfit; default: its defaults. */
  config?: unknown;
  region?: string;
  /** Methods to run; default stackfit, Compute-Optimizer-style and VPA-style at their defaults. */
  methods?: readonly MethodSpec[];
}

export interface SizeRef {
  size: string;
  vcpu: number;
  memoryGiB: number;
  monthlyUsd: number;
}

export interface Score {
  /** Scored 5-minute intervals whose CPU needed more than the size has (see `cappedAt`). */
  cpuUnderIntervals: number;
  /** Scored intervals whose used memory exceeded the size's GiB (a process would be killed). */
  memoryOverrunIntervals: number;
  /** Intervals with either. */
  underProvisionedIntervals: number;
}

export interface MethodResult extends SizeRef, Score {
  label: string;
  /** What the method asked for (vCPU, GiB; GiB absent when scored on CPU only). */
  requiredVcpu: number;
  requiredMemoryGiB?: number;
  /** Current monthly price minus this one (positive = saving). */
  savingsUsd: number;
  /** stackfit only. */
  confidence?: string;
  cpuBound?: boolean;
  notes?: string[];
}

export interface TraceResult {
  id: string;
  vmId: string;
  dataset: string;
  source: BacktestTrace['source'];
  files: string[];
  /** CPU only (no memory metric in the trace). */
  cpuOnly: boolean;
  trainIntervals: number;
  scoredIntervals: number;
  /** Largest memory used in the training window (GiB; zeros read as gaps): the floor for every recommendation. */
  trainMemoryPeakGiB?: number;
  /** The shape the current size was chosen for: Bitbrains the largest provisioned in the training window, Azure assumed. */
  provisioned: { vcpu: number; memoryGiB: number; assumed: boolean };
  current: SizeRef & Score & { generalPurpose: SizeRef };
  /** One result per method run, in the order of `methods`. */
  results: MethodResult[];
}

export interface MethodTotals {
  label: string;
  monthlyUsd: number;
  savingsUsd: number;
  /** Savings as a share of the current total (0.25 = 25 %). */
  savingsShare: number;
  cpuUnderIntervals: number;
  cpuUnderShare: number;
  memoryOverrunIntervals: number;
  /** Of the scored intervals of traces with a memory metric. */
  memoryOverrunShare: number;
  tracesWithMemoryOverrun: number;
  underProvisionedIntervals: number;
  /** The trace this method under-provisions most (share of its intervals, CPU or memory). */
  worst?: { id: string; underProvisionedShare: number; cpuUnderIntervals: number; memoryOverrunIntervals: number };
}

export interface GroupTotals {
  /** Dataset folder, or `overall`. */
  name: string;
  traces: number;
  intervals: number;
  memoryIntervals: number;
  current: { monthlyUsd: number; cpuUnderIntervals: number; memoryOverrunIntervals: number };
  methods: MethodTotals[];
  /** stackfit (the first stackfit method) against Compute-Optimizer-style at their defaults. */
  comparison?: Comparison;
}

export interface Comparison {
  savesAtLeastAsMuch: boolean;
  cpuUnderNoMore: boolean;
  memoryOverrunsNoMore: boolean;
  holds: boolean;
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
  methods: MethodSpec[];
  traces: TraceResult[];
  /** Files not used (unknown format, unreadable) and traces too short, with the reason. */
  skipped: SkippedFile[];
  /** Per dataset folder, then `overall` last. */
  totals: GroupTotals[];
  /** True when stackfit loses to Compute-Optimizer-style on any dataset or overall. */
  regression: boolean;
}

const DAY_MS = 86_400_000;
const SLOT_MS = 300_000;
/** A capped reading (Azure % of an unknown capacity) at or above this share of the cap is saturation. */
const CAP_SATURATED = 0.999;

function sizeRef(o: Offering): SizeRef {
  return { size: o.size, vcpu: o.vcpu, memoryGiB: o.memoryGiB, monthlyUsd: round(o.monthlyUsd, 4) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The cheapest current-generation amd64 type with at least this shape: of any family when
 * `generalPurposeOnly` is false (what a buyer of that shape pays at least), else of an m family.
 */
export function currentSizeFor(catalog: Catalog, region: string, vcpu: number, memoryGiB: number, generalPurposeOnly = false): Offering {
  let best: Offering | undefined;
  for (const o of catalog.offerings({ cloud: 'aws', region, kind: 'vm' })) {
    if (!o.currentGeneration || o.arch !== 'amd64' || o.gpus !== 0 || isBurstable(o)) continue;
    if (generalPurposeOnly && !/^m\d/.test(o.family)) continue;
    if (o.vcpu < vcpu || o.memoryGiB < memoryGiB - 1e-9) continue;
    if (!best || o.monthlyUsd < best.monthlyUsd || (o.monthlyUsd === best.monthlyUsd && o.size < best.size)) best = o;
  }
  if (!best) throw new StackfitError(`no AWS type in ${region} has ${vcpu} vCPU and ${round(memoryGiB, 2)} GiB`);
  return best;
}

function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const x of values) if (Number.isFinite(x) && x > m) m = x;
  return m;
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

interface Prepared {
  trace: BacktestTrace;
  workload: Workload;
  rule: ResolvedRule;
  split: number;
  trainCpu: Series;
  trainMem?: Series;
  scoreCpu: Series;
  scoreMem?: Series;
  current: Offering;
  currentGeneral: Offering;
  provisioned: TraceResult['provisioned'];
  trainMemoryPeakGiB?: number;
}

/** Counts the scored intervals a size of `vcpu` / `memoryGiB` would not have covered. */
export function scoreSize(
  p: Pick<Prepared, 'scoreCpu' | 'scoreMem' | 'split'> & { trace: Pick<BacktestTrace, 'cappedAt'> },
  vcpu: number,
  memoryGiB: number | undefined,
): Score {
  const cpuSlots = new Set<number>();
  const memSlots = new Set<number>();
  const cap = p.trace.cappedAt;
  const { t, v } = p.scoreCpu;
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!;
    // A reading at the cap says only "at least the cap": a size no bigger than the cap was saturated.
    const saturated = cap !== undefined && x >= cap * CAP_SATURATED && vcpu <= cap + 1e-9;
    if (x > vcpu + 1e-9 || saturated) cpuSlots.add(Math.floor((t[i]! - p.split) / SLOT_MS));
  }
  if (memoryGiB !== undefined && p.scoreMem) {
    const m = p.scoreMem;
    for (let i = 0; i < m.t.length; i++) if (m.v[i]! > memoryGiB + 1e-9) memSlots.add(Math.floor((m.t[i]! - p.split) / SLOT_MS));
  }
  const either = new Set([...cpuSlots, ...memSlots]);
  return { cpuUnderIntervals: cpuSlots.size, memoryOverrunIntervals: memSlots.size, underProvisionedIntervals: either.size };
}

function prepare(
  trace: BacktestTrace,
  window: { trainDays: number; offsetDays: number },
  region: string,
  catalog: Catalog,
  config: ReturnType<typeof stackfitConfigSchema.parse>,
): Prepared | string {
  const { trainDays, offsetDays } = window;
  const start = trace.cpuCores.t[0]! + offsetDays * DAY_MS;
  const end = trace.cpuCores.t[trace.cpuCores.t.length - 1]!;
  const split = start + trainDays * DAY_MS;
  if (end <= split) return `shorter than ${offsetDays > 0 ? `${offsetDays} + ` : ''}${trainDays} days: nothing to score`;
  const trainCpu = sliceSeries(trace.cpuCores, start, split - 1);
  const scoreCpu = sliceSeries(trace.cpuCores, split, end);
  const trainMem = trace.memoryGiB && sliceSeries(trace.memoryGiB, start, split - 1);
  const scoreMem = trace.memoryGiB && sliceSeries(trace.memoryGiB, split, end);
  let provisioned: TraceResult['provisioned'];
  if (trace.provisionedSeries) {
    // The shape known when the recommendation is made: the largest provisioned in the training window.
    const vcpu = maxOf(sliceSeries(trace.provisionedSeries.vcpu, start, split - 1).v);
    const mem = maxOf(sliceSeries(trace.provisionedSeries.memoryGiB, start, split - 1).v);
    if (!(vcpu > 0) || !(mem > 0)) return 'no provisioned cores or memory in the training window';
    provisioned = { vcpu, memoryGiB: round(mem, 4), assumed: false };
  } else provisioned = { vcpu: AZURE_ASSUMED.vcpu, memoryGiB: AZURE_ASSUMED.memoryGiB, assumed: true };
  const current = currentSizeFor(catalog, region, provisioned.vcpu, provisioned.memoryGiB);
  const currentGeneral = currentSizeFor(catalog, region, provisioned.vcpu, provisioned.memoryGiB, true);
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
  // Same region, not burstable (t-families sell CPU credits, not sustained cores).
  const rule: ResolvedRule = { ...baseRule, allowMove: false };
  const peak = trainMem ? maxOf(trainMem.v) : undefined;
  return {
    trace,
    workload,
    rule,
    split,
    trainCpu,
    ...(trainMem && { trainMem }),
    scoreCpu,
    ...(scoreMem && { scoreMem }),
    current,
    currentGeneral,
    provisioned,
    ...(peak !== undefined && Number.isFinite(peak) && { trainMemoryPeakGiB: round(peak, 4) }),
  };
}

function demandOf(p: Prepared, spec: MethodSpec, baseConfig: unknown): Demand {
  if (spec.method === 'stackfit') {
    const config = stackfitConfigSchema.parse({ ...(baseConfig as object | undefined), ...spec.config });
    const rule: ResolvedRule = { ...ruleFor(config, p.workload), allowMove: false };
    return forecastDemand({
      workload: p.workload,
      usage: { urn: p.workload.urn, cpuCores: p.trainCpu, ...(p.trainMem && { memoryGiB: p.trainMem }), source: `trace:${p.trace.id}` },
      rule,
      now: new Date(p.split),
      capacity: { vcpu: p.current.vcpu, ...(p.trace.cappedAt !== undefined && { cpuCapped: true }) },
      ...(spec.model && { model: spec.model }),
    });
  }
  // Baselines read memory as recorded, zeros included (that is what a percentile rule does).
  const demand = baselineDemand(p.workload.urn, p.trainCpu, p.trainMem, spec);
  if (spec.method === 'vpa') {
    // The VPA recommender's own target (decayed histogram; memory from daily peaks), not a plain percentile.
    const withTarget = (d: DimensionEvidence, required: number): DimensionEvidence => ({
      ...d,
      forecastPeak: required / (1 + spec.headroom),
      required,
    });
    demand.cpu = withTarget(demand.cpu, vpaCpuTarget(p.trainCpu, p.split, spec.percentile, spec.headroom));
    if (demand.memory && p.trainMem)
      demand.memory = withTarget(demand.memory, vpaMemoryTarget(p.trainMem, p.split, spec.percentile, spec.headroom));
  }
  return demand;
}

function runMethod(p: Prepared, spec: MethodSpec, catalog: Catalog, baseConfig: unknown): MethodResult {
  const demand = demandOf(p, spec, baseConfig);
  const chosen = candidatesFor({ workload: p.workload, demand, rule: p.rule, catalog, current: p.current })[0];
  if (!chosen)
    throw new StackfitError(`no AWS type in ${p.workload.region} meets ${spec.label}'s demand for trace ${p.trace.id}`, p.trace.files[0]);
  const cpuOnly = p.trace.memoryGiB === undefined;
  return {
    label: spec.label,
    ...sizeRef(chosen),
    requiredVcpu: round(demand.cpu.required, 4),
    ...(demand.memory && { requiredMemoryGiB: round(demand.memory.required, 4) }),
    savingsUsd: round(p.current.monthlyUsd - chosen.monthlyUsd, 4),
    ...scoreSize(p, chosen.vcpu, cpuOnly ? undefined : chosen.memoryGiB),
    ...(spec.method === 'stackfit' && { confidence: demand.confidence, cpuBound: demand.cpuBound === true, notes: demand.notes }),
  };
}

function totalsOf(name: string, traces: TraceResult[], methods: readonly MethodSpec[]): GroupTotals {
  const intervals = traces.reduce((s, r) => s + r.scoredIntervals, 0);
  const memoryIntervals = traces.reduce((s, r) => s + (r.cpuOnly ? 0 : r.scoredIntervals), 0);
  const currentMonthly = traces.reduce((s, r) => s + r.current.monthlyUsd, 0);
  const method = (i: number): MethodTotals => {
    const rs = traces.map((t) => ({ t, m: t.results[i]! }));
    const monthlyUsd = rs.reduce((s, x) => s + x.m.monthlyUsd, 0);
    const cpu = rs.reduce((s, x) => s + x.m.cpuUnderIntervals, 0);
    const mem = rs.reduce((s, x) => s + x.m.memoryOverrunIntervals, 0);
    let worst: MethodTotals['worst'];
    for (const { t, m } of rs) {
      const share = t.scoredIntervals > 0 ? m.underProvisionedIntervals / t.scoredIntervals : 0;
      if (share > 0 && (!worst || share > worst.underProvisionedShare)) {
        worst = {
          id: t.id,
          underProvisionedShare: round(share, 6),
          cpuUnderIntervals: m.cpuUnderIntervals,
          memoryOverrunIntervals: m.memoryOverrunIntervals,
        };
      }
    }
    return {
      label: methods[i]!.label,
      monthlyUsd: round(monthlyUsd, 2),
      savingsUsd: round(currentMonthly - monthlyUsd, 2),
      savingsShare: currentMonthly > 0 ? round((currentMonthly - monthlyUsd) / currentMonthly, 6) : 0,
      cpuUnderIntervals: cpu,
      cpuUnderShare: intervals > 0 ? cpu / intervals : 0,
      memoryOverrunIntervals: mem,
      memoryOverrunShare: memoryIntervals > 0 ? mem / memoryIntervals : 0,
      tracesWithMemoryOverrun: rs.filter((x) => x.m.memoryOverrunIntervals > 0).length,
      underProvisionedIntervals: rs.reduce((s, x) => s + x.m.underProvisionedIntervals, 0),
      ...(worst && { worst }),
    };
  };
  const group: GroupTotals = {
    name,
    traces: traces.length,
    intervals,
    memoryIntervals,
    current: {
      monthlyUsd: round(currentMonthly, 2),
      cpuUnderIntervals: traces.reduce((s, r) => s + r.current.cpuUnderIntervals, 0),
      memoryOverrunIntervals: traces.reduce((s, r) => s + r.current.memoryOverrunIntervals, 0),
    },
    methods: methods.map((_, i) => method(i)),
  };
  const sf = methods.findIndex((m) => m.method === 'stackfit');
  const co = methods.findIndex(
    (m) =>
      m.method === 'computeOptimizer' &&
      m.percentile === BASELINES.computeOptimizer.percentile &&
      m.headroom === BASELINES.computeOptimizer.headroom,
  );
  if (sf >= 0 && co >= 0) group.comparison = compare(group.methods[sf]!, group.methods[co]!);
  return group;
}

/**
 * stackfit against Compute-Optimizer-style: at least its savings, at no more CPU
 * under-provisioning and no more memory overruns (the issue's bar; see docs/backtest.md).
 */
export function compare(stackfit: MethodTotals, co: MethodTotals): Comparison {
  const savesAtLeastAsMuch = stackfit.savingsUsd >= co.savingsUsd;
  const cpuUnderNoMore = stackfit.cpuUnderIntervals <= co.cpuUnderIntervals;
  const memoryOverrunsNoMore = stackfit.memoryOverrunIntervals <= co.memoryOverrunIntervals;
  return { savesAtLeastAsMuch, cpuUnderNoMore, memoryOverrunsNoMore, holds: savesAtLeastAsMuch && cpuUnderNoMore && memoryOverrunsNoMore };
}

/** Runs the back-test on every trace file under `dir` (found by header; others listed as skipped). */
export function runBacktest(dir: string, opts: BacktestOptions = {}): BacktestReport {
  const trainDays = opts.trainDays ?? 21;
  if (!(trainDays > 0)) throw new StackfitError(`train days must be a positive number, got ${trainDays}`, '--train-days');
  const offsetDays = opts.offsetDays ?? 0;
  if (!(offsetDays >= 0)) throw new StackfitError(`offset days must be 0 or more, got ${offsetDays}`, 'offsetDays');
  const region = opts.region ?? 'us-east-1';
  const catalog = opts.catalog ?? loadCatalog();
  const config = stackfitConfigSchema.parse(opts.config ?? {});
  const methods = opts.methods ?? DEFAULT_METHODS;
  const { traces, skipped } = loadBacktestTraces(dir);
  if (traces.length === 0) throw new StackfitError('no Bitbrains or Azure V1 wide trace files found', dir);

  const results: TraceResult[] = [];
  for (const trace of traces) {
    const p = prepare(trace, { trainDays, offsetDays }, region, catalog, config);
    if (typeof p === 'string') {
      skipped.push({ file: trace.files.join(', '), reason: `${trace.id}: ${p}` });
      continue;
    }
    const cpuOnly = trace.memoryGiB === undefined;
    results.push({
      id: trace.id,
      vmId: trace.vmId,
      dataset: trace.dataset,
      source: trace.source,
      files: trace.files,
      cpuOnly,
      trainIntervals: p.trainCpu.t.length,
      scoredIntervals: p.scoreCpu.t.length,
      ...(p.trainMemoryPeakGiB !== undefined && { trainMemoryPeakGiB: p.trainMemoryPeakGiB }),
      provisioned: p.provisioned,
      current: {
        ...sizeRef(p.current),
        ...scoreSize(p, p.current.vcpu, cpuOnly ? undefined : p.current.memoryGiB),
        generalPurpose: sizeRef(p.currentGeneral),
      },
      results: methods.map((spec) => runMethod(p, spec, catalog, opts.config)),
    });
  }
  const datasets = [...new Set(results.map((r) => r.dataset))].sort();
  const totals = datasets.map((d) =>
    totalsOf(
      d,
      results.filter((r) => r.dataset === d),
      methods,
    ),
  );
  if (datasets.length !== 1 || datasets[0] !== '.') totals.push(totalsOf('overall', results, methods));
  const stackfitSettings = stackfitConfigSchema.parse({
    ...(opts.config as object | undefined),
    ...(methods.find((m) => m.method === 'stackfit') as { config?: object } | undefined)?.config,
  });
  return {
    dir,
    settings: {
      trainDays,
      region,
      stackfit: {
        cpuPercentile: stackfitSettings.cpuPercentile,
        cpuHeadroom: stackfitSettings.cpuHeadroom,
        memoryPercentile: stackfitSettings.memoryPercentile,
        memoryHeadroom: stackfitSettings.memoryHeadroom,
        horizonDays: stackfitSettings.horizonDays,
      },
      computeOptimizer: { ...BASELINES.computeOptimizer },
      vpa: { ...BASELINES.vpa },
      azureAssumed: { ...AZURE_ASSUMED },
    },
    methods: [...methods],
    traces: results,
    skipped,
    totals,
    regression: totals.some((g) => g.comparison !== undefined && !g.comparison.holds),
  };
}
