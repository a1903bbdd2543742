import type { Demand, DimensionEvidence, Offering, Risk } from '../model';

/**
 * Projected peak utilisation at which each risk level starts, Compute-Optimizer style:
 * risk = the first level whose ceiling the projected peak utilisation (forecast peak ÷ capacity)
 * stays under, taken on the worse of CPU and memory.
 *
 *   < 50 %  → 0 (very low)     < 70 % → 1 (low)     < 85 % → 2 (medium)
 *   ≤ 100 % → 3 (high: inside capacity but eating the headroom)     > 100 % → 4 (saturates)
 *
 * With the default 20 % headroom every size that meets `required` is at ≤ 83 % → risk ≤ 2.
 */
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

/** Risk (0–4) that `offering` saturates under `demand`: the worse of CPU and memory. */
export function riskOf(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>, demand: Demand): Risk {
  const cpu = riskOfUtilisation(peakUtilisation(offering.vcpu, demand.cpu));
  const memory = riskOfUtilisation(peakUtilisation(offering.memoryGiB, demand.memory));
  return (cpu > memory ? cpu : memory) as Risk;
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

/** "p95 CPU 1.9 of 8 vCPU; forecast peak 2.6 + 20% → 3.1 vCPU" (and the same for memory). */
export function describeDemand(demand: Demand, current: Pick<Offering, 'vcpu' | 'memoryGiB'> | undefined): string {
  const dimension = (label: string, unit: string, evidence: DimensionEvidence, capacity: number | undefined): string =>
    `p95 ${label} ${num(evidence.p95)}${capacity !== undefined ? ` of ${num(capacity)}` : ''} ${unit}; ` +
    `forecast peak ${num(evidence.forecastPeak)} + ${num(evidence.headroom * 100)}% → ${num(evidence.required)} ${unit}`;
  const parts = [dimension('CPU', 'vCPU', demand.cpu, current?.vcpu)];
  if (demand.memory) parts.push(dimension('memory', 'GiB', demand.memory, current?.memoryGiB));
  return parts.join('; ');
}
