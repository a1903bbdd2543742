/**
 * Pool sizing benchmark: `npm run bench -- pools`.
 *
 * 2,000 node pools of 3–200 nodes (pool i has 3 + (i × 7919 mod 198) nodes), spread over AWS
 * (m5.2xlarge, us-east-1), Azure (Standard_D8s_v5, eastus) and GCP (n2-standard-8, us-central1),
 * every other one autoscaled. Each node's pod requests follow one real Bitbrains trace (data/
 * traces: hourly maxima of used cores and GiB, 688 hours), node j of pool i reading trace
 * (i + j) mod 10 rotated by j hours; 720 hourly points per pool. The largest pod is Bitbrains
 * VM 35's provisioned size (4 cores, 15.9 GiB); DaemonSets take EKS's defaults (125m CPU).
 * Nothing is synthesised: values are the traces' own, only summed and rotated.
 *
 * Timed: sizePool for every pool (candidates from the shipped catalog, prod profile).
 */
import path from 'node:path';
import { loadCatalog } from '../src/catalog';
import { ruleFor } from '../src/config/rules';
import { stackfitConfigSchema } from '../src/config/schema';
import type { Cloud, Workload } from '../src/model';
import { poolProfileFor, sizePool, type PoolDemand } from '../src/pools';
import { readTraceDir } from '../src/usage/traces/index';
import { hourlyMax } from './trace-hours';

const POOLS = 2_000;
const POINTS = 720;
const HOUR = 3_600_000;
const END = Date.parse('2026-11-01T00:00:00Z');

const all = readTraceDir(path.resolve(__dirname, '../data/traces/bitbrains-rnd-2013-07'));
const traces = all.map((t) => ({ cpu: hourlyMax(t.cpuCores), mem: hourlyMax(t.memoryGiB!) }));
const vm35 = all.find((t) => t.id === '35.csv')!.provisioned!;
const times = Array.from({ length: POINTS }, (_, j) => END - (POINTS - j) * HOUR);
const catalog = loadCatalog();
const config = stackfitConfigSchema.parse({});
const places: { cloud: Cloud; region: string; size: string }[] = [
  { cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge' },
  { cloud: 'azure', region: 'eastus', size: 'Standard_D8s_v5' },
  { cloud: 'gcp', region: 'us-central1', size: 'n2-standard-8' },
];

const pools: { workload: Workload; demand: PoolDemand }[] = [];
let nodesTotal = 0;
for (let i = 0; i < POOLS; i++) {
  const nodes = 3 + ((i * 7919) % 198);
  nodesTotal += nodes;
  const place = places[i % places.length]!;
  const cpu = new Array<number>(POINTS).fill(0);
  const mem = new Array<number>(POINTS).fill(0);
  for (let j = 0; j < nodes; j++) {
    const trace = traces[(i + j) % traces.length]!;
    for (let k = 0; k < POINTS; k++) {
      cpu[k] = cpu[k]! + trace.cpu[(j + k) % trace.cpu.length]!;
      mem[k] = mem[k]! + trace.mem[(j + k) % trace.mem.length]!;
    }
  }
  const name = `pool-${i}`;
  const autoscaled = i % 2 === 0;
  pools.push({
    workload: {
      urn: `urn:pulumi:bench::bench::aws:eks/nodeGroup:NodeGroup::${name}`,
      name,
      type: 'aws:eks/nodeGroup:NodeGroup',
      kind: 'vm',
      cloud: place.cloud,
      region: place.region,
      size: place.size,
      count: nodes,
      metricIds: { name },
      pool: { kind: 'kubernetes', spot: false, ...(autoscaled && { min: 3, max: nodes * 2 }) },
    },
    demand: {
      basis: 'requests',
      cpu: { t: times, v: cpu },
      memoryGiB: { t: times, v: mem },
      perNodeOverhead: { cpu: 0.125, memoryGiB: 0 },
      largestPod: { cpu: vm35.vcpu, memoryGiB: vm35.memoryGiB },
    },
  });
}

function runAll(count: number): { resized: number } {
  let resized = 0;
  for (let i = 0; i < count; i++) {
    const { workload, demand } = pools[i]!;
    const current = catalog.lookup(workload.cloud, workload.region!, workload.size);
    const item = sizePool({
      workload,
      demand,
      current,
      catalog,
      rule: ruleFor(config, workload),
      profile: poolProfileFor(config.pools, workload),
      minHistoryHours: config.minHistoryHours,
    });
    if (item.action === 'resize') resized++;
  }
  return { resized };
}

runAll(50); // warm-up (JIT, candidate frontiers)
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { resized } = runAll(POOLS);
const ms = performance.now() - t0;
const used = process.cpuUsage(cpu0);
process.stdout.write(
  `sizePool: ${POOLS} pools (${nodesTotal.toLocaleString('en')} nodes, 3–200 per pool) × ${POINTS} hourly points in ${(ms / 1000).toFixed(2)} s wall, ` +
    `${((used.user + used.system) / 1e6).toFixed(2)} s CPU (${((ms * 1000) / POOLS).toFixed(0)} µs per pool; ${resized} resized); target < 10 s\n`,
);
if (ms > 10_000) {
  process.stderr.write('over the 10 s target\n');
  process.exit(1);
}
