import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import { applyConfigEdits } from '../../src/gitops/updaters/stack-config';
import { planToEdits } from '../../src/gitops/edits';
import { renderPrBody } from '../../src/gitops/pr-text';
import type { Inventory, PlanItem } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { allocatableOf } from '../../src/pools';
import { inventoryFromResources, type StackResource } from '../../src/stack/inventory';
import { prometheusPoolSource } from '../../src/usage/prometheus/pools';
import { readTraceDir } from '../../src/usage/traces';
import { BITBRAINS_DIR, startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { daemonSetPods, podsFromTraces, traceHours, writeKubeMetrics, type TestNode } from '../support/kube-metrics';

/**
 * Two EKS node groups whose pods are real Bitbrains VMs (test/support/kube-metrics.ts), served
 * by a real Prometheus: `apps` (6 × m5.2xlarge) whose requests fill about 30 % of allocatable
 * (plus two finished Job pods, Succeeded and Failed, that must not count),
 * `jobs` (3 × m5.4xlarge) whose largest pod needs 8 cores; and a GKE pool with no metrics.
 */

const catalog = loadCatalog();
const traces = readTraceDir(BITBRAINS_DIR);
const trace = (id: string) => traces.find((t) => t.id === `${id}.csv`)!;
const NOW = new Date('2013-07-30T22:00:00Z');
const LABEL = 'label_eks_amazonaws_com_nodegroup';

function nodes(pool: string, size: string, count: number): TestNode[] {
  const offering = catalog.lookup('aws', 'us-east-1', size)!;
  return Array.from({ length: count }, (_, i) => ({ name: `${pool}-${i}`, poolLabel: LABEL, pool, allocatable: allocatableOf(offering) }));
}

const urn = (type: string, name: string): string => `urn:pulumi:prod::shop::${type}::${name}`;
const NG = 'aws:eks/nodeGroup:NodeGroup';
function stack(): StackResource[] {
  return [
    {
      urn: urn(NG, 'apps'),
      type: NG,
      inputs: {
        clusterName: 'shop',
        nodeGroupName: 'apps',
        instanceTypes: ['m5.2xlarge'],
        scalingConfig: { desiredSize: 6, minSize: 3, maxSize: 8 },
      },
    },
    {
      urn: urn(NG, 'jobs'),
      type: NG,
      inputs: {
        clusterName: 'shop',
        nodeGroupName: 'jobs',
        instanceTypes: ['m5.4xlarge'],
        scalingConfig: { desiredSize: 3, minSize: 3, maxSize: 3 },
      },
    },
    {
      urn: urn('gcp:container/nodePool:NodePool', 'web'),
      type: 'gcp:container/nodePool:NodePool',
      inputs: { name: 'web', cluster: 'shop-gke', location: 'us-central1-a', nodeCount: 2, nodeConfig: { machineType: 'e2-standard-4' } },
    },
  ];
}

const STACK_CONFIG = `config:
  aws:region: us-east-1
  # node groups, edited by stackfit
  shop:pools:
    apps:
      instanceType: m5.2xlarge # general purpose
      desired: 6
      min: 3
      max: 8
    jobs:
      instanceType: m5.4xlarge
      desired: 3
      min: 3
      max: 3
`;

let prom: RunningPrometheus;
let tmp: string;
let inventory: Inventory;
let items: Map<string, PlanItem>;
let missing: { urn: string; reason: string }[];
const config = stackfitConfigSchema.parse({ lookbackDays: 28, minHistoryHours: 30, usage: { stepSeconds: 3600 } });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'stackfit-pools-'));
  const apps = nodes('apps', 'm5.2xlarge', 6);
  const jobs = nodes('jobs', 'm5.4xlarge', 3);
  const hours = [...traceHours(trace('113'))].sort((a, b) => a - b);
  const pods = [
    ...podsFromTraces(['113', '35', '306', '488', '2', '8'].map(trace), apps, 'apps'),
    ...podsFromTraces(['78', '449', '356'].map(trace), jobs, 'jobs'),
    ...daemonSetPods([...apps, ...jobs], new Set(hours)),
    // Completed Jobs stay listed, requests and all, until deleted: the scheduler no longer counts them.
    ...podsFromTraces([trace('28')], apps, 'batch').map((p) => ({
      ...p,
      pod: 'report-done',
      ownerKind: 'Job' as const,
      phase: 'Succeeded' as const,
    })),
    ...podsFromTraces([trace('78')], apps.slice(1), 'batch').map((p) => ({
      ...p,
      pod: 'report-failed',
      ownerKind: 'Job' as const,
      phase: 'Failed' as const,
    })),
  ];
  const file = join(tmp, 'kube.om');
  await writeKubeMetrics(file, [...apps, ...jobs], pods, hours);
  prom = await startPrometheus({ openMetricsFiles: [file] });
  inventory = inventoryFromResources(stack(), 'pools.json', { stackConfig: { 'aws:region': 'us-east-1' } });
  const rec = await recommend({ inventory, usage: [], config, catalog, now: NOW, poolUsage: prometheusPoolSource(prom.url) });
  items = new Map(rec.plan.items.map((i) => [i.workload.name, i]));
  missing = rec.missingUsage;
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('node pools sized from kube-state-metrics in a real Prometheus', () => {
  it('a pool whose requests fill about 30 % of allocatable is sized down, every pod still fitting', () => {
    const apps = items.get('apps')!;
    // Succeeded / Failed pods (16 and 8 cores) are not counted: requests, largest pod and pods are the running ones.
    expect(apps.pool?.evidence[0]).toMatch(/^peak pod requests 14\.0 of 47\.\d allocatable cores \(29 %\)/);
    expect(apps.pool?.evidence).toContainEqual(`peak 6 pods; a ${apps.chosen!.size} node runs at most 58 pods (2 of them DaemonSets)`);
    expect(apps.action).toBe('resize');
    expect(apps.monthlyAfter!).toBeLessThan(apps.monthlyBefore!);
    const chosen = apps.chosen!;
    const after = apps.pool!.after;
    // fewer cores in total, and the 4-core / 16 GiB pod (Bitbrains VM 35) still fits one node
    expect(after.desired * chosen.vcpu).toBeLessThan(6 * 8);
    const free = allocatableOf(chosen);
    expect(free.cpu - 0.125).toBeGreaterThanOrEqual(4);
    expect(free.memoryGiB).toBeGreaterThanOrEqual(trace('35').provisioned!.memoryGiB);
    // prod profile: 65 % of usable allocatable, ≥ 2 nodes + 1 spare
    const usable = { cpu: free.cpu - 0.125, mem: free.memoryGiB };
    const needed = Math.max(2, Math.ceil(14 / (usable.cpu * 0.65)), Math.ceil(47.8 / (usable.mem * 0.65))) + 1;
    expect(after.desired).toBe(needed);
    expect(after.min).toBe(needed);
    expect(apps.monthlyAfter).toBeCloseTo(chosen.monthlyUsd * apps.pool!.averageNodesAfter, 6);
    expect(apps.monthlyBefore).toBeCloseTo(catalog.lookup('aws', 'us-east-1', 'm5.2xlarge')!.monthlyUsd * 6, 6);
  });

  it('a pool whose largest pod would no longer fit a smaller node keeps nodes that hold it', () => {
    const jobs = items.get('jobs')!;
    expect(jobs.pool?.evidence.join('\n')).toMatch(/largest pod 8\.00 cores, 32\.00 GiB/);
    const chosen = jobs.chosen!;
    expect(chosen.vcpu).toBeGreaterThanOrEqual(16);
    expect(allocatableOf(chosen).memoryGiB).toBeGreaterThanOrEqual(32);
    // One node holds the requests; + 1 spare = 2, the prod minimum (3 before session 5 added the spare to the minimum).
    expect(jobs.pool!.after.desired).toBe(2);
  });

  it('a cluster without metrics: one line naming the pool and what is missing; nothing else lost', () => {
    const web = items.get('web')!;
    expect(web.action).toBe('no-recommendation');
    expect(web.monthlyBefore).toBeCloseTo(catalog.lookup('gcp', 'us-central1', 'e2-standard-4')!.monthlyUsd * 2, 6);
    expect(missing).toEqual([
      {
        urn: urn('gcp:container/nodePool:NodePool', 'web'),
        reason: `prometheus://127.0.0.1:${prom.port}: no kube-state-metrics series for cloud.google.com/gke-nodepool=web (kube_node_labels{label_cloud_google_com_gke_nodepool="web"}) in the window: is kube-state-metrics scraped, with that node label allowed (--metric-labels-allowlist)?`,
      },
    ]);
    expect(items.size).toBe(3);
  });

  it('the PR edits the pool type and counts in place, with the evidence in the body', () => {
    const plan = {
      items: [...items.values()],
      totals: { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
      skipped: [],
      solver: { status: 'trivial' as const, objective: 0, variables: 0, constraints: 0, millis: 0 },
    };
    const { edits, manual } = planToEdits({
      plan,
      stack: 'prod',
      configFile: 'Pulumi.prod.yaml',
      configText: STACK_CONFIG,
      config,
      projectName: 'shop',
    });
    const apps = items.get('apps')!;
    const after = apps.pool!.after;
    const text = applyConfigEdits(STACK_CONFIG, edits, 'Pulumi.prod.yaml', { projectName: 'shop' });
    expect(text).toContain(
      `    apps:\n      instanceType: ${apps.chosen!.size} # general purpose\n      desired: ${after.desired}\n      min: ${after.min}\n      max: ${after.max}\n`,
    );
    expect(text).toContain('  # node groups, edited by stackfit\n');
    expect(manual.filter((m) => m.urn === apps.urn)).toEqual([]);
    const body = renderPrBody({ stack: 'prod', items: plan.items, manual, totals: plan.totals, priceSources: [] } as unknown as Parameters<
      typeof renderPrBody
    >[0]);
    expect(body).toContain('### Node pools');
    expect(body).toContain(`(nodes 6 (3–8) → ${after.desired} (${after.min}–${after.max}))`);
    expect(body).toMatch(/peak pod requests 14\.0 of 47\.\d allocatable cores/);
  });
});
