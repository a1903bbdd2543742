import { candidatesFor } from '../catalog/candidates';
import { burstFit } from '../catalog/burstable';
import { isBurstable } from '../clouds/burstable';
import type { Catalog } from '../catalog/types';
import type { ResolvedRule } from '../config/rules';
import type { Demand, Offering, PlanItem, PoolPlan, Series, Workload } from '../model';
import { matchesWorkloadKey } from '../config/index';
import { MAX_POOL_NODES, POOL_PROFILES, type PoolProfile, type PoolsConfig } from './schema';
import { maxPodsPerNode } from './max-pods';
import { DEFAULT_MAX_STEP_DOWN } from '../optimize/choices';
import type { PoolDemand } from '../usage/pool-contract';

/**
 * Sizing a node pool or auto scaling group: node type and node count together. Pure.
 *
 * For every sample of the window, the nodes a candidate type needs are
 *   max(max(ceil(cpu(t) / (usable cpu × target)), ceil(memory(t) / (usable memory × target))) + spare, minNodes),
 * rounded up to a whole number per zone, where usable = the node's allocatable minus the
 * DaemonSet requests every node carries, and cpu(t)/memory(t) are the pool's pod requests
 * (Kubernetes: what the scheduler packs by) or its used cores / GiB (VM groups). A candidate
 * must hold the largest pod on one node. A pool without autoscaling keeps the peak count all
 * month; an autoscaled pool is priced at the average of the needed counts (what the cluster
 * autoscaler, which also scales on requests, runs). The cheapest candidate wins; the current
 * type is kept on a tie.
 */

export type { PoolDemand } from '../usage/pool-contract';

/**
 * What the kubelet reserves on a node (kube-reserved + system-reserved + eviction threshold),
 * by GKE's published tiers (AKS and the EKS AMIs use the same CPU tiers; their memory
 * reservations are no larger for the sizes stackfit recommends). Allocatable = capacity − this.
 */
export function reservedByKubelet(vcpu: number, memoryGiB: number): { cpu: number; memoryGiB: number } {
  const tiers = (amount: number, steps: readonly (readonly [number, number])[]): number => {
    let left = amount;
    let out = 0;
    for (const [size, rate] of steps) {
      const take = Math.min(left, size);
      out += take * rate;
      left -= take;
      if (left <= 0) break;
    }
    return out;
  };
  const cpu = tiers(vcpu, [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ]);
  const memory =
    tiers(memoryGiB, [
      [4, 0.25],
      [4, 0.2],
      [8, 0.1],
      [112, 0.06],
      [Infinity, 0.02],
    ]) +
    100 / 1024;
  return { cpu, memoryGiB: memory };
}

export function allocatableOf(offering: Pick<Offering, 'vcpu' | 'memoryGiB'>): { cpu: number; memoryGiB: number } {
  const reserved = reservedByKubelet(offering.vcpu, offering.memoryGiB);
  return { cpu: offering.vcpu - reserved.cpu, memoryGiB: offering.memoryGiB - reserved.memoryGiB };
}

/** The profile in force for a pool: the global one, overlaid by every matching `pools.overrides` entry. */
export function poolProfileFor(config: PoolsConfig, workload: Pick<Workload, 'name' | 'urn'>): PoolProfile {
  let named: PoolProfile['name'] = config.profile ?? 'prod';
  let own: { targetUtilization?: number; minNodes?: number; spareNodes?: number } = {
    ...(config.targetUtilization !== undefined && { targetUtilization: config.targetUtilization }),
    ...(config.minNodes !== undefined && { minNodes: config.minNodes }),
    ...(config.spareNodes !== undefined && { spareNodes: config.spareNodes }),
  };
  for (const [key, rule] of Object.entries(config.overrides)) {
    if (!matchesWorkloadKey(key, workload.name, workload.urn)) continue;
    if (rule.profile) named = rule.profile;
    own = { ...own, ...rule };
  }
  const base = POOL_PROFILES[named];
  const profile = { name: named, ...base, ...own };
  const custom = own.targetUtilization !== undefined || own.minNodes !== undefined || own.spareNodes !== undefined;
  return {
    name: custom ? 'custom' : profile.name,
    targetUtilization: profile.targetUtilization,
    minNodes: profile.minNodes,
    spareNodes: profile.spareNodes,
  };
}

export interface SizePoolInput {
  workload: Workload;
  demand: PoolDemand;
  /** The current node type's offering (undefined: unpriced). */
  current?: Offering;
  catalog: Catalog;
  rule: ResolvedRule;
  profile: PoolProfile;
  /** Hours of history required before anything shrinks. */
  minHistoryHours: number;
}

const HOUR_MS = 3_600_000;

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

function max(values: readonly number[]): number {
  let out = 0;
  for (const v of values) if (v > out) out = v;
  return out;
}

/** A series aligned with the CPU grid (missing samples count as 0: CPU still sizes them). */
function aligned(demand: PoolDemand, mem: Series | undefined): Float64Array | undefined {
  if (!mem) return undefined;
  const at = new Map<number, number>();
  for (let i = 0; i < mem.t.length; i++) at.set(mem.t[i]!, mem.v[i]!);
  const out = new Float64Array(demand.cpu.t.length);
  for (let i = 0; i < out.length; i++) out[i] = at.get(demand.cpu.t[i]!) ?? 0;
  return out;
}

/**
 * Without a memory series nothing says memory can shrink (as for VM workloads, candidates.ts):
 * the pool keeps at least the memory its nodes have at each sample (nodes then × node memory).
 */
function memoryKept(demand: PoolDemand, workload: Workload, current: Offering): Float64Array | undefined {
  if (demand.memoryGiB) return undefined;
  const nodes = aligned(demand, demand.nodes);
  const out = new Float64Array(demand.cpu.t.length);
  for (let i = 0; i < out.length; i++) out[i] = (nodes?.[i] || workload.count) * current.memoryGiB;
  return out;
}

interface Sized {
  offering: Offering;
  peak: number;
  low: number;
  average: number;
  usable: { cpu: number; memoryGiB: number };
}

/** Node counts a type needs over the window, or why it cannot run the pool. */
function sizeWith(
  offering: Offering,
  allocatable: { cpu: number; memoryGiB: number },
  demand: PoolDemand,
  aligned: { memory: Float64Array | undefined; pods: Float64Array | undefined; keepMemory: Float64Array | undefined },
  profile: PoolProfile,
  zones: number,
  maxPods: number | undefined,
): Sized | { unfit: string } {
  const { memory, pods, keepMemory } = aligned;
  const usable = { cpu: allocatable.cpu - demand.perNodeOverhead.cpu, memoryGiB: allocatable.memoryGiB - demand.perNodeOverhead.memoryGiB };
  if (usable.cpu <= 0 || usable.memoryGiB <= 0) return { unfit: `${offering.size}: DaemonSets alone fill a node` };
  const pod = demand.largestPod;
  if (pod && (pod.cpu > usable.cpu || pod.memoryGiB > usable.memoryGiB)) {
    return {
      unfit: `${offering.size}: the largest pod (${pod.cpu.toFixed(2)} cores, ${pod.memoryGiB.toFixed(2)} GiB) would not fit on one node (${usable.cpu.toFixed(2)} cores, ${usable.memoryGiB.toFixed(2)} GiB free)`,
    };
  }
  // Pods per node: the scheduler stops at the node's max pods whatever the requests (DaemonSet pods take their share).
  const podsPerNode = maxPods === undefined ? undefined : maxPods - (demand.perNodeOverhead.pods ?? 0);
  if (podsPerNode !== undefined && pods && podsPerNode <= 0)
    return { unfit: `${offering.size}: DaemonSet pods alone reach the ${maxPods} pods a node may run` };
  const cpuPerNode = usable.cpu * profile.targetUtilization;
  const memPerNode = usable.memoryGiB * profile.targetUtilization;
  const floor = profile.minNodes;
  const cpu = demand.cpu.v;
  // A burstable node earns CPU credits at its baseline only: the per-node load must not drain
  // them (the credit replay VM candidates get, src/catalog/burstable.ts). Requests stand in for
  // use on Kubernetes pools: the scheduler lets pods use what they request.
  const burstable = isBurstable(offering);
  if (burstable && !offering.burst) return { unfit: `${offering.size}: burstable with no published baseline` };
  const perNode = burstable ? new Array<number>(cpu.length) : undefined;
  let peak = 0;
  let low = Infinity;
  let sum = 0;
  for (let i = 0; i < cpu.length; i++) {
    let n = Math.ceil(cpu[i]! / cpuPerNode - 1e-9);
    if (memory) n = Math.max(n, Math.ceil(memory[i]! / memPerNode - 1e-9));
    else if (keepMemory) n = Math.max(n, Math.ceil(keepMemory[i]! / offering.memoryGiB - 1e-9));
    if (pods && podsPerNode !== undefined) n = Math.max(n, Math.ceil(pods[i]! / podsPerNode - 1e-9));
    // The spare node is on top of the need (N−1: lose one, the rest carry it); the profile's
    // minimum is the least node count recommended, as Kubecost's minNodeCount (prod 2, HA 3),
    // not a floor the spare is added to (that made every small prod pool 3 nodes).
    n = Math.max(n + profile.spareNodes, floor);
    n = Math.ceil(n / zones) * zones;
    if (perNode) perNode[i] = cpu[i]! / n;
    if (n > peak) peak = n;
    if (n < low) low = n;
    sum += n;
  }
  // A pool of more nodes than any managed pool allows comes from usage that cannot be right (a
  // sample of 1e9 cores proposed 8 million nodes): never a PR.
  if (peak > MAX_POOL_NODES)
    return { unfit: `${offering.size}: ${peak} nodes at the peak, over the ${MAX_POOL_NODES} a pool may have (is the pool usage right?)` };
  if (perNode && offering.burst) {
    const fit = burstFit(offering.size, offering.burst, { t: demand.cpu.t, v: perNode });
    if (!fit.ok) return { unfit: `${offering.size}: ${fit.note}` };
  }
  return { offering, peak, low, average: sum / cpu.length, usable };
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/**
 * `maxStepDown` for pools, as for every workload (src/optimize/choices.ts): the pool's total vCPU
 * and GiB may shrink at most that many times in one change. A type whose need is below the floor
 * keeps enough nodes to stay at it (its count raised, zones kept whole); the cheapest type the
 * limit held back is returned for the "step 1 of N" line.
 */
function stepLimited(
  sized: readonly Sized[],
  today: { count: number; offering: Offering },
  maxStepDown: number,
  zones: number,
): { sized: Sized[]; beyond?: { sized: Sized; of: number } } {
  const floorVcpu = (today.count * today.offering.vcpu) / maxStepDown;
  const floorMemory = (today.count * today.offering.memoryGiB) / maxStepDown;
  const atFloor = (o: Offering): number => Math.ceil(Math.max(floorVcpu / o.vcpu, floorMemory / o.memoryGiB) / zones - 1e-9) * zones;
  const out = sized.map((s) => {
    const floor = atFloor(s.offering);
    // Judged on the peak (the desired count): an autoscaled pool's quieter hours may still go lower.
    return floor <= s.peak ? s : { ...s, peak: floor, low: floor, average: floor };
  });
  const held = sized.filter((s, i) => out[i] !== s);
  if (held.length === 0) return { sized: out };
  const cheapest = held.reduce((a, b) => (b.offering.monthlyUsd * b.peak < a.offering.monthlyUsd * a.peak ? b : a));
  const ratio = Math.max(
    (today.count * today.offering.vcpu) / (cheapest.peak * cheapest.offering.vcpu),
    (today.count * today.offering.memoryGiB) / (cheapest.peak * cheapest.offering.memoryGiB),
  );
  return { sized: out, beyond: { sized: cheapest, of: Math.max(2, Math.ceil(Math.log(ratio) / Math.log(maxStepDown) - 1e-9)) } };
}
const pct = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : 'n/a');

/** Plans one pool. Returns a complete plan item (the optimizer's item for it is replaced). */
export function sizePool(input: SizePoolInput): PlanItem {
  const { workload, demand, current, profile } = input;
  const pool = workload.pool;
  const zones = pool?.zones ?? 1;
  const autoscaled = pool?.min !== undefined && pool.max !== undefined && pool.min !== pool.max;
  const averageBefore = demand.nodes && demand.nodes.v.length > 0 ? mean(demand.nodes.v) : workload.count;
  const before = {
    desired: workload.count,
    ...(pool?.min !== undefined && { min: pool.min }),
    ...(pool?.max !== undefined && { max: pool.max }),
  };
  const monthlyBefore = current ? current.monthlyUsd * (autoscaled ? averageBefore : workload.count) : undefined;
  const base: PlanItem = {
    urn: workload.urn,
    workload,
    ...(current && { current }),
    action: 'no-recommendation',
    ...(monthlyBefore !== undefined && { monthlyBefore }),
    migrationCost: 0,
    risk: 0,
    reason: '',
  };
  if (!current)
    return {
      ...base,
      reason: `${workload.size} has no price in ${workload.cloud} ${workload.region ?? '(region unknown)'}: the pool cannot be sized`,
    };
  // `current` is the spot offering for a spot pool (GCP), or none where the catalog has no spot price.
  if (pool?.spot) return { ...base, reason: 'spot pool: stackfit has no spot prices, so it cannot say what a change saves' };
  if (input.rule.pin) return { ...base, action: 'keep', chosen: current, monthlyAfter: monthlyBefore, monthlyDelta: 0, reason: 'pinned' };
  const t = demand.cpu.t;
  if (t.length === 0) return { ...base, reason: 'no samples for the pool in the window' };
  const historyHours = (t[t.length - 1]! - t[0]!) / HOUR_MS;
  if (historyHours < input.minHistoryHours)
    return { ...base, reason: `only ${fmt(historyHours)} h of pool history (${input.minHistoryHours} h needed)` };

  const series = {
    memory: aligned(demand, demand.memoryGiB),
    pods: aligned(demand, demand.pods),
    keepMemory: memoryKept(demand, workload, current),
  };
  const rule: ResolvedRule = { ...input.rule, allowMove: false };
  const noDemand: Demand = {
    urn: workload.urn,
    status: 'ok',
    historyHours,
    horizonDays: 0,
    cpu: { p50: 0, p95: 0, max: 0, forecastPeak: 0, percentile: 100, headroom: 0, required: 0 },
    // With a memory series the pool's memory is sized by node count below (sizeWith), so a
    // type with less memory per node is a candidate; without this, candidatesFor keeps today's
    // memory per node (as for a VM with no memory metric) and a pool of 32 GiB nodes could only
    // go to ≥ 32 GiB types, however little its pods request. No series: memoryKept() applies.
    ...(demand.memoryGiB && { memory: { p50: 0, p95: 0, max: 0, forecastPeak: 0, percentile: 100, headroom: 0, required: 0 } }),
    confidence: 'high',
    allowDownsize: true,
    notes: [],
  };
  const options = candidatesFor({
    workload: { ...workload, region: current.region },
    demand: noDemand,
    rule,
    catalog: input.catalog,
    current,
  });
  if (!options.some((o) => o.size === current.size)) options.push(current);
  const unfit: string[] = [];
  let sized: Sized[] = [];
  for (const offering of options) {
    const alloc = offering.size === current.size && demand.allocatable ? demand.allocatable : allocatableOf(offering);
    const s = sizeWith(offering, alloc, demand, series, profile, zones, maxPodsPerNode(workload, offering.size));
    if ('unfit' in s) unfit.push(s.unfit);
    else sized.push(s);
  }
  const costOf = (s: Sized): number => s.offering.monthlyUsd * (autoscaled ? s.average : s.peak);
  const maxStepDown = input.rule.maxStepDown ?? DEFAULT_MAX_STEP_DOWN;
  const step = stepLimited(sized, { count: workload.count, offering: current }, maxStepDown, zones);
  sized = step.sized;
  sized.sort(
    (a, b) => costOf(a) - costOf(b) || (a.offering.size === current.size ? -1 : b.offering.size === current.size ? 1 : a.peak - b.peak),
  );
  const best = sized[0];
  const now = sized.find((s) => s.offering.size === current.size);
  if (!best)
    return {
      ...base,
      reason: `no node type can run the pool: ${unfit.find((u) => u.startsWith(`${current.size}:`)) ?? unfit[0] ?? 'no candidates'}`,
    };

  const evidence = poolEvidence(workload, demand, current, best, now, profile, averageBefore);
  const cut = step.beyond;
  if (cut && costOf(cut.sized) < costOf(best) - 1e-9)
    evidence.push(
      `step 1 of ${cut.of}: ${cut.sized.peak} × ${cut.sized.offering.size} would fit, but maxStepDown ${maxStepDown} allows at most ${maxStepDown}× fewer vCPU or GiB per change`,
    );
  // Counts: autoscaled pools get bounds covering what the window needed; the max keeps the
  // capacity ceiling the pool had (max × vCPU), so it can still absorb the same surge.
  const scaledMax = (s: Sized): number =>
    Math.max(s.peak, Math.ceil(((pool?.max ?? s.peak) * current.vcpu) / s.offering.vcpu / zones) * zones);
  // A fixed pool whose bounds equal its count (EKS and ASGs need bounds) stays fixed at the new count.
  const pinnedBounds = !autoscaled && pool?.min === workload.count && pool.max === workload.count;
  const after = autoscaled
    ? { desired: Math.min(best.peak, scaledMax(best)), min: best.low, max: scaledMax(best) }
    : pinnedBounds
      ? { desired: best.peak, min: best.peak, max: best.peak }
      : {
          desired: best.peak,
          ...(pool?.min !== undefined && { min: Math.min(pool.min, best.peak) }),
          ...(pool?.max !== undefined && { max: Math.max(pool.max, best.peak) }),
        };
  const averageAfter = autoscaled ? best.average : best.peak;
  const monthlyAfter = costOf(best);
  const plan: PoolPlan = {
    before,
    after,
    averageNodesBefore: averageBefore,
    averageNodesAfter: averageAfter,
    ...(after.min !== undefined && { monthlyAtMin: best.offering.monthlyUsd * after.min }),
    ...(after.max !== undefined && { monthlyAtMax: best.offering.monthlyUsd * after.max }),
    evidence,
  };
  const changed =
    best.offering.size !== current.size || after.desired !== before.desired || after.min !== before.min || after.max !== before.max;
  const delta = monthlyAfter - (monthlyBefore ?? monthlyAfter);
  const what = `${before.desired} × ${current.size} → ${after.desired} × ${best.offering.size}`;
  return {
    ...base,
    chosen: best.offering,
    action: changed ? 'resize' : 'keep',
    monthlyAfter,
    monthlyDelta: delta,
    pool: plan,
    reason: changed ? `pool ${what}: ${evidence[0] ?? ''}` : `pool fits its ${demand.basis}: ${evidence[0] ?? ''}`,
  };
}

function poolEvidence(
  workload: Workload,
  demand: PoolDemand,
  current: Offering,
  best: Sized,
  now: Sized | undefined,
  profile: PoolProfile,
  averageBefore: number,
): string[] {
  const out: string[] = [];
  const peakCpu = max(demand.cpu.v);
  const peakMem = demand.memoryGiB ? max(demand.memoryGiB.v) : undefined;
  const alloc = demand.allocatable ?? allocatableOf(current);
  const nodes = demand.nodes && demand.nodes.v.length > 0 ? max(demand.nodes.v) : workload.count;
  const what = demand.basis === 'requests' ? 'pod requests' : 'use';
  const totalCpu = alloc.cpu * nodes;
  const totalMem = alloc.memoryGiB * nodes;
  out.push(
    `peak ${what} ${fmt(peakCpu)} of ${fmt(totalCpu)} allocatable cores (${pct(peakCpu, totalCpu)})` +
      (peakMem !== undefined
        ? `, ${fmt(peakMem)} of ${fmt(totalMem)} GiB (${pct(peakMem, totalMem)})`
        : ', CPU only: no memory series, so the pool keeps at least its memory') +
      ` on ${nodes} × ${current.size}`,
  );
  if (demand.measured) out.push(demand.measured);
  if (demand.perNodeOverhead.cpu > 0 || demand.perNodeOverhead.memoryGiB > 0) {
    out.push(
      `DaemonSets request ${fmt(demand.perNodeOverhead.cpu, 2)} cores and ${fmt(demand.perNodeOverhead.memoryGiB, 2)} GiB on every node`,
    );
  }
  if (demand.largestPod) {
    out.push(
      `largest pod${demand.largestPod.name ? ` ${demand.largestPod.name}` : ''} ${fmt(demand.largestPod.cpu, 2)} cores, ${fmt(demand.largestPod.memoryGiB, 2)} GiB: fits a ${best.offering.size} node (${fmt(best.usable.cpu, 2)} cores, ${fmt(best.usable.memoryGiB, 2)} GiB free after DaemonSets)`,
    );
  }
  const maxPods = maxPodsPerNode(workload, best.offering.size);
  if (demand.pods && demand.pods.v.length > 0) {
    const dsPods = demand.perNodeOverhead.pods ?? 0;
    out.push(
      `peak ${max(demand.pods.v)} pods` +
        (maxPods !== undefined
          ? `; a ${best.offering.size} node runs at most ${maxPods} pods${dsPods > 0 ? ` (${dsPods} of them DaemonSets)` : ''}`
          : '; max pods per node unknown (not checked)'),
    );
  }
  out.push(
    `profile ${profile.name}: ${Math.round(profile.targetUtilization * 100)} % target utilisation, at least ${profile.minNodes} node(s)${profile.spareNodes > 0 ? `, +${profile.spareNodes} spare (N−${profile.spareNodes})` : ''}`,
  );
  out.push(
    `average nodes over the window: ${fmt(averageBefore)} × ${current.size} now${now ? ` (the same type would need ${fmt(now.average)})` : ''} → ${fmt(best.average)} × ${best.offering.size}`,
  );
  return out;
}
