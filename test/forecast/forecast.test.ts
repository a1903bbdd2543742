import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackfitConfigSchema } from '../../src/config/schema';
import { ruleFor } from '../../src/config/rules';
import { FORECAST_SETTINGS, forecastDemand, shortHistoryWidening } from '../../src/forecast';
import { mixturePercentile, percentileSorted, sortedFinite } from '../../src/forecast/stats';
import type { Series, UsageSeries, Workload } from '../../src/model';
import { sliceSeries } from '../../src/usage';
import { readTraceFile } from '../../src/usage/traces';
import type { Trace } from '../../src/usage/traces';

const traces = path.resolve(__dirname, '../../data/traces');
const bitbrains = (id: string): Trace => readTraceFile(path.join(traces, 'bitbrains-rnd-2013-07', `${id}.csv`))[0]!;
const azure = readTraceFile(path.join(traces, 'azure-v1/azure_v1_50vms_max_cpu_wide.csv'));

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

function usageOf(trace: Trace, hours = Infinity): UsageSeries {
  return {
    urn: workload.urn,
    cpuCores: firstHours(trace.cpuCores, hours),
    ...(trace.memoryGiB && { memoryGiB: firstHours(trace.memoryGiB, hours) }),
    source: `trace:${trace.id}`,
  };
}

describe('forecastDemand on real traces', () => {
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
    expect(d.historyHours).toBe(48);
    expect(d.allowDownsize).toBe(false);
    expect(d.confidence).toBe('low');
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2 * 1.5, 9);
    expect(d.memory!.required).toBeCloseTo(d.memory!.forecastPeak * 1.2 * 1.5, 9);
    expect(d.notes).toContain('history 2 days: margins ×1.5');
  });

  it('allows downsizing from 7 days, still with wider margins below 14', () => {
    const d = forecastDemand({ workload, usage: usageOf(t35, 10 * 24), rule });
    expect(d.allowDownsize).toBe(true);
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2 * 1.1, 9);
    expect(shortHistoryWidening(14)).toBe(1);
  });

  it('with three weeks: evidence from the samples, required = forecast peak × (1 + headroom)', () => {
    const usage = usageOf(t35, 21 * 24);
    const d = forecastDemand({ workload, usage, rule });
    const sorted = sortedFinite(usage.cpuCores.v);
    expect(d.status).toBe('ok');
    expect(d.allowDownsize).toBe(true);
    expect(d.cpu.p50).toBeCloseTo(percentileSorted(sorted, 50), 12);
    expect(d.cpu.p95).toBeCloseTo(percentileSorted(sorted, 95), 12);
    expect(d.cpu.max).toBe(sorted[sorted.length - 1]);
    expect(d.cpu.percentile).toBe(99.5);
    expect(d.cpu.headroom).toBe(0.2);
    expect(d.cpu.required).toBeCloseTo(d.cpu.forecastPeak * 1.2, 12);
    expect(d.memory).toBeDefined();
    expect(d.notes).toEqual([]);
  });

  it('a steady workload is forecast close to its observed percentile', () => {
    const usage = usageOf(bitbrains('306'), 21 * 24);
    const d = forecastDemand({ workload, usage, rule });
    const observed = percentileSorted(sortedFinite(usage.cpuCores.v), 99.5);
    expect(d.cpu.forecastPeak / observed).toBeGreaterThan(0.9);
    expect(d.cpu.forecastPeak / observed).toBeLessThan(1.1);
  });

  it('asks more for a higher percentile', () => {
    const usage = usageOf(t35, 21 * 24);
    const p90 = forecastDemand({ workload, usage, rule: { ...rule, cpuPercentile: 90 } });
    const p995 = forecastDemand({ workload, usage, rule });
    expect(p995.cpu.forecastPeak).toBeGreaterThan(p90.cpu.forecastPeak);
  });

  it('sizes CPU only when there is no memory metric (Azure trace)', () => {
    const d = forecastDemand({ workload, usage: usageOf(azure[0]!), rule });
    expect(d.status).toBe('ok');
    expect(d.memory).toBeUndefined();
    expect(d.notes).toContain('CPU only: no memory metric');
  });

  // The real samples of one trace, put in rising (or falling) order on the same timestamps:
  // a growing (shrinking) workload made of real values.
  function reordered(trace: Trace, ascending: boolean): UsageSeries {
    const s = firstHours(trace.cpuCores, 21 * 24);
    const v = [...s.v].sort((a, b) => (ascending ? a - b : b - a));
    return { urn: workload.urn, cpuCores: { t: s.t, v }, source: 'reordered' };
  }

  it('never forecasts a growing workload below its recent percentile', () => {
    const usage = reordered(azure[1]!, true);
    const d = forecastDemand({ workload, usage, rule });
    const lastWeek = sliceSeries(usage.cpuCores, usage.cpuCores.t.at(-1)! - 7 * 24 * HOUR, Infinity);
    const recent = percentileSorted(sortedFinite(lastWeek.v), 99.5);
    expect(d.cpu.forecastPeak).toBeGreaterThanOrEqual(recent);
  });

  it('lets a declining trend lower demand by at most 20 % of the observed percentile', () => {
    const usage = reordered(azure[1]!, false);
    const d = forecastDemand({ workload, usage, rule });
    const whole = percentileSorted(sortedFinite(usage.cpuCores.v), 99.5);
    expect(FORECAST_SETTINGS.maxDecline).toBe(0.2);
    expect(d.cpu.forecastPeak).toBeGreaterThanOrEqual(whole * 0.8 - 1e-12);
    expect(d.cpu.forecastPeak).toBeLessThan(whole);
  });
});

describe('mixturePercentile', () => {
  it('is the percentile of level + residual over all combinations', () => {
    const levels = Float64Array.from([0, 10]);
    const residuals = Float64Array.from([1, 2, 3, 4]);
    // Combined values: 1,2,3,4,11,12,13,14 → the 50th percentile sits between 4 and 11.
    const p50 = mixturePercentile(levels, residuals, 50);
    expect(p50).toBeGreaterThanOrEqual(4);
    expect(p50).toBeLessThanOrEqual(11);
    expect(mixturePercentile(levels, residuals, 100)).toBeCloseTo(14, 2);
    expect(mixturePercentile(levels, residuals, 12.5)).toBeCloseTo(1, 2);
  });
});
