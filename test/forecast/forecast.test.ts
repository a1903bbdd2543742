import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackfitConfigSchema } from '../../src/config/schema';
import { ruleFor } from '../../src/config/rules';
import { FORECAST_SETTINGS, confidenceOf, forecastDemand, shortHistoryWidening } from '../../src/forecast';
import { percentileSorted, sortedFinite } from '../../src/forecast/stats';
import { RISK_LABELS, historyExceedance, riskOf } from '../../src/optimize/risk';
import type { Demand, Series, UsageSeries, Workload } from '../../src/model';
import { sliceSeries } from '../../src/usage';
import { readTraceFile } from '../../src/usage/traces';
import type { Trace } from '../../src/usage/traces';

const traces = path.resolve(__dirname, '../../data/traces');
const bitbrains = (id: string): Trace => readTraceFile(path.join(traces, 'bitbrains-rnd-2013-07', `${id}.csv`))[0]!;
const azureMax = readTraceFile(path.join(traces, 'azure-v1/azure_v1_50vms_max_cpu_wide.csv'));
const azure = (vm: string): Trace => azureMax.find((t) => t.id.endsWith(`:${vm}`))!;

const workload: Workload = {
  urn: 'urn:pulumi:prod::p::aws:ec2/instance:Instance::web',
  name: 'web',
  type: 'aws:ec2/instance:Instance',
  kind: 'vm',
  cloud: 'aws',
  region: 'us-east-1',
  size: 'm5.xlarge',
  count: 3,
  metricIds: { name: 'web' },
};
const rule = ruleFor(stackfitConfigSchema.parse({}), workload);
const HOUR = 3_600_000;

function firstHours(s: Series, hours: number): Series {
  return sliceSeries(s, s.t[0]!, s.t[0]! + hours * HOUR - 1);
}

function usageOf(trace: Trace, hours = 21 * 24): UsageSeries {
  return {
    urn: workload.urn,
    cpuCores: firstHours(trace.cpuCores, hours),
    ...(trace.memoryGiB && { memoryGiB: firstHours(trace.memoryGiB, hours) }),
    source: `trace:${trace.id}`,
  };
}

const p995 = (v: number[]) => percentileSorted(sortedFinite(v), 99.5);
const max = (v: number[]) => Math.max(...v.filter(Number.isFinite));

describe('forecastDemand: history length', () => {
  const t35 = bitbrains('35');

  it('refuses to recommend under 30 hours of history', () => {
    const d = forecastDemand({ workload, usage: usageOf(t35, 20), rule });
    expect(d.status).toBe('insufficient-history');
    expect(d.historyHours).toBe(20);
    expect(d.allowDownsize).toBe(false);
    expect(d.notes).toEqual(['history 20 h < 30 h: no recommendation']);
    expect(forecastDemand({ workload, usage: undefined, rule }).status).toBe('insufficient-history');
  });

  it('widens margins by 1 + 1/days and forbids downsizing for a two-day history', () => {
    const d = forecastDemand({ workload, usage: usageOf(t35, 48), rule });
    expect(d.status).toBe('ok');
    expect(d.allowDownsize).toBe(false);
    expect(d.confidence).toBe('low');
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2 * 1.5, 9);
    expect(d.notes).toContain('history 2 days: margins ×1.5');
  });

  it('allows downsizing from 7 days, still with wider margins below 14', () => {
    const d = forecastDemand({ workload, usage: usageOf(t35, 10 * 24), rule });
    expect(d.allowDownsize).toBe(true);
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2 * 1.1, 9);
    expect(shortHistoryWidening(14)).toBe(1);
  });

  it('with three weeks: evidence from the samples, required = forecast peak × (1 + headroom)', () => {
    const usage = usageOf(t35);
    const d = forecastDemand({ workload, usage, rule });
    const sorted = sortedFinite(usage.cpuCores.v);
    expect(d.status).toBe('ok');
    expect(d.cpu.p50).toBeCloseTo(percentileSorted(sorted, 50), 12);
    expect(d.cpu.p95).toBeCloseTo(percentileSorted(sorted, 95), 12);
    expect(d.cpu.max).toBe(sorted[sorted.length - 1]);
    expect(d.cpu.quantiles!['99.5']).toBeCloseTo(percentileSorted(sorted, 99.5), 12);
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2, 12);
  });
});

describe('forecastDemand: the CPU level', () => {
  it('is the percentile of what the workload used, not a mean level: on bursty traces it sits near the observed P99.5', () => {
    // A forecast that were a mean of levels would land near the mean, far below.
    for (const trace of [bitbrains('35'), bitbrains('306'), azure('1962655'), azure('964155')]) {
      const usage = usageOf(trace);
      const d = forecastDemand({ workload, usage, rule });
      const observed = p995(usage.cpuCores.v);
      expect(d.cpu.forecastPeak / observed, trace.id).toBeGreaterThan(0.9);
      expect(d.cpu.forecastPeak / observed, trace.id).toBeLessThan(1.1);
    }
  });

  it('never overshoots the observed maximum (on/off and bursty VMs), trend or not', () => {
    for (const trace of [...['2', '8', '28', '35', '113', '306', '356', '449', '488'].map(bitbrains), ...azureMax]) {
      const usage = usageOf(trace);
      const d = forecastDemand({ workload, usage, rule });
      expect(d.cpu.forecastPeak, trace.id).toBeLessThanOrEqual(max(usage.cpuCores.v) + 1e-12);
    }
  });

  it('asks more for a higher percentile', () => {
    const usage = usageOf(bitbrains('35'));
    const lo = forecastDemand({ workload, usage, rule: { ...rule, cpuPercentile: 90 } });
    const hi = forecastDemand({ workload, usage, rule });
    expect(hi.cpu.forecastPeak).toBeGreaterThan(lo.cpu.forecastPeak);
  });

  it('is seasonal: busy hours that lost most of their samples still weigh as much as quiet hours', () => {
    // Real samples of a VM with a daily cycle; in the busier half of the hours of the day only
    // every sixth sample is kept (an agent that drops readings under load). A pooled percentile
    // falls by half; the seasonal one keeps every hour of the day at the same weight.
    for (const id of ['35', '488']) {
      const full = usageOf(bitbrains(id)).cpuCores;
      const slot = (ms: number) => Math.floor(ms / HOUR) % 24;
      const sums = new Array<number>(24).fill(0);
      const counts = new Array<number>(24).fill(0);
      full.t.forEach((t, i) => {
        sums[slot(t)]! += full.v[i]!;
        counts[slot(t)]! += 1;
      });
      const means = sums.map((s, i) => s / counts[i]!);
      const median = [...means].sort((a, b) => a - b)[12]!;
      const keep = full.t.map((_, i) => i).filter((i) => means[slot(full.t[i]!)]! <= median || i % 6 === 0);
      const thinned: Series = { t: keep.map((i) => full.t[i]!), v: keep.map((i) => full.v[i]!) };
      expect(p995(thinned.v) / p995(full.v), id).toBeLessThan(0.6);
      const a = forecastDemand({ workload, usage: { urn: workload.urn, cpuCores: full, source: 'full' }, rule }).cpu.forecastPeak;
      const b = forecastDemand({ workload, usage: { urn: workload.urn, cpuCores: thinned, source: 'thinned' }, rule }).cpu.forecastPeak;
      expect(b / a, id).toBeGreaterThan(0.9);
    }
  });

  it('recency cannot be dominated by one burst: the trace own maximum repeated for half an hour at the end moves it little', () => {
    const usage = usageOf(bitbrains('306'));
    const v = [...usage.cpuCores.v];
    const peak = max(v);
    for (let i = v.length - 6; i < v.length; i++) v[i] = peak;
    const before = forecastDemand({ workload, usage, rule }).cpu.forecastPeak;
    const after = forecastDemand({ workload, usage: { ...usage, cpuCores: { t: usage.cpuCores.t, v } }, rule }).cpu.forecastPeak;
    expect(after / before).toBeLessThan(1.05);
  });

  // The real samples of one trace, put in rising (or falling) order on the same timestamps:
  // a growing (shrinking) workload made of real values.
  function reordered(trace: Trace, ascending: boolean): UsageSeries {
    const s = firstHours(trace.cpuCores, 21 * 24);
    const v = [...s.v].sort((a, b) => (ascending ? a - b : b - a));
    return { urn: workload.urn, cpuCores: { t: s.t, v }, source: 'reordered' };
  }

  it('with trend projection on, projects a significant growth, but never past the observed maximum', () => {
    const usage = reordered(azure('1962655'), true);
    const d = forecastDemand({ workload, usage, rule, model: { trend: 'project' } });
    expect(d.notes.some((n) => /CPU trend \+.* \(significant, z \d/.test(n))).toBe(true);
    const lastWeek = sliceSeries(usage.cpuCores, usage.cpuCores.t.at(-1)! - 7 * 24 * HOUR, Infinity);
    expect(d.cpu.forecastPeak).toBeGreaterThanOrEqual(p995(lastWeek.v) - 1e-12);
    expect(d.cpu.forecastPeak).toBeLessThanOrEqual(max(usage.cpuCores.v));
  });

  it('takes the growth rate as the median of pairwise slopes (Theil–Sen): one burst day does not tilt it', () => {
    // 21 days of hourly CPU growing 0.05 vCPU a day with the same daily shape; day 19 is a burst
    // (+3 vCPU all day). A least-squares line through the daily peaks would read ≈ 0.085 a day.
    const t: number[] = [];
    const v: number[] = [];
    const start = Date.parse('2026-10-05T00:00:00Z');
    for (let h = 0; h < 21 * 24; h++) {
      const day = Math.floor(h / 24);
      t.push(start + h * HOUR);
      v.push(1 + 0.05 * day + 0.2 * Math.sin((2 * Math.PI * (h % 24)) / 24) + (day === 19 ? 3 : 0));
    }
    const d = forecastDemand({
      workload,
      usage: { urn: workload.urn, cpuCores: { t, v }, source: 'synthetic ramp' },
      rule,
      model: { trend: 'project' },
    });
    expect(d.notes.find((n) => n.startsWith('CPU trend'))).toMatch(/^CPU trend \+0\.050 vCPU\/day/);
  });

  it('by default does not extrapolate a trend (cross-validated: it never helped out of sample); "recent" lifts only to the last week', () => {
    const usage = reordered(azure('1962655'), true);
    const byDefault = forecastDemand({ workload, usage, rule });
    const projected = forecastDemand({ workload, usage, rule, model: { trend: 'project' } });
    const recent = forecastDemand({ workload, usage, rule, model: { trend: 'recent' } });
    expect(byDefault.notes.some((n) => n.startsWith('CPU trend'))).toBe(false);
    expect(byDefault.cpu.forecastPeak).toBeLessThan(projected.cpu.forecastPeak);
    const lastWeek = sliceSeries(usage.cpuCores, usage.cpuCores.t.at(-1)! - 7 * 24 * HOUR, Infinity);
    expect(recent.cpu.forecastPeak).toBeGreaterThanOrEqual(p995(lastWeek.v) - 1e-12);
    expect(recent.notes.some((n) => n.includes("last week's percentile, not extrapolated"))).toBe(true);
  });

  it('ignores an insignificant trend and never projects a decline', () => {
    const steady = forecastDemand({ workload, usage: usageOf(bitbrains('306')), rule });
    expect(steady.notes.some((n) => n.startsWith('CPU trend'))).toBe(false);
    const falling = forecastDemand({ workload, usage: reordered(azure('1962655'), false), rule });
    expect(falling.notes.some((n) => n.startsWith('CPU trend'))).toBe(false);
  });

  it('sizes CPU only when there is no memory metric (Azure trace)', () => {
    const d = forecastDemand({ workload, usage: usageOf(azure('1962655')), rule });
    expect(d.memory).toBeUndefined();
    expect(d.notes).toContain('CPU only: no memory metric');
  });
});

describe('forecastDemand: CPU-bound workloads', () => {
  it('flags CPU pinned at capacity, sizes at least capacity + headroom and at most one step (×2) up', () => {
    const d = forecastDemand({ workload, usage: usageOf(azure('1663289')), rule, capacity: { vcpu: 4 } });
    expect(d.cpuBound).toBe(true);
    expect(d.cpu.required).toBeGreaterThanOrEqual(4 * 1.2);
    expect(d.cpu.required).toBeLessThanOrEqual(8);
    expect(d.notes.find((n) => n.startsWith('CPU-bound'))).toMatch(/at ≥ 98 % of 4 vCPU in 17(\.\d+)? % of samples/);
    // The same VM at its own 78.csv-like scale: Bitbrains 78 uses its 8 cores.
    const b78 = forecastDemand({ workload, usage: usageOf(bitbrains('78')), rule, capacity: { vcpu: 8 } });
    expect(b78.cpuBound).toBe(true);
    expect(b78.cpu.required).toBeLessThanOrEqual(16);
  });

  it('does not flag a VM that reaches capacity less often than the percentile ignores, nor without a known capacity', () => {
    expect(forecastDemand({ workload, usage: usageOf(azure('1962655')), rule, capacity: { vcpu: 4 } }).cpuBound).toBeUndefined();
    expect(forecastDemand({ workload, usage: usageOf(azure('1663289')), rule }).cpuBound).toBeUndefined();
  });
});

describe('forecastDemand: memory', () => {
  const bitbrainsIds = ['2', '8', '28', '35', '78', '113', '306', '356', '449', '488'];

  it('never asks for less memory than the observed peak, on every real trace', () => {
    for (const id of bitbrainsIds) {
      const usage = usageOf(bitbrains(id));
      const d = forecastDemand({ workload, usage, rule });
      expect(d.memory!.required, id).toBeGreaterThanOrEqual(max(usage.memoryGiB!.v) * (1 + FORECAST_SETTINGS.memoryPeakMargin) - 1e-12);
    }
  });

  it('follows the model overrides the cross-validation compares (margin; no recency, slots or trend = the plain quantile)', () => {
    const usage = usageOf(bitbrains('8'));
    const peak = max(usage.memoryGiB!.v);
    const wider = forecastDemand({ workload, usage, rule, model: { memoryPeakMargin: 0.1 } });
    expect(wider.memory!.required).toBeCloseTo(peak * 1.1, 9);
    // Every sample weighs the same: the level is the smallest sample with at least 99.5 % of the samples at or below it.
    const plain = forecastDemand({ workload, usage, rule, model: { halfLifeDays: Infinity, seasonal: false, trend: 'off' } });
    const sorted = sortedFinite(usage.cpuCores.v);
    expect(plain.cpu.forecastPeak).toBe(sorted[Math.ceil(0.995 * sorted.length - 1e-9) - 1]);
    const weighted = forecastDemand({ workload, usage, rule });
    expect(weighted.cpu.forecastPeak).not.toBe(plain.cpu.forecastPeak);
  });

  it('reads zeros as gaps: an idle agent reporting 0 bytes changes nothing but a note', () => {
    const usage = usageOf(bitbrains('35'));
    const mem = usage.memoryGiB!;
    const zeroed = { t: mem.t, v: mem.v.map((x, i) => (i % 2 === 0 ? 0 : x)) };
    const dropped = { t: mem.t.filter((_, i) => i % 2 === 1), v: mem.v.filter((_, i) => i % 2 === 1) };
    const a = forecastDemand({ workload, usage: { ...usage, memoryGiB: zeroed }, rule });
    const b = forecastDemand({ workload, usage: { ...usage, memoryGiB: dropped }, rule });
    expect(a.memory).toEqual(b.memory);
    expect(a.notes.find((n) => n.startsWith('memory:'))).toMatch(/^memory: 50 % of samples are 0 \(read as gaps/);
  });
});

describe('confidence from the rolling back-test of the workload own history', () => {
  it('is high, medium and low on real traces, by how often the held-out week went above the size', () => {
    const high = forecastDemand({ workload, usage: usageOf(bitbrains('35')), rule });
    expect(high.confidence).toBe('high');
    expect(high.heldOutExceedance!).toBeLessThanOrEqual(0.005);
    const medium = forecastDemand({ workload, usage: usageOf(bitbrains('113')), rule });
    expect(medium.confidence).toBe('medium');
    expect(medium.heldOutExceedance!).toBeGreaterThan(0.005);
    expect(medium.heldOutExceedance!).toBeLessThanOrEqual(0.01);
    const low = forecastDemand({ workload, usage: usageOf(azure('809906')), rule });
    expect(low.confidence).toBe('low');
    expect(low.heldOutExceedance!).toBeGreaterThan(0.01);
    // Too short to hold a week out: low, whatever the fit.
    const short = forecastDemand({ workload, usage: usageOf(bitbrains('35'), 10 * 24), rule });
    expect(short.heldOutExceedance).toBeUndefined();
    expect(short.confidence).toBe('low');
  });

  it('maps history length and held-out exceedance to one level', () => {
    expect(confidenceOf(21, 0, 99.5)).toBe('high');
    expect(confidenceOf(21, 0.005, 99.5)).toBe('high');
    expect(confidenceOf(21, 0.006, 99.5)).toBe('medium');
    expect(confidenceOf(21, 0.01, 99.5)).toBe('medium');
    expect(confidenceOf(21, 0.011, 99.5)).toBe('low');
    expect(confidenceOf(10, 0, 99.5)).toBe('medium');
    expect(confidenceOf(6, 0, 99.5)).toBe('low');
    expect(confidenceOf(21, undefined, 99.5)).toBe('low');
    expect(confidenceOf(21, 0.05, 90)).toBe('high');
  });
});

describe('risk from evidence, one scale', () => {
  const d: Demand = forecastDemand({ workload, usage: usageOf(bitbrains('35')), rule });
  const q = d.cpu.quantiles!;
  const memory = d.memory!.max + 1;

  it('reads the share of the history above a size from the observed quantiles', () => {
    expect(historyExceedance(q['100']!, q)).toBe(0);
    expect(historyExceedance(q['99.9']!, q)).toBeCloseTo(0.001, 12);
    expect(historyExceedance(q['95']!, q)).toBeCloseTo(0.05, 12);
  });

  it('goes from none to very high as the size shrinks below what the workload used', () => {
    expect(riskOf({ vcpu: q['100']!, memoryGiB: memory }, d)).toBe(0);
    expect(riskOf({ vcpu: q['99.9']!, memoryGiB: memory }, d)).toBe(1);
    expect(riskOf({ vcpu: q['99.5']!, memoryGiB: memory }, d)).toBe(2);
    expect(riskOf({ vcpu: q['95']!, memoryGiB: memory }, d)).toBe(3);
    expect(riskOf({ vcpu: q['90']!, memoryGiB: memory }, d)).toBe(4);
    expect([0, 1, 2, 3, 4].map((r) => RISK_LABELS[r as 0])).toEqual(['none', 'low', 'medium', 'high', 'very high']);
  });

  it('is very high for memory below the observed peak (an overrun kills the process) and for a CPU-bound VM kept at its size', () => {
    expect(riskOf({ vcpu: q['100']!, memoryGiB: d.memory!.max * 0.99 }, d)).toBe(4);
    const bound = forecastDemand({ workload, usage: usageOf(azure('1663289')), rule, capacity: { vcpu: 4 } });
    expect(riskOf({ vcpu: 4, memoryGiB: 16 }, bound)).toBe(4);
    expect(riskOf({ vcpu: 8, memoryGiB: 16 }, bound)).toBe(0);
  });
});
