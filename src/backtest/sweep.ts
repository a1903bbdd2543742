/**
 * `stackfit backtest --sweep`: savings against CPU under-provisioning for stackfit at several
 * percentiles and for both baselines at several percentiles / headrooms, per dataset and
 * overall, and whether stackfit's default lies on or beyond each baseline's curve.
 */
import { BASELINES, runBacktest } from './index';
import type { BacktestOptions, BacktestReport, MethodSpec } from './index';

export type SweepFamily = MethodSpec['method'];

export interface SweepPoint {
  family: SweepFamily;
  label: string;
  /** The setting varied: stackfit's cpuPercentile, a baseline's percentile and headroom. */
  percentile: number;
  headroom?: number;
  isDefault: boolean;
  savingsUsd: number;
  savingsShare: number;
  cpuUnderIntervals: number;
  cpuUnderShare: number;
  memoryOverrunIntervals: number;
}

export interface SweepGroup {
  name: string;
  traces: number;
  intervals: number;
  points: SweepPoint[];
  /**
   * stackfit's default against each baseline's curve (its points joined in order of CPU
   * under-provisioning): on or beyond = no point of the curve, nor the line between two of
   * them, saves more at no more CPU under-provisioning and no more memory overruns.
   */
  defaultBeyond: Record<'computeOptimizer' | 'vpa', boolean>;
}

export interface SweepReport {
  dir: string;
  trainDays: number;
  groups: SweepGroup[];
  skipped: BacktestReport['skipped'];
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}`;

/** The methods a sweep runs; the first of each family is its default. */
export function sweepMethods(): MethodSpec[] {
  const out: MethodSpec[] = [];
  const stackfit = [99.5, 90, 95, 98, 99, 99.9];
  for (const p of stackfit) out.push({ method: 'stackfit', label: `stackfit P${p}`, config: { cpuPercentile: p } });
  const co: [number, number][] = [
    [99.5, 0.2],
    [99.5, 0],
    [99.5, 0.1],
    [99.5, 0.3],
    [99.5, 0.5],
    [95, 0.2],
    [99, 0.2],
    [99.9, 0.2],
    [100, 0.2],
  ];
  for (const [p, h] of co) out.push({ method: 'computeOptimizer', label: `CO-style P${p} + ${pct(h)} %`, percentile: p, headroom: h });
  const vpa: [number, number][] = [
    [90, 0.15],
    [80, 0.15],
    [95, 0.15],
    [98, 0.15],
    [90, 0],
    [90, 0.3],
    [90, 0.5],
  ];
  for (const [p, h] of vpa) out.push({ method: 'vpa', label: `VPA-style P${p} + ${pct(h)} %`, percentile: p, headroom: h });
  return out;
}

/** Upper envelope value of a curve at x (linear between points), or -Infinity left of it. */
function curveAt(points: SweepPoint[], x: number): number {
  const sorted = [...points].sort((a, b) => a.cpuUnderShare - b.cpuUnderShare || b.savingsShare - a.savingsShare);
  let best = -Infinity;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (a.cpuUnderShare <= x) best = Math.max(best, a.savingsUsd);
    const b = sorted[i + 1];
    if (b && a.cpuUnderShare <= x && x <= b.cpuUnderShare && b.cpuUnderShare > a.cpuUnderShare) {
      const f = (x - a.cpuUnderShare) / (b.cpuUnderShare - a.cpuUnderShare);
      best = Math.max(best, a.savingsUsd + f * (b.savingsUsd - a.savingsUsd));
    }
  }
  return best;
}

export function isOnOrBeyond(point: SweepPoint, curve: SweepPoint[]): boolean {
  // Only curve points with no more memory overruns can beat it.
  const fair = curve.filter((c) => c.memoryOverrunIntervals <= point.memoryOverrunIntervals);
  return curveAt(fair, point.cpuUnderShare) <= point.savingsUsd + 1e-6;
}

export function runSweep(dir: string, opts: Omit<BacktestOptions, 'methods'> = {}): SweepReport {
  const methods = sweepMethods();
  const report = runBacktest(dir, { ...opts, methods });
  const firstOf = new Map<SweepFamily, number>();
  methods.forEach((m, i) => firstOf.has(m.method) || firstOf.set(m.method, i));
  const groups: SweepGroup[] = report.totals.map((g) => {
    const points: SweepPoint[] = g.methods.map((t, i) => {
      const m = methods[i]!;
      return {
        family: m.method,
        label: m.label,
        percentile: m.method === 'stackfit' ? (m.config!.cpuPercentile as number) : m.percentile,
        ...(m.method !== 'stackfit' && { headroom: m.headroom }),
        isDefault: firstOf.get(m.method) === i,
        savingsUsd: t.savingsUsd,
        savingsShare: t.savingsShare,
        cpuUnderIntervals: t.cpuUnderIntervals,
        cpuUnderShare: t.cpuUnderShare,
        memoryOverrunIntervals: t.memoryOverrunIntervals,
      };
    });
    const sf = points.find((p) => p.family === 'stackfit' && p.isDefault)!;
    return {
      name: g.name,
      traces: g.traces,
      intervals: g.intervals,
      points,
      defaultBeyond: {
        computeOptimizer: isOnOrBeyond(
          sf,
          points.filter((p) => p.family === 'computeOptimizer'),
        ),
        vpa: isOnOrBeyond(
          sf,
          points.filter((p) => p.family === 'vpa'),
        ),
      },
    };
  });
  return { dir, trainDays: report.settings.trainDays, groups, skipped: report.skipped };
}

export { BASELINES };
