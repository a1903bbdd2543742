/**
 * The benches' usage data: the 10 real Bitbrains traces (CPU cores and memory GiB), as hourly
 * maxima of their 5-minute samples (688 hours each), replicated to N workloads of 720 hourly
 * points: workload i reads trace i mod 10 starting at hour ⌊i / 10⌋ mod 688 and wraps around.
 * Values are the traces' own; only their order in time is rotated. Nothing is synthesised.
 * Used by bench/forecast.ts and bench/csv.ts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { UsageSeries, Workload } from '../src/model';
import { readTraceDir } from '../src/usage/traces/index';
import { hourlyMax } from './trace-hours';

export const POINTS = 720;
const HOUR = 3_600_000;
const END = Date.parse('2026-11-01T00:00:00Z');

export interface BenchUsage {
  workloads: Workload[];
  usage: UsageSeries[];
  times: number[];
}

export function benchUsage(count: number): BenchUsage {
  const tracesDir = path.resolve(__dirname, '../data/traces/bitbrains-rnd-2013-07');
  const traces = readTraceDir(tracesDir).map((t) => ({ id: t.id, cpu: hourlyMax(t.cpuCores), mem: hourlyMax(t.memoryGiB!) }));
  const times = Array.from({ length: POINTS }, (_, j) => END - (POINTS - j) * HOUR);
  const workloads: Workload[] = [];
  const usage: UsageSeries[] = [];
  for (let i = 0; i < count; i++) {
    const trace = traces[i % traces.length]!;
    const shift = Math.floor(i / traces.length) % trace.cpu.length;
    const pick = (values: number[]) => times.map((_, j) => values[(shift + j) % values.length]!);
    const name = `vm-${i}`;
    const urn = `urn:pulumi:bench::bench::aws:ec2/instance:Instance::${name}`;
    workloads.push({
      urn,
      name,
      type: 'aws:ec2/instance:Instance',
      kind: 'vm',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.xlarge',
      count: 1,
      metricIds: { name },
    });
    usage.push({
      urn,
      cpuCores: { t: times, v: pick(trace.cpu) },
      memoryGiB: { t: times, v: pick(trace.mem) },
      source: `bitbrains:${trace.id}`,
    });
  }
  return { workloads, usage, times };
}

/** Writes the usage as a CSV long form (`timestamp,resource,metric,value`, quoted URNs, ISO timestamps): `count × 720 × 2` rows. */
export function writeUsageCsv(file: string, { usage, times }: BenchUsage): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, 'timestamp,resource,metric,value\n');
    const iso = times.map((t) => new Date(t).toISOString());
    for (const u of usage) {
      const lines: string[] = [];
      for (const [metric, s] of [
        ['cpu_cores', u.cpuCores],
        ['memory_gib', u.memoryGiB!],
      ] as const) {
        for (let j = 0; j < POINTS; j++) lines.push(`${iso[j]},"${u.urn}",${metric},${s.v[j]}`);
      }
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}
