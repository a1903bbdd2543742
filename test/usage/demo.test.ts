import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_END_MS, DEMO_POOL_SOURCES, DEMO_SOURCES, buildDemoPoolUsage, buildDemoUsage } from '../../scripts/build-demo-usage';
import { readPoolUsageFile } from '../../src/usage/file/pools';
import { readUsageFile } from '../../src/usage/file';
import { readTraceFile } from '../../src/usage/traces';

const repo = path.resolve(__dirname, '../..');
const traces = path.resolve(repo, 'data/traces');

describe('demo usage files', () => {
  it('are exactly what the build script makes from the real traces (provenance check)', () => {
    const built = buildDemoUsage(traces);
    expect(readFileSync(path.join(repo, 'stacks/usage/prod.csv'), 'utf8')).toBe(built.prod);
    expect(readFileSync(path.join(repo, 'stacks/usage/dev.csv'), 'utf8')).toBe(built.dev);
    expect(readFileSync(path.join(repo, 'stacks/usage/platform-pools.json'), 'utf8')).toBe(buildDemoPoolUsage(traces));
  });

  it('platform pools: pod requests are the provisioned sizes of the traced VMs, present in the hours their traces have samples', () => {
    const pools = readPoolUsageFile(path.join(repo, 'stacks/usage/platform-pools.json')).pools;
    expect(Object.keys(pools).sort()).toEqual(DEMO_POOL_SOURCES.map((s) => s.pool).sort());
    const jobs = DEMO_POOL_SOURCES.find((s) => s.pool === 'shop-eks-jobs')!;
    const vms = jobs.traces.map((id) => readTraceFile(path.join(traces, 'bitbrains-rnd-2013-07', `${id}.csv`))[0]!);
    const entry = pools['shop-eks-jobs']!;
    // At the busiest hour every VM of the pool is there: the requests are the sum of their sizes.
    const full = vms.reduce((a, t) => a + t.provisioned!.vcpu, 0);
    expect(Math.max(...entry.cpu)).toBe(full);
    expect(Math.max(...entry.pods!)).toBe(vms.length);
    expect(entry.largestPod).toEqual({ cpu: 8, memoryGiB: Number(vms[0]!.provisioned!.memoryGiB.toPrecision(6)), name: 'vm-78' });
    expect(entry.perNodeOverhead).toEqual({ cpu: 0.125, memoryGiB: 0, pods: 2 });
    expect(entry.timestamps.at(-1)! * 1000).toBeLessThanOrEqual(DEMO_END_MS);
  });

  it('keep the trace values and move timestamps by whole days to end before 2026-11-01', () => {
    const prod = readUsageFile(path.join(repo, 'stacks/usage/prod.csv'));
    expect([...prod.resources.keys()].sort()).toEqual(DEMO_SOURCES.prod.map((s) => s.workload).sort());
    const worker = DEMO_SOURCES.prod.find((s) => s.workload === 'worker')!;
    const trace = readTraceFile(path.join(traces, worker.file))[0]!;
    const cores = prod.resources.get('worker')!.get('cpu_cores')!;
    expect(cores.v.length).toBe(trace.cpuCores.v.filter(Number.isFinite).length);
    const shift = cores.t[0]! - trace.cpuCores.t[0]!;
    expect(shift % 86_400_000).toBe(0);
    // Written with 6 significant digits: equal to the trace within half a unit of the 6th digit.
    cores.v.forEach((v, i) =>
      expect(Math.abs(v - trace.cpuCores.v[i]!)).toBeLessThanOrEqual(5e-6 * Math.abs(trace.cpuCores.v[i]!) + 1e-12),
    );
    expect(cores.t.at(-1)!).toBeLessThanOrEqual(DEMO_END_MS);
    expect(DEMO_END_MS - cores.t.at(-1)!).toBeLessThan(86_400_000);
    const reporting = prod.resources.get('reporting')!;
    expect([...reporting.keys()]).toEqual(['cpu_percent']);
  });
});
