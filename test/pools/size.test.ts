import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { ruleFor } from '../../src/config/rules';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { Workload } from '../../src/model';
import { allocatableOf, poolProfileFor, reservedByKubelet, sizePool, type PoolDemand } from '../../src/pools';
import { eksMaxPods } from '../../src/pools/max-pods';

const catalog = loadCatalog();
const config = stackfitConfigSchema.parse({});
const HOUR = 3_600_000;
const T = Array.from({ length: 48 }, (_, i) => Date.parse('2026-10-01T00:00:00Z') + i * HOUR);

function pool(overrides: Partial<Workload> = {}, info: Partial<NonNullable<Workload['pool']>> = {}): Workload {
  return {
    urn: 'urn:pulumi:prod::shop::aws:eks/nodeGroup:NodeGroup::apps',
    name: 'apps',
    type: 'aws:eks/nodeGroup:NodeGroup',
    kind: 'vm',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.2xlarge',
    count: 6,
    metricIds: { name: 'apps' },
    pool: { kind: 'kubernetes', spot: false, ...info },
    ...overrides,
  };
}

/** Requests alternating between `low` and `high` cores (memory 4 GiB per core). */
function demand(low: number, high: number, extra: Partial<PoolDemand> = {}): PoolDemand {
  const v = T.map((_, i) => (i % 2 === 0 ? low : high));
  return {
    basis: 'requests',
    cpu: { t: T, v },
    memoryGiB: { t: T, v: v.map((x) => x * 4) },
    perNodeOverhead: { cpu: 0.125, memoryGiB: 0 },
    ...extra,
  };
}

function size(w: Workload, d: PoolDemand, cfg = config) {
  return sizePool({
    workload: w,
    demand: d,
    current: catalog.lookup(w.cloud, w.region!, w.size),
    catalog,
    rule: ruleFor(cfg, w),
    profile: poolProfileFor(cfg.pools, w),
    minHistoryHours: 30,
  });
}

describe('kubelet reservations (GKE tiers)', () => {
  it('matches the published examples: 4 vCPU / 16 GiB → 80m CPU and 2.6 GiB + 100 MiB eviction', () => {
    const r = reservedByKubelet(4, 16);
    expect(r.cpu).toBeCloseTo(0.06 + 0.01 + 0.005 * 2, 9);
    expect(r.memoryGiB).toBeCloseTo(1 + 0.8 + 0.8 + 100 / 1024, 9);
    expect(allocatableOf({ vcpu: 4, memoryGiB: 16 }).cpu).toBeCloseTo(3.92, 9);
  });
});

describe('sizePool', () => {
  it('a fixed pool is priced at its peak need all month; an autoscaled one at the average need', () => {
    const fixed = size(pool(), demand(4, 20));
    const scaled = size(pool({}, { min: 3, max: 10 }), demand(4, 20));
    const chosen = fixed.chosen!;
    expect(fixed.monthlyAfter).toBeCloseTo(chosen.monthlyUsd * fixed.pool!.after.desired, 6);
    expect(scaled.pool!.averageNodesAfter).toBeLessThan(scaled.pool!.after.desired);
    expect(scaled.monthlyAfter).toBeCloseTo(scaled.chosen!.monthlyUsd * scaled.pool!.averageNodesAfter, 6);
    expect(scaled.pool!.monthlyAtMin).toBeCloseTo(scaled.chosen!.monthlyUsd * scaled.pool!.after.min!, 6);
  });

  // Kubecost's minNodeCount is the least node count recommended (prod 2, HA 3); the spare node
  // is added to the need, not to that minimum (a prod pool needing 1 node runs 2, not 3).
  it('the profile sets the floor: dev allows 1 node, prod 2 (the need of 1 + 1 spare), ha 3', () => {
    const tiny = demand(0.1, 0.2);
    const dev = stackfitConfigSchema.parse({ pools: { profile: 'dev' } });
    const ha = stackfitConfigSchema.parse({ pools: { profile: 'ha' } });
    // One node today, so maxStepDown (4× fewer vCPU or GiB per change) leaves the profile free.
    const one = pool({ count: 1 });
    expect(size(one, tiny, dev).pool!.after.desired).toBe(1);
    expect(size(one, tiny).pool!.after.desired).toBe(2);
    expect(size(one, tiny, ha).pool!.after.desired).toBe(3);
    const custom = stackfitConfigSchema.parse({ pools: { overrides: { apps: { minNodes: 5, spareNodes: 0 } } } });
    expect(size(one, tiny, custom).pool!.after.desired).toBe(5);
  });

  it('maxStepDown holds for pools: at most 4× fewer vCPU or GiB per change, and a held-back cut says step 1 of N', () => {
    // 6 × m5.2xlarge = 48 vCPU, 192 GiB; the load fits one small node.
    const tiny = demand(0.1, 0.2);
    const item = size(pool(), tiny);
    const after = item.pool!.after.desired;
    expect(after * item.chosen!.vcpu).toBeGreaterThanOrEqual(48 / 4);
    expect(after * item.chosen!.memoryGiB).toBeGreaterThanOrEqual(192 / 4);
    expect(item.pool!.evidence.some((e) => /^step 1 of [2-9]: .* would fit, but maxStepDown 4 allows/.test(e))).toBe(true);
    // A team that allows deeper cuts gets them in one change.
    const deep = stackfitConfigSchema.parse({ workloads: { apps: { maxStepDown: 100 } } });
    const free = size(pool(), tiny, deep);
    expect(free.pool!.after.desired * free.chosen!.vcpu).toBeLessThan(48 / 4);
    expect(free.pool!.evidence.some((e) => e.startsWith('step 1 of'))).toBe(false);
  });

  it('a pod larger than a candidate node rules that type out', () => {
    const item = size(pool(), demand(4, 8, { largestPod: { cpu: 7.5, memoryGiB: 8 } }));
    expect(allocatableOf(item.chosen!).cpu - 0.125).toBeGreaterThanOrEqual(7.5);
    const none = size(pool(), demand(4, 8, { largestPod: { cpu: 1000, memoryGiB: 8 } }));
    expect(none.action).toBe('no-recommendation');
    expect(none.reason).toMatch(/^no node type can run the pool: m5\.2xlarge: the largest pod \(1000\.00 cores/);
  });

  it('GKE counts stay whole per zone', () => {
    const gke = pool({ cloud: 'gcp', region: 'us-central1', size: 'n2-standard-8', count: 9 }, { zones: 3 });
    expect(size(gke, demand(1, 2)).pool!.after.desired % 3).toBe(0);
  });

  it('spot pools, unpriced types and short history get no recommendation, with the reason', () => {
    // Which price a spot pool carries (its spot rate, or none) is the pipeline's: test/qa/pool-probes.test.ts.
    expect(size(pool({}, { spot: true }), demand(1, 2)).reason).toMatch(/^spot pool/);
    expect(size(pool({ size: 'm99.huge' }), demand(1, 2)).reason).toBe('m99.huge has no price in aws us-east-1: the pool cannot be sized');
    const short = demand(1, 2);
    short.cpu = { t: T.slice(0, 5), v: short.cpu.v.slice(0, 5) };
    expect(size(pool(), short).reason).toBe('only 4.0 h of pool history (30 h needed)');
  });

  it("max pods per node bounds the count: EKS by the type's ENI limit, AKS / GKE by the pool's setting", () => {
    // 200 small pods, 2 DaemonSet pods per node; N−1: the nodes but one must hold them all.
    const many = (d: PoolDemand, n = 200): PoolDemand => ({
      ...d,
      pods: { t: T, v: T.map(() => n) },
      perNodeOverhead: { ...d.perNodeOverhead, pods: 2 },
    });
    const holds = (item: ReturnType<typeof size>, maxPods: number, n = 200): boolean => (item.pool!.after.desired - 1) * (maxPods - 2) >= n;
    const eks = size(pool({ size: 'm5.large', count: 8 }), many(demand(2, 3)));
    const eksMax = eksMaxPods(eks.chosen!.size)!;
    expect(holds(eks, eksMax)).toBe(true);
    expect(eks.pool!.evidence).toContain(`peak 200 pods; a ${eks.chosen!.size} node runs at most ${eksMax} pods (2 of them DaemonSets)`);
    const eksFree = size(pool({ size: 'm5.large', count: 8 }), demand(2, 3));
    expect(holds(eksFree, eksMaxPods(eksFree.chosen!.size)!)).toBe(false); // the limit is what binds
    // AKS: maxPods 30 from the pool, whatever the VM size.
    const aks = pool({ cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5', count: 9 }, { maxPodsPerNode: 30 });
    expect(holds(size(aks, many(demand(8, 10))), 30)).toBe(true);
    expect(holds(size(aks, demand(8, 10)), 30)).toBe(false);
    // GKE without a setting: 110 per node. 1,000 pods (400 before session 5: since a pool's nodes
    // may have less memory than today's, this pool already runs on enough small nodes for 400).
    const gke = pool({ cloud: 'gcp', region: 'us-central1', size: 'e2-standard-4', count: 4 });
    expect(holds(size(gke, many(demand(1, 2), 1000)), 110, 1000)).toBe(true);
    expect(holds(size(gke, demand(1, 2)), 110, 1000)).toBe(false);
  });

  it('a pool already right for its requests is kept', () => {
    const item = size(pool({ count: 3 }), demand(1, 2));
    const again = size(pool({ count: item.pool!.after.desired, size: item.chosen!.size }), demand(1, 2));
    expect(again.action).toBe('keep');
    expect(again.monthlyDelta).toBeCloseTo(0, 6);
  });
});

describe('sizePool on node utilisation without a memory series (cloud monitors without the memory agent)', () => {
  it('keeps at least the memory the group has: a CPU-idle ASG of 6 × m5.2xlarge (192 GiB) is not cut below 192 GiB', () => {
    const asg = pool({ name: 'web', type: 'aws:autoscaling/group:Group' }, { kind: 'vm-group' });
    const idle: PoolDemand = { basis: 'utilisation', cpu: { t: T, v: T.map(() => 1.5) }, perNodeOverhead: { cpu: 0, memoryGiB: 0 } };
    const item = size(asg, idle);
    expect(item.action).toBe('resize');
    expect(item.pool!.after.desired * item.chosen!.memoryGiB).toBeGreaterThanOrEqual(6 * 32);
    expect(item.pool!.evidence[0]).toContain('CPU only: no memory series, so the pool keeps at least its memory');
    // With a memory series saying 20 GiB are used, memory may shrink.
    const measured = size(asg, { ...idle, memoryGiB: { t: T, v: T.map(() => 20) } });
    expect(measured.pool!.after.desired * measured.chosen!.memoryGiB).toBeLessThan(6 * 32);
  });
});
