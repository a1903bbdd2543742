/**
 * The "Done when" of issue 10 re-checked on a fresh stack export written for it
 * (fixtures/four-groups.stack.json, not the demo): an EC2 auto scaling group through a launch
 * template, an EKS managed node group, an AKS cluster with a system profile and an agent pool,
 * a GKE node pool over two zones, a bastion VM, and an EKS node group of an unknown type.
 * Prices are the catalog's, built from data/pricing (rows named in docs/work-notes/issue-10.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { Inventory } from '../../src/model';
import { recommend } from '../../src/pipeline';
import { readInventory, UNKNOWN_VALUE } from '../../src/stack';
import { prometheusPoolSource } from '../../src/usage/prometheus/pools';

const FOUR_GROUPS = path.join(__dirname, 'fixtures', 'four-groups.stack.json');
const catalog = loadCatalog();
const config = stackfitConfigSchema.parse({});

async function plan(inventory: Inventory) {
  return recommend({ inventory, usage: [], config, catalog, now: new Date('2026-11-01T00:00:00Z') });
}

describe('a fresh export with an ASG, an EKS node group, an AKS agent pool and a GKE node pool', () => {
  it('is inventoried with the right node type and count; the launch template is not a workload', () => {
    const inv = readInventory(FOUR_GROUPS);
    const seen = Object.fromEntries(inv.workloads.map((w) => [w.name, `${w.count} × ${w.size} (${w.region})`]));
    expect(seen).toEqual({
      'web-asg': '6 × m5.xlarge (us-east-1)',
      'apps-ng': '4 × m5.2xlarge (us-east-1)',
      'gpu-ng': '2 × m5.superxl (us-east-1)',
      bastion: '1 × t3.small (us-east-1)',
      'aks/system': '2 × Standard_D2s_v3 (eastus)',
      'user-pool': '3 × Standard_D4s_v3 (eastus)',
      // nodeCount 2 per zone × 2 zones; autoscaling 1–4 per zone
      'gke-pool': '4 × e2-standard-4 (us-central1)',
    });
    expect(inv.workloads.find((w) => w.name === 'gke-pool')!.pool).toMatchObject({ min: 2, max: 8, zones: 2 });
    expect(inv.workloads.find((w) => w.name === 'apps-ng')!.metricIds.awsAutoScalingGroupName).toBe(
      'eks-apps-a8c5e1f2-1234-5678-9abc-def012345678',
    );
    expect(inv.workloads.find((w) => w.name === 'web-asg')!.metricIds.awsAutoScalingGroupName).toBe('web-asg-3f9c1e2');
    expect(inv.skipped).toEqual([]);
  });

  it('is priced count × node price (hourly list price × 730 h); the unknown type gets one line and costs nothing; no metrics: one line each', async () => {
    const rec = await plan(readInventory(FOUR_GROUPS));
    const monthly = Object.fromEntries(rec.plan.items.map((i) => [i.workload.name, i.monthlyBefore]));
    expect(monthly['web-asg']).toBeCloseTo(6 * 0.192 * 730, 6);
    expect(monthly['apps-ng']).toBeCloseTo(4 * 0.384 * 730, 6);
    expect(monthly['aks/system']).toBeCloseTo(2 * 0.096 * 730, 6);
    expect(monthly['user-pool']).toBeCloseTo(3 * 0.192 * 730, 6);
    expect(monthly['gke-pool']).toBeCloseTo(4 * 97.8366732, 6);
    expect(monthly['gpu-ng']).toBeUndefined();
    expect(rec.plan.totals.unpriced).toBe(1); // gpu-ng only
    const reason = (name: string) => rec.plan.items.find((i) => i.workload.name === name)!.reason;
    expect(reason('gpu-ng')).toBe(
      'gpu-ng: m5.superxl is not a aws node type the catalog knows in us-east-1: the pool is neither priced nor sized',
    );
    expect(reason('gke-pool')).toContain('gke-pool: no pool metrics');
  });

  it('a count that is an unresolved output: one skip line, its launch template still not priced, the rest kept', async () => {
    const doc = JSON.parse(fs.readFileSync(FOUR_GROUPS, 'utf8')) as {
      deployment: { resources: { urn: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] };
    };
    const asg = doc.deployment.resources.find((r) => r.urn.endsWith('::web-asg'))!;
    asg.inputs!.desiredCapacity = UNKNOWN_VALUE;
    asg.outputs!.desiredCapacity = UNKNOWN_VALUE;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-groups-')), 'preview.json');
    fs.writeFileSync(file, JSON.stringify(doc));
    const inv = readInventory(file);
    expect(inv.skipped.map((s) => `${s.urn.split('::').pop()}: ${s.reason}`)).toEqual([
      'web-asg: node count (desiredCapacity) is an unresolved output (unknown until apply)',
    ]);
    expect(inv.workloads.map((w) => w.name).sort()).toEqual(['aks/system', 'apps-ng', 'bastion', 'gke-pool', 'gpu-ng', 'user-pool']);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('a Prometheus that cannot be reached for the pools stops the run with one line (not "no data")', async () => {
    // Port 9 (discard) on the loopback: nothing listens, the connection is refused.
    const poolUsage = prometheusPoolSource('http://127.0.0.1:9', { timeoutMs: 5_000 });
    await expect(
      recommend({ inventory: readInventory(FOUR_GROUPS), usage: [], config, catalog, now: new Date('2026-11-01T00:00:00Z'), poolUsage }),
    ).rejects.toThrow(
      /^6 of 6 pool\(s\) could not be read, so no plan is made on incomplete usage: prometheus:\/\/127\.0\.0\.1:9: web-asg: http:\/\/127\.0\.0\.1:9\/api\/v1\/query_range: request failed/,
    );
  });
});
