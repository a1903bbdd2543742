/**
 * Builds the demo stacks' recorded usage, `stacks/usage/prod.csv` and `stacks/usage/dev.csv`,
 * from REAL traces in data/traces (see stacks/usage/README.md for which trace feeds
 * which workload, with provenance and licences).
 *
 * Values are not changed: Bitbrains used cores are computed from the trace's own MHz columns
 * (usage MHz / (capacity MHz / cores)) and memory from KB to GiB; Azure rows carry the recorded
 * CPU % as `cpu_percent`. Only timestamps move: each trace is shifted by a whole number of days
 * (so hour-of-day patterns stay put) to end just before DEMO_END. Values are written with 6
 * significant digits.
 *
 * The platform stack's node pools get `stacks/usage/platform-pools.json` (a pool usage file,
 * src/usage/file/pools.ts) from the same traces: see buildDemoPoolUsage.
 *
 *   npx tsx scripts/build-demo-usage.ts [<traces dir>] [<out dir>]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Series } from '../src/model';
import { readTraceFile } from '../src/usage/traces/index';
import type { Trace } from '../src/usage/traces/index';
import type { PoolUsageFile } from '../src/usage/file/pools';

export const DEMO_END_MS = Date.parse('2026-11-01T00:00:00Z');
const DAY_MS = 86_400_000;

/** Which real trace feeds which demo workload. Keep in sync with stacks/usage/README.md. */
export const DEMO_SOURCES: Record<'prod' | 'dev', { workload: string; file: string; vm?: string }[]> = {
  prod: [
    { workload: 'web', file: 'bitbrains-rnd-2013-07/113.csv' },
    { workload: 'api', file: 'bitbrains-rnd-2013-07/35.csv' },
    { workload: 'worker', file: 'bitbrains-rnd-2013-07/78.csv' },
    { workload: 'cache', file: 'bitbrains-rnd-2013-07/28.csv' },
    { workload: 'search', file: 'bitbrains-rnd-2013-07/488.csv' },
    { workload: 'reporting', file: 'azure-v1/azure_v1_50vms_max_cpu_wide.csv', vm: '737498' },
  ],
  dev: [
    { workload: 'web', file: 'bitbrains-rnd-2013-07/8.csv' },
    { workload: 'api', file: 'bitbrains-rnd-2013-07/306.csv' },
    { workload: 'worker', file: 'bitbrains-rnd-2013-07/449.csv' },
  ],
};

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function rows(workload: string, metric: string, series: Series, shiftMs: number, out: string[]): void {
  for (let i = 0; i < series.t.length; i++) {
    const v = series.v[i]!;
    if (!Number.isFinite(v)) continue; // a gap in the trace stays a gap in the file
    out.push(`${Math.round((series.t[i]! + shiftMs) / 1000)},${workload},${metric},${fmt(v)}`);
  }
}

export function buildDemoUsage(tracesDir: string): Record<'prod' | 'dev', string> {
  const cache = new Map<string, Trace[]>();
  const result = { prod: '', dev: '' };
  for (const stack of ['prod', 'dev'] as const) {
    const lines = ['timestamp,resource,metric,value'];
    for (const src of DEMO_SOURCES[stack]) {
      const file = path.join(tracesDir, src.file);
      let traces = cache.get(file);
      if (!traces) cache.set(file, (traces = readTraceFile(file)));
      const trace = src.vm ? traces.find((t) => t.id.endsWith(`:${src.vm}`)) : traces[0];
      if (!trace) throw new Error(`${file}: no VM ${src.vm}`);
      const last = trace.cpuCores.t[trace.cpuCores.t.length - 1]!;
      const shiftMs = Math.floor((DEMO_END_MS - last) / DAY_MS) * DAY_MS;
      if (trace.source === 'bitbrains') {
        rows(src.workload, 'cpu_cores', trace.cpuCores, shiftMs, lines);
        if (trace.memoryGiB) rows(src.workload, 'memory_gib', trace.memoryGiB, shiftMs, lines);
      } else {
        // Azure V1 has relative time only and no core count: keep the recorded percentage.
        rows(src.workload, 'cpu_percent', trace.cpuPercent!, DEMO_END_MS - last, lines);
      }
    }
    result[stack] = `${lines.join('\n')}\n`;
  }
  return result;
}

/**
 * Which real traces feed which node pool of the platform stack. Kubernetes pools: each
 * Bitbrains VM stands for one pod that requests what the VM was provisioned with (cores, GiB)
 * and exists in every hour its trace has samples (so pods come and go as the VMs did).
 * The auto scaling group: each VM is one instance, the group's use is the sum of their used
 * cores and GiB per 5-minute slot. Keep in sync with stacks/usage/README.md.
 */
export const DEMO_POOL_SOURCES: {
  pool: string;
  basis: 'requests' | 'utilisation';
  daemonSets: readonly { name: string; cpu: number }[];
  traces: string[];
}[] = [
  {
    pool: 'shop-eks-apps',
    basis: 'requests',
    daemonSets: ['aws-node', 'kube-proxy'].map(daemonSet),
    traces: ['113', '35', '306', '488', '285', '173'],
  },
  { pool: 'shop-eks-jobs', basis: 'requests', daemonSets: ['aws-node', 'kube-proxy'].map(daemonSet), traces: ['78', '449', '356', '2'] },
  { pool: 'tools-aks/system', basis: 'requests', daemonSets: ['kube-proxy'].map(daemonSet), traces: ['8', '326', '359', '361'] },
  {
    pool: 'tools-aks-tools',
    basis: 'requests',
    daemonSets: ['kube-proxy'].map(daemonSet),
    traces: ['194', '381', '39', '403', '239', '176', '212', '371'],
  },
  { pool: 'web-gke-web', basis: 'requests', daemonSets: ['kube-proxy'].map(daemonSet), traces: ['450', '473', '480', '436', '190', '400'] },
  { pool: 'batch', basis: 'utilisation', daemonSets: [], traces: ['68', '338', '267', '111', '489', '420'] },
];

/**
 * DaemonSet CPU requests every node carries: the Amazon VPC CNI's `aws-node` (25m) and
 * kube-proxy (100m, the request of the upstream and GKE kube-proxy manifests and the EKS add-on).
 */
function daemonSet(name: string): { name: string; cpu: number } {
  return { name, cpu: name === 'aws-node' ? 0.025 : 0.1 };
}

const HOUR_MS = 3_600_000;
const SLOT_MS = 300_000;

function traceFile(tracesDir: string, id: string): string {
  const here = path.join(tracesDir, 'bitbrains-rnd-2013-07', `${id}.csv`);
  return existsSync(here) ? here : path.join(tracesDir, '..', 'more-traces', 'bitbrains-rnd-2013-07', `${id}.csv`);
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** Sums per time bucket (`bucketMs`) of the traces' values; `present` counts the traces with a sample there. */
function bucketed(traces: readonly Trace[], bucketMs: number, value: (trace: Trace, i: number) => { cpu: number; mem: number }) {
  const at = new Map<number, { cpu: number; mem: number; ids: Set<string> }>();
  for (const trace of traces) {
    trace.cpuCores.t.forEach((t, i) => {
      const key = Math.floor(t / bucketMs) * bucketMs;
      const cell = at.get(key) ?? { cpu: 0, mem: 0, ids: new Set<string>() };
      if (cell.ids.has(trace.id)) return; // one sample per trace per bucket
      const v = value(trace, i);
      if (!Number.isFinite(v.cpu)) return;
      cell.ids.add(trace.id);
      cell.cpu += v.cpu;
      cell.mem += Number.isFinite(v.mem) ? v.mem : 0;
      at.set(key, cell);
    });
  }
  return [...at.entries()].sort((a, b) => a[0] - b[0]);
}

/** The platform stack's pool usage file (JSON text). */
export function buildDemoPoolUsage(tracesDir: string): string {
  const read = (id: string): Trace => readTraceFile(traceFile(tracesDir, id))[0]!;
  // One shift for every trace (they share July 2013): the latest sample lands just before DEMO_END.
  const all = DEMO_POOL_SOURCES.flatMap((p) => p.traces.map(read));
  const last = Math.max(...all.map((t) => t.cpuCores.t[t.cpuCores.t.length - 1]!));
  const shiftMs = Math.floor((DEMO_END_MS - last) / DAY_MS) * DAY_MS;
  const out: PoolUsageFile = { pools: {} };
  for (const src of DEMO_POOL_SOURCES) {
    const traces = src.traces.map(read);
    const source = `Bitbrains GWA-T-12 Rnd 2013-07 VMs ${src.traces.join(', ')} (data/traces, data/more-traces), shifted ${shiftMs / DAY_MS} days`;
    if (src.basis === 'requests') {
      const rows = bucketed(traces, HOUR_MS, (trace) => ({ cpu: trace.provisioned!.vcpu, mem: trace.provisioned!.memoryGiB }));
      const largest = traces.reduce((a, b) =>
        b.provisioned!.vcpu > a.provisioned!.vcpu ||
        (b.provisioned!.vcpu === a.provisioned!.vcpu && b.provisioned!.memoryGiB > a.provisioned!.memoryGiB)
          ? b
          : a,
      );
      out.pools[src.pool] = {
        basis: 'requests',
        source: `${source}; each VM is one pod requesting its provisioned cores and memory, present in the hours its trace has samples; DaemonSets ${src.daemonSets.map((d) => `${d.name} ${d.cpu * 1000}m`).join(', ')}`,
        timestamps: rows.map(([t]) => Math.round((t + shiftMs) / 1000)),
        cpu: rows.map(([, c]) => round(c.cpu)),
        memoryGiB: rows.map(([, c]) => round(c.mem)),
        pods: rows.map(([, c]) => c.ids.size),
        perNodeOverhead: { cpu: round(src.daemonSets.reduce((a, d) => a + d.cpu, 0)), memoryGiB: 0, pods: src.daemonSets.length },
        largestPod: {
          cpu: largest.provisioned!.vcpu,
          memoryGiB: round(largest.provisioned!.memoryGiB),
          name: `vm-${largest.id.replace(/\.csv$/, '')}`,
        },
      };
    } else {
      const rows = bucketed(traces, SLOT_MS, (trace, i) => ({ cpu: trace.cpuCores.v[i]!, mem: trace.memoryGiB?.v[i] ?? NaN }));
      out.pools[src.pool] = {
        basis: 'utilisation',
        source: `${source}; each VM is one instance, the group's use is the sum of their used cores and GiB per 5-minute slot`,
        timestamps: rows.map(([t]) => Math.round((t + shiftMs) / 1000)),
        cpu: rows.map(([, c]) => round(c.cpu)),
        memoryGiB: rows.map(([, c]) => round(c.mem)),
        nodes: rows.map(([, c]) => c.ids.size),
        perNodeOverhead: { cpu: 0, memoryGiB: 0 },
      };
    }
  }
  return `${JSON.stringify(out)}\n`;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const tracesDir = process.argv[2] ?? path.resolve(root, 'data/traces');
  const outDir = process.argv[3] ?? path.join(root, 'stacks', 'usage');
  mkdirSync(outDir, { recursive: true });
  const built = buildDemoUsage(tracesDir);
  for (const stack of ['prod', 'dev'] as const) {
    const file = path.join(outDir, `${stack}.csv`);
    writeFileSync(file, built[stack]);
    process.stdout.write(`${file}: ${built[stack].split('\n').length - 2} rows\n`);
  }
  const poolsFile = path.join(outDir, 'platform-pools.json');
  writeFileSync(poolsFile, buildDemoPoolUsage(tracesDir));
  process.stdout.write(`${poolsFile}: ${DEMO_POOL_SOURCES.length} pools\n`);
}
