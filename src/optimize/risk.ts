import type { Demand, DimensionEvidence, Offering, Risk } from '../model';

/** The one set of risk labels, used by the table, JSON, Markdown and PR text alike. */
export const RISK_LABELS: Readonly<Record<Risk, string>> = { 0: 'none', 1: 'low', 2: 'medium', 3: 'high', 4: 'very high' };

/**
 * Risk from evidence: the share of the workload's own history that would have been above the
 * size (read from the observed quantiles the forecast keeps), on the worse of CPU and memory.
 *
 *   never above → 0 (none)   ≤ 0.1 % → 1 (low)   ≤ 0.5 % → 2 (medium)   ≤ 5 % → 3 (high)
 *   more, memory below the observed peak, or a CPU-bound workload not given more than it
 *   was seen using → 4 (very high)
 *
 * Demands without observed quantiles (built by hand) fall back to projected peak utilisation
 * (forecast peak ÷ capacity: < 50 % → 0, < 70 % → 1, < 85 % → 2, ≤ 100 % → 3, more → 4).
 */
export const RISK_EXCEEDANCE_CEILINGS: readonly [number, number, number] = [0.001, 0.005, 0.05];
export const RISK_UTILISATION_CEILINGS: readonly [number, number, number, number] = [0.5, 0.7, 0.85, 1.0];

function riskOfUtilisation(utilisation: number): Risk {
  const [low, medium, high, full] = RISK_UTILISATION_CEILINGS;
  if (!(utilisation >= 0)) return 0;
  if (utilisation < low) return 0;
  if (utilisation < medium) return 1;
  if (utilisation < high) return 2;
  if (utilisation <= full) return 3;
  return 4;
}

/** Projected peak utilisation of one dimension (forecast peak ÷ capacity); 0 when nothing is forecast. */
export function peakUtilisation(capacity: number, evidence: DimensionEvidence | undefined): number {
  if (!evidence || evidence.forecastPeak <= 0) return 0;
  if (capacity <= 0) return Number.POSITIVE_INFINITY;
  return evidence.forecastPeak / capacity;
}

/**
 * Upper bound of the share of the history above `capacity`, from the observed quantiles: if the
 * P_q is at most the capacity, at most (100 − q) % of the samples were above it.
 */
export function historyExceedance(capacity: number, quantiles: Record<string, number>): number {
  let best = 0;
  for (const [key, value] of Object.entries(quantiles)) {
    const q = Number(key);
    if (value <= capacity + 1e-9 && q > best) best = q;
  }
  return (100 - best) / 100;
}

function riskOfExceedance(share: number): Risk {
  const [low, medium, high] = RISK_EXCEEDANCE_CEILINGS;
  if (share <= 0) return 0;
  if (share <= low) return 1;
  if (share <= medium) return 2;
  if (share <= high) return 3;
  return 4;
}

function dimensionRisk(capacity: number, evidence: DimensionEvidence | undefined, killsOnOverrun: boolean): Risk {
  if (!evidence) return 0;
  if (!evidence.quantiles) return riskOfUtilisation(peakUtilisation(capacity, evidence));
  if (killsOnOverrun && capacity + 1e-9 < evidence.max) return 4;
  return riskOfExceedance(historyExceedance(capacity, evidence.quantiles));
}

/** Risk (0–4) that `offering` is too small for `demand`: the worse of CPU and memory. */
export function riskOf(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>, demand: Demand): Risk {
  let cpu = dimensionRisk(offering.vcpu, demand.cpu, false);
  // A CPU-bound workload's readings stop at its capacity: a size no bigger than what it was seen using saturates.
  if (demand.cpuBound && offering.vcpu <= demand.cpu.max + 1e-9) cpu = 4;
  const memory = dimensionRisk(offering.memoryGiB, demand.memory, true);
  return cpu > memory ? cpu : memory;
}

/**
 * `riskOf` for one demand, remembered per capacity: the optimiser asks it for every candidate at
 * every count (millions of calls on a large stack), over a few dozen distinct vCPU and GiB values.
 * Gives exactly `riskOf`'s answer (the same two dimension risks, combined the same way).
 */
export function riskMemo(demand: Demand): (offering: Pick<Offering, 'vcpu' | 'memoryGiB'>) => Risk {
  const cpuRisks = new Map<number, Risk>();
  const memoryRisks = new Map<number, Risk>();
  return (offering) => {
    let cpu = cpuRisks.get(offering.vcpu);
    if (cpu === undefined) {
      cpu = dimensionRisk(offering.vcpu, demand.cpu, false);
      if (demand.cpuBound && offering.vcpu <= demand.cpu.max + 1e-9) cpu = 4;
      cpuRisks.set(offering.vcpu, cpu);
    }
    let memory = memoryRisks.get(offering.memoryGiB);
    if (memory === undefined) {
      memory = dimensionRisk(offering.memoryGiB, demand.memory, true);
      memoryRisks.set(offering.memoryGiB, memory);
    }
    return cpu > memory ? cpu : memory;
  };
}

/** Whether the offering meets the demand's required capacity per instance in every dimension. */
export function fitsDemand(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>, demand: Demand): boolean {
  // A small epsilon keeps sizes exactly at the requirement (e.g. 4 vCPU for 4.0) from failing on rounding.
  if (offering.vcpu + 1e-9 * Math.max(1, demand.cpu.required) < demand.cpu.required) return false;
  if (demand.memory && offering.memoryGiB + 1e-9 * Math.max(1, demand.memory.required) < demand.memory.required) return false;
  return true;
}

/** Whether `offering` is smaller than `current` in any dimension (a downsize). */
export function isSmaller(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>, current: Pick<Offering, 'vcpu' | 'memoryGiB'>): boolean {
  return offering.vcpu < current.vcpu || offering.memoryGiB < current.memoryGiB;
}

function num(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1).replace(/\.0$/, '');
  return value.toFixed(2).replace(/0$/, '').replace(/\.0$/, '');
}

/**
 * Whether the need comes from the observed peak rather than the forecast: memory is never sized
 * below the highest reading, which can be far above a high percentile of brief spikes.
 */
export function needFromObservedPeak(evidence: Pick<DimensionEvidence, 'forecastPeak' | 'headroom' | 'required' | 'max'>): boolean {
  return evidence.required > evidence.forecastPeak * (1 + evidence.headroom) * 1.0001 && evidence.required >= evidence.max;
}

/** The peak a reader compares the need with: the observed one when it set the need. */
export function shownPeak(evidence: Pick<DimensionEvidence, 'forecastPeak' | 'headroom' | 'required' | 'max'>): number {
  return needFromObservedPeak(evidence) ? evidence.max : evidence.forecastPeak;
}

/** How the need was set: "forecast peak 2.6 + 20% → 3.1", or "observed peak 17 (never sized below it) → 17.8". */
export function describeNeed(evidence: DimensionEvidence, unit: string): string {
  return needFromObservedPeak(evidence)
    ? `forecast peak ${num(evidence.forecastPeak)}, observed peak ${num(evidence.max)} (never sized below it) → ${num(evidence.required)} ${unit}`
    : `forecast peak ${num(evidence.forecastPeak)} + ${num(evidence.headroom * 100)}% → ${num(evidence.required)} ${unit}`;
}

/** "p95 CPU 1.9 of 8 vCPU; forecast peak 2.6 + 20% → 3.1 vCPU" (and the same for memory). */
export function describeDemand(demand: Demand, current: Pick<Offering, 'vcpu' | 'memoryGiB'> | undefined): string {
  const dimension = (label: string, unit: string, evidence: DimensionEvidence, capacity: number | undefined): string =>
    `p95 ${label} ${num(evidence.p95)}${capacity !== undefined ? ` of ${num(capacity)}` : ''} ${unit}; ${describeNeed(evidence, unit)}`;
  const parts = [dimension('CPU', 'vCPU', demand.cpu, current?.vcpu)];
  if (demand.memory) parts.push(dimension('memory', 'GiB', demand.memory, current?.memoryGiB));
  return parts.join('; ');
}
