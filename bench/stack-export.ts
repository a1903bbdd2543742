/**
 * The end-to-end benchmarks' stack: a `pulumi stack export` with N workloads (EC2, Azure VMs, GCE
 * instances at real catalog sizes), and a usage source replaying the real traces in data/traces
 * (Bitbrains: cores + memory; Azure V1: CPU %) as hourly maxima, each workload a rotation of one
 * trace (values unchanged). Shared by bench/pipeline.ts and bench/plan-rules.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Series, UsageSeries, UsageSource, Workload } from '../src/model';
import { readTraceDir, type Trace } from '../src/usage/traces';

const TRACES = path.resolve(__dirname, '../data/traces');
const HOUR = 3_600_000;

/** Hourly maxima of a 5-minute series (the shape monitoring systems downsample to). */
function hourlyMax(s: Series): number[] {
  const out = new Map<number, number>();
  for (let i = 0; i < s.t.length; i++) {
    const h = Math.floor(s.t[i]! / HOUR);
    const v = s.v[i]!;
    if (Number.isFinite(v)) out.set(h, Math.max(out.get(h) ?? -Infinity, v));
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

export const SIZES = {
  aws: {
    regions: ['us-east-1'],
    sizes: ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'c5.xlarge', 'r5.large', 'm6i.xlarge', 'c6i.2xlarge', 'm5.4xlarge'],
  },
  azure: {
    regions: ['eastus', 'westeurope'],
    sizes: ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_D8s_v5', 'Standard_E4s_v5', 'Standard_F4s_v2', 'Standard_D16s_v5'],
  },
  gcp: {
    regions: ['us-central1', 'europe-west1'],
    sizes: ['n2-standard-2', 'n2-standard-4', 'n2-standard-8', 'e2-standard-4', 'n2-highmem-4', 'n2-standard-16'],
  },
} as const;

export interface ExportResource {
  urn: string;
  custom: boolean;
  type: string;
  id?: string;
  parent?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** One VM of workload `i` (`name` its logical name), tagged with a spread group when given. */
export function vmResource(i: number, name: string, opts: { group?: string; parent?: string } = {}): ExportResource {
  const cloud = (['aws', 'azure', 'gcp'] as const)[i % 3]!;
  const { regions, sizes } = SIZES[cloud];
  const region = regions[i % regions.length]!;
  const size = sizes[Math.floor(i / 3) % sizes.length]!;
  const urn = (type: string) => `urn:pulumi:bench::fleet::${opts.parent ? 'bench:compute:Fleet$' : ''}${type}::${name}`;
  const tags = opts.group ? { 'stackfit-group': opts.group } : undefined;
  const common = { custom: true, ...(opts.parent && { parent: opts.parent }) };
  if (cloud === 'aws') {
    const type = 'aws:ec2/instance:Instance';
    const id = `i-${name.replace(/\D/g, '').padStart(17, '0')}`;
    return {
      urn: urn(type),
      ...common,
      id,
      type,
      inputs: { instanceType: size, ami: 'ami-0abcdef1234567890', ...(tags && { tags }) },
      outputs: { instanceType: size, availabilityZone: `${region}a`, id, ...(tags && { tags }) },
    };
  }
  if (cloud === 'azure') {
    const type = 'azure-native:compute:VirtualMachine';
    const id = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/fleet/providers/Microsoft.Compute/virtualMachines/${name}`;
    return {
      urn: urn(type),
      ...common,
      id,
      type,
      inputs: { location: region, hardwareProfile: { vmSize: size }, ...(tags && { tags }) },
      outputs: { id, location: region, hardwareProfile: { vmSize: size }, ...(tags && { tags }) },
    };
  }
  const type = 'gcp:compute/instance:Instance';
  const labels = opts.group ? { 'stackfit-group': opts.group } : undefined;
  return {
    urn: urn(type),
    ...common,
    id: `projects/fleet/zones/${region}-b/instances/${name}`,
    type,
    inputs: { machineType: size, zone: `${region}-b`, ...(labels && { labels }) },
    outputs: { machineType: size, zone: `${region}-b`, instanceId: String(1e15 + i), project: 'fleet', ...(labels && { labels }) },
  };
}

/** Writes the export of `resources` (after the stack resource) to `file`; returns its size in bytes. */
export function writeStackExport(file: string, resources: readonly ExportResource[], now: number): number {
  const all = [
    { urn: 'urn:pulumi:bench::fleet::pulumi:pulumi:Stack::fleet-bench', custom: false, type: 'pulumi:pulumi:Stack' },
    ...resources,
  ];
  const text = JSON.stringify({
    version: 3,
    deployment: { manifest: { time: new Date(now).toISOString(), magic: '', version: 'v3.200.0' }, resources: all },
  });
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}

/** A usage source replaying the real traces: workload i gets trace i mod T, rotated by 37·i hours. */
export function traceUsageSource(days: number, now: number): UsageSource {
  const traces: Trace[] = [
    ...readTraceDir(path.join(TRACES, 'bitbrains-rnd-2013-07')),
    ...readTraceDir(path.join(TRACES, 'azure-v1'), { azureVcpu: 4 }),
  ];
  const profiles = traces.map((t) => ({ cpu: hourlyMax(t.cpuCores), mem: t.memoryGiB ? hourlyMax(t.memoryGiB) : undefined }));
  const hours = days * 24;
  return {
    name: 'bench-traces',
    async fetch(workloads: readonly Workload[]) {
      const series = new Map<string, UsageSeries>();
      workloads.forEach((w, i) => {
        const p = profiles[i % profiles.length]!;
        const shift = (i * 37) % p.cpu.length;
        const t = new Array<number>(hours);
        const cpu = new Array<number>(hours);
        const mem = p.mem ? new Array<number>(hours) : undefined;
        for (let h = 0; h < hours; h++) {
          t[h] = now - (hours - h) * HOUR;
          cpu[h] = p.cpu[(h + shift) % p.cpu.length]!;
          if (mem) mem[h] = p.mem![(h + shift) % p.mem!.length]!;
        }
        series.set(w.urn, { urn: w.urn, cpuCores: { t, v: cpu }, ...(mem && { memoryGiB: { t, v: mem } }), source: 'bench' });
      });
      return { series, missing: [] };
    },
  };
}
