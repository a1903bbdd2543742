/**
 * End-to-end engine benchmark (issue: "10,000 workloads with 30 days of hourly CPU and memory
 * each, all three clouds allowed: inventory + forecast + plan in under 20 s and under 2 GiB").
 *
 * - Inventory: a `pulumi stack export` file with 10,000 VMs (EC2, Azure VMs, GCE instances) at
 *   real catalog sizes, read and parsed by `readInventory`.
 * - Usage: the real traces in data/traces (Bitbrains: cores + memory; Azure V1: CPU %),
 *   aggregated to hourly maxima, each workload a rotation of one real trace (values unchanged).
 * - Forecast, candidates (moves to any region of any cloud allowed), plan: the real pipeline.
 *
 *   npx tsx bench/pipeline.ts [workloads]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../src/catalog';
import { stackfitConfigSchema } from '../src/config/schema';
import type { Series, UsageSeries, UsageSource, Workload } from '../src/model';
import { recommend } from '../src/pipeline';
import { readInventory } from '../src/stack';
import { readTraceDir, type Trace } from '../src/usage/traces';

const N = Number(process.argv[2] ?? 10_000);
const TRACES = path.resolve(__dirname, '../data/traces');
const HOUR = 3_600_000;
const DAYS = 30;
const NOW = Date.parse('2026-11-01T00:00:00Z');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

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

const SIZES = {
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

function exportResource(i: number) {
  const cloud = (['aws', 'azure', 'gcp'] as const)[i % 3]!;
  const { regions, sizes } = SIZES[cloud];
  const region = regions[i % regions.length]!;
  const size = sizes[Math.floor(i / 3) % sizes.length]!;
  const name = `vm-${i}`;
  const urn = (type: string) => `urn:pulumi:bench::fleet::${type}::${name}`;
  if (cloud === 'aws') {
    const type = 'aws:ec2/instance:Instance';
    return {
      urn: urn(type),
      custom: true,
      id: `i-${i.toString(16).padStart(17, '0')}`,
      type,
      inputs: { instanceType: size, ami: 'ami-0abcdef1234567890' },
      outputs: { instanceType: size, availabilityZone: `${region}a`, id: `i-${i.toString(16).padStart(17, '0')}` },
    };
  }
  if (cloud === 'azure') {
    const type = 'azure-native:compute:VirtualMachine';
    const id = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/fleet/providers/Microsoft.Compute/virtualMachines/${name}`;
    return {
      urn: urn(type),
      custom: true,
      id,
      type,
      inputs: { location: region, hardwareProfile: { vmSize: size } },
      outputs: { id, location: region, hardwareProfile: { vmSize: size } },
    };
  }
  const type = 'gcp:compute/instance:Instance';
  return {
    urn: urn(type),
    custom: true,
    id: `projects/fleet/zones/${region}-b/instances/${name}`,
    type,
    inputs: { machineType: size, zone: `${region}-b` },
    outputs: { machineType: size, zone: `${region}-b`, instanceId: String(1e15 + i), project: 'fleet' },
  };
}

async function main(): Promise<void> {
  const catalog = loadCatalog();
  const traces: Trace[] = [
    ...readTraceDir(path.join(TRACES, 'bitbrains-rnd-2013-07')),
    ...readTraceDir(path.join(TRACES, 'azure-v1'), { azureVcpu: 4 }),
  ];
  const profiles = traces.map((t) => ({ cpu: hourlyMax(t.cpuCores), mem: t.memoryGiB ? hourlyMax(t.memoryGiB) : undefined }));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'stackfit-bench-'));
  const exportFile = path.join(dir, 'export.json');
  const resources = [
    { urn: 'urn:pulumi:bench::fleet::pulumi:pulumi:Stack::fleet-bench', custom: false, type: 'pulumi:pulumi:Stack' },
    ...Array.from({ length: N }, (_, i) => exportResource(i)),
  ];
  writeFileSync(
    exportFile,
    JSON.stringify({
      version: 3,
      deployment: { manifest: { time: new Date(NOW).toISOString(), magic: '', version: 'v3.200.0' }, resources },
    }),
  );

  const t0 = performance.now();
  const inventory = readInventory(exportFile);
  const t1 = performance.now();

  // Each workload replays one real trace, rotated by a workload-specific number of hours.
  const hours = DAYS * 24;
  const usage: UsageSource = {
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
          t[h] = NOW - (hours - h) * HOUR;
          cpu[h] = p.cpu[(h + shift) % p.cpu.length]!;
          if (mem) mem[h] = p.mem![(h + shift) % p.mem!.length]!;
        }
        series.set(w.urn, { urn: w.urn, cpuCores: { t, v: cpu }, ...(mem && { memoryGiB: { t, v: mem } }), source: 'bench' });
      });
      return { series, missing: [] };
    },
  };
  const config = stackfitConfigSchema.parse({
    allowMove: true,
    lookbackDays: DAYS,
    groups: { g0: { minClouds: 2 }, g1: { minRegions: 2 } },
  });
  const t2 = performance.now();
  const { plan } = await recommend({ inventory, usage: [usage], config, catalog, now: new Date(NOW) });
  const t3 = performance.now();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const counts = plan.items.reduce<Record<string, number>>((acc, i) => ((acc[i.action] = (acc[i.action] ?? 0) + 1), acc), {});
  console.log(
    `workloads: ${inventory.workloads.length} (skipped ${inventory.skipped.length}); usage: ${hours} hourly points × CPU + memory per workload`,
  );
  console.log(`inventory (read + parse ${mib(Buffer.byteLength(JSON.stringify(resources)))} export): ${(t1 - t0).toFixed(0)} ms`);
  console.log(
    `usage + forecast + candidates + plan: ${(t3 - t2).toFixed(0)} ms (solver ${plan.solver.millis.toFixed(0)} ms, ${plan.solver.status}, ${plan.solver.variables} variables, ${plan.solver.constraints} constraints)`,
  );
  console.log(`total inventory + forecast + plan: ${((t1 - t0 + t3 - t2) / 1000).toFixed(2)} s; peak RSS ${mib(peakRss)}`);
  console.log(
    `LP bound ${plan.solver.lpBound?.toFixed(2) ?? 'n/a'}, objective ${plan.solver.objective.toFixed(2)}, gap ${plan.solver.gap !== undefined ? (plan.solver.gap * 100).toFixed(4) + ' %' : 'n/a'}`,
  );
  console.log(
    `actions: ${JSON.stringify(counts)}; monthly ${plan.totals.monthlyBefore.toFixed(0)} → ${plan.totals.monthlyAfter.toFixed(0)} USD`,
  );
  const ok = t1 - t0 + t3 - t2 < 20_000 && peakRss < 2 * 1024 ** 3;
  console.log(ok ? 'target met: < 20 s and < 2 GiB' : 'TARGET MISSED: < 20 s and < 2 GiB');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
