import type { Series } from '../model';
import type { BurstSpec } from './format';

/**
 * Burstable sizes sell a CPU baseline plus credits. One credit-minute is one vCPU at 100 % for a
 * minute; we count in core-hours. A size is feasible only when, over the observed usage, the
 * sustained (mean) demand stays at or under its baseline and every burst above the baseline is
 * paid from banked credits without the balance going below zero (AWS "standard" mode: in
 * "unlimited" mode the surplus is billed, which the list price does not include).
 *
 * The published figures (baseline per vCPU and credits banked) are in the per-cloud tables below,
 * each with its source.
 */

/**
 * AWS T2/T3/T3a/T4g: CPU credits earned per hour, from the "CPU credits earned per hour" table of
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html.
 * Baseline per vCPU = earned / (60 × vCPUs) (e.g. t3.large: 36 / 120 = 30 %); at most 24 hours of
 * earned credits are banked (same table: "maximum earned credits that can be accrued").
 */
export const AWS_CREDITS_PER_HOUR: Readonly<Record<string, number>> = {
  't2.nano': 3,
  't2.micro': 6,
  't2.small': 12,
  't2.medium': 24,
  't2.large': 36,
  't2.xlarge': 54,
  't2.2xlarge': 81.6,
  // T3, T3a and T4g share one table.
  ...Object.fromEntries(
    ['t3', 't3a', 't4g'].flatMap((family) =>
      Object.entries({ nano: 6, micro: 12, small: 24, medium: 24, large: 36, xlarge: 96, '2xlarge': 192 }).map(([size, credits]) => [`${family}.${size}`, credits]),
    ),
  ),
};

/**
 * Azure B-series v1: "Base CPU performance of VM" (as a % of one vCPU) from
 * https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/b-family (B-series
 * v1 table); credits banked per hour = baseline × 60, at most 24 hours banked (same table).
 */
export const AZURE_B_V1_BASELINE_PERCENT: Readonly<Record<string, number>> = {
  Standard_B1ls: 5,
  Standard_B1s: 10,
  Standard_B1ms: 20,
  Standard_B2s: 40,
  Standard_B2ms: 60,
  Standard_B4ms: 90,
  Standard_B8ms: 135,
  Standard_B12ms: 202,
  Standard_B16ms: 270,
  Standard_B20ms: 337,
};

/**
 * Azure B-series v2 (Bsv2 Intel, Basv2 AMD, Bpsv2 Arm): the baseline is a share of all the
 * VM's vCPUs, by the size's letters — `ts` 20 %, `ls` 30 %, `s` 40 % — per the Bsv2/Basv2/Bpsv2
 * tables of https://learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/bsv2-series
 * (and basv2-series, bpsv2-series); 24 hours of credits banked at most.
 */
export function azureBv2BaselinePercent(size: string): number | undefined {
  const m = /^Standard_B\d+[ap]?(ts|ls|s)_v2$/.exec(size);
  if (!m) return undefined;
  return m[1] === 'ts' ? 20 : m[1] === 'ls' ? 30 : 40;
}

/**
 * GCP shared-core types: the fraction of vCPU time they sustain, from
 * https://cloud.google.com/compute/docs/general-purpose-machines#sharedcore (e2-micro 0.25 vCPU,
 * e2-small 0.5, e2-medium 1; N1 f1-micro 0.2, g1-small 0.5). Google publishes no credit bank for
 * them ("bursts for short periods"), so none is modelled: each usage sample must fit the baseline.
 */
export const GCP_SHARED_CORE_BASELINE_CORES: Readonly<Record<string, number>> = {
  'e2-micro': 0.25,
  'e2-small': 0.5,
  'e2-medium': 1,
  'f1-micro': 0.2,
  'g1-small': 0.5,
};

const HOURS_BANKED = 24;

/** The burst model of an AWS type, or undefined when it is not burstable. */
export function awsBurstSpec(instanceType: string): BurstSpec | undefined {
  const earned = AWS_CREDITS_PER_HOUR[instanceType.replace(/^db\./, '')];
  if (earned === undefined) return undefined;
  const baselineCores = round(earned / 60);
  return { baselineCores, creditCapCoreHours: round(baselineCores * HOURS_BANKED) };
}

export function azureBurstSpec(size: string, vcpu: number): BurstSpec | undefined {
  const v1 = AZURE_B_V1_BASELINE_PERCENT[size];
  const v2 = azureBv2BaselinePercent(size);
  const baselineCores = v1 !== undefined ? v1 / 100 : v2 !== undefined ? round((v2 / 100) * vcpu) : undefined;
  if (baselineCores === undefined) return undefined;
  return { baselineCores, creditCapCoreHours: round(baselineCores * HOURS_BANKED) };
}

export function gcpBurstSpec(machineType: string): BurstSpec | undefined {
  const baselineCores = GCP_SHARED_CORE_BASELINE_CORES[machineType];
  return baselineCores === undefined ? undefined : { baselineCores, creditCapCoreHours: 0 };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The verdict of the credit check, with the figures shown as evidence. */
export interface BurstFit {
  ok: boolean;
  /** Mean observed demand (cores) against the baseline. */
  meanCores: number;
  baselineCores: number;
  /** Lowest credit balance reached (core-hours), starting from a full bank; negative: ran out. */
  lowestBalanceCoreHours: number;
  /** One line for the evidence. */
  note: string;
}

/**
 * Replays the observed CPU usage (cores, per instance) against a burstable size: the balance
 * starts full (a running instance at steady state), earns `baseline − usage` per hour of each
 * sample interval, and is capped at the bank size. Feasible when the mean is within the
 * baseline and the balance never goes negative. Pure.
 */
export function burstFit(size: string, spec: BurstSpec, cpu: Series): BurstFit {
  const { baselineCores, creditCapCoreHours } = spec;
  const n = cpu.v.length;
  let sum = 0;
  let balance = creditCapCoreHours;
  let lowest = balance;
  // Sample intervals: the gap to the next sample, the last one repeating the median gap.
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push((cpu.t[i]! - cpu.t[i - 1]!) / 3_600_000);
  const typical = gaps.length ? [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]! : 5 / 60;
  let hours = 0;
  for (let i = 0; i < n; i++) {
    const used = cpu.v[i]!;
    const dt = Math.min(gaps[i] ?? typical, typical * 3); // a gap in the data is not hours of idle credit
    sum += used * dt;
    hours += dt;
    balance = Math.min(creditCapCoreHours, balance + (baselineCores - used) * dt);
    if (balance < lowest) lowest = balance;
  }
  const meanCores = hours > 0 ? sum / hours : 0;
  const tolerance = 1e-9;
  const ok = n > 0 && meanCores <= baselineCores + tolerance && lowest >= -tolerance;
  const f = (x: number) => x.toFixed(2);
  const why = n === 0
    ? 'no usage samples'
    : meanCores > baselineCores + tolerance
      ? `mean ${f(meanCores)} cores is above its baseline ${f(baselineCores)}`
      : lowest < -tolerance
        ? `bursts exhaust its ${f(creditCapCoreHours)} core-hours of credits (balance would reach ${f(lowest)})`
        : `mean ${f(meanCores)} cores within its baseline ${f(baselineCores)}, credits never below ${f(lowest)} of ${f(creditCapCoreHours)} core-hours`;
  return { ok, meanCores, baselineCores, lowestBalanceCoreHours: lowest, note: `burstable ${size}: ${ok ? 'fits' : 'does not fit'}: ${why}` };
}

/**
 * The same verdict from a demand summary alone (no series, e.g. a policy check): the 95th
 * percentile must stay within the baseline, the conservative reading of "sustained demand".
 */
export function burstFitFromSummary(size: string, spec: BurstSpec, p95Cores: number): BurstFit {
  const ok = p95Cores <= spec.baselineCores + 1e-9;
  return {
    ok,
    meanCores: p95Cores,
    baselineCores: spec.baselineCores,
    lowestBalanceCoreHours: Number.NaN,
    note: `burstable ${size}: ${ok ? 'fits' : 'does not fit'}: p95 ${p95Cores.toFixed(2)} cores ${ok ? 'within' : 'above'} its baseline ${spec.baselineCores.toFixed(2)}`,
  };
}
