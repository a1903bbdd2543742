import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog';
import { loadConfig } from '../../src/config/index';
import { runPrCommand, type PrCommandResult } from '../../src/cli/pr';
import { planToEdits } from '../../src/gitops/edits';
import { applyConfigEdits } from '../../src/gitops/updaters/stack-config';
import type { PlanItem } from '../../src/model';
import { loadDemo, recommend } from '../../src/pipeline';
import { allocatableOf } from '../../src/pools';
import { readPoolUsageFile } from '../../src/usage/file/pools';

/**
 * The demo's platform stack end to end: the example program's pools (under mocks), their
 * recorded usage (stacks/usage/platform-pools.json, built from Bitbrains traces), pool sizing,
 * and the PR that edits each pool's type and counts in stacks/Pulumi.platform.yaml.
 */
const ROOT = path.resolve(__dirname, '../..');
const STACK_FILE = path.join(ROOT, 'stacks/Pulumi.platform.yaml');
const catalog = loadCatalog();
const config = loadConfig(path.join(ROOT, 'stackfit.yaml'));
const usage = readPoolUsageFile(path.join(ROOT, 'stacks/usage/platform-pools.json'));

let items: Map<string, PlanItem>;
let missing: { urn: string; reason: string }[];
let pr: PrCommandResult;
let prOut: string;

beforeAll(async () => {
  const demo = await loadDemo('platform', catalog);
  const rec = await recommend({
    inventory: demo.inventory,
    usage: demo.usage,
    config,
    catalog,
    now: demo.now,
    ...(demo.poolUsage && { poolUsage: demo.poolUsage }),
  });
  items = new Map(rec.plan.items.map((i) => [i.workload.name, i]));
  missing = rec.missingUsage;
  const out: string[] = [];
  pr = await runPrCommand(
    { demo: 'platform', dryRun: true, projectDir: ROOT },
    { env: {}, out: (t) => out.push(t), err: (t) => out.push(t) },
  );
  prOut = out.join('');
}, 300_000);

const peak = (values: readonly number[]): number => values.reduce((m, v) => Math.max(m, v), 0);

describe('stackfit recommend/pr --demo platform', () => {
  it('sizes every pool from its recorded usage: nothing missing, each new count carries the peak at the profile target', () => {
    expect(missing).toEqual([]);
    expect([...items.keys()].sort()).toEqual([
      'batch',
      'shop-eks-apps',
      'shop-eks-jobs',
      'tools-aks-tools',
      'tools-aks/system',
      'web-gke-web',
    ]);
    for (const [name, item] of items) {
      expect(['resize', 'keep'], name).toContain(item.action);
      const entry = usage.pools[name]!;
      const chosen = item.chosen!;
      const after = item.pool!.after;
      // prod profile: 65 % of what a node has free after DaemonSets, one node spare (N−1).
      const free = allocatableOf(chosen);
      const usableCpu = (free.cpu - entry.perNodeOverhead.cpu) * 0.65;
      const usableMem = (free.memoryGiB - entry.perNodeOverhead.memoryGiB) * 0.65;
      expect((after.desired - 1) * usableCpu, name).toBeGreaterThanOrEqual(peak(entry.cpu) - 1e-9);
      expect((after.desired - 1) * usableMem, name).toBeGreaterThanOrEqual(peak(entry.memoryGiB ?? []) - 1e-9);
      if (entry.largestPod) {
        expect(free.cpu - entry.perNodeOverhead.cpu, name).toBeGreaterThanOrEqual(entry.largestPod.cpu);
        expect(free.memoryGiB - entry.perNodeOverhead.memoryGiB, name).toBeGreaterThanOrEqual(entry.largestPod.memoryGiB);
      }
    }
  });

  it('the EKS pool whose requests fill about a third of allocatable is sized down; the one whose largest pod needs 8 cores keeps 16-vCPU nodes', () => {
    const apps = items.get('shop-eks-apps')!;
    expect(apps.pool!.evidence[0]).toMatch(/^peak pod requests 15\.0 of 47\.\d allocatable cores \(32 %\)/);
    expect(apps.action).toBe('resize');
    expect(apps.pool!.after.desired * apps.chosen!.vcpu).toBeLessThan(6 * 8);
    expect(apps.monthlyAfter!).toBeLessThan(apps.monthlyBefore!);
    const jobs = items.get('shop-eks-jobs')!;
    expect(jobs.pool!.evidence.join('\n')).toMatch(/largest pod vm-78 8\.00 cores/);
    expect(jobs.chosen!.vcpu).toBeGreaterThanOrEqual(16);
    // A fixed pool (bounds = count) stays fixed.
    expect(jobs.pool!.after).toEqual({ desired: jobs.pool!.after.desired, min: jobs.pool!.after.desired, max: jobs.pool!.after.desired });
  });

  it('the auto scaling group is priced at its average node count, before from the observed nodes, with the cost at min and max', () => {
    const batch = items.get('batch')!;
    const plan = batch.pool!;
    const entry = usage.pools.batch!;
    const observed = entry.nodes!.reduce((a, b) => a + b, 0) / entry.nodes!.length;
    expect(plan.averageNodesBefore).toBeCloseTo(observed, 6);
    expect(batch.monthlyBefore).toBeCloseTo(batch.current!.monthlyUsd * observed, 6);
    expect(batch.monthlyAfter).toBeCloseTo(batch.chosen!.monthlyUsd * plan.averageNodesAfter, 6);
    expect(plan.monthlyAtMin).toBeCloseTo(batch.chosen!.monthlyUsd * plan.after.min!, 6);
    expect(plan.monthlyAtMax).toBeCloseTo(batch.chosen!.monthlyUsd * plan.after.max!, 6);
    expect(plan.after.min!).toBeLessThanOrEqual(plan.after.desired);
    expect(plan.after.desired).toBeLessThanOrEqual(plan.after.max!);
  });

  it('the PR edits each pool type and its counts in the stack file, comments kept, nothing left manual', () => {
    const text = readFileSync(STACK_FILE, 'utf8');
    const plan = {
      items: [...items.values()],
      totals: { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
      skipped: [],
      solver: { status: 'trivial' as const, objective: 0, variables: 0, constraints: 0, millis: 0 },
    };
    const { edits, manual } = planToEdits({
      plan,
      stack: 'platform',
      configFile: 'stacks/Pulumi.platform.yaml',
      configText: text,
      config,
      projectName: 'stackfit-demo',
    });
    expect(manual).toEqual([]);
    const edited = applyConfigEdits(text, edits, 'Pulumi.platform.yaml', { projectName: 'stackfit-demo' });
    expect(edited).toContain('        # Memory-heavy analytics jobs: one pod asks for 8 cores and 32 GiB.\n');
    type Counts = { size: string; desired: number; min?: number; max?: number };
    const before = parseYaml(text).config as Record<string, Record<string, { pools?: Record<string, Counts> } & Counts>>;
    const after = parseYaml(edited).config as typeof before;
    const specOf = (doc: typeof before, name: string): Counts => {
      if (name === 'batch') return doc['stackfit-demo:autoscalingGroups']!.batch!;
      const [cluster, pool] = name.includes('/')
        ? name.split('/')
        : [name.split('-').slice(0, 2).join('-'), name.split('-').slice(2).join('-')];
      return doc['stackfit-demo:clusters']![cluster!]!.pools![pool!]!;
    };
    for (const [name, item] of items) {
      const was = specOf(before, name);
      const now = specOf(after, name);
      const counts = item.pool!.after;
      expect(now, name).toEqual({
        ...was,
        size: item.chosen!.size,
        desired: counts.desired,
        ...(was.min !== undefined && { min: counts.min }),
        ...(was.max !== undefined && { max: counts.max }),
      });
    }
    // `stackfit pr --demo platform --dry-run`: the same edits, with the pool evidence in the body.
    expect(pr.groups).toHaveLength(1);
    expect(pr.groups[0]).toMatchObject({ branch: 'stackfit/platform', action: 'dry-run', edits: edits.length, manual: 0 });
    const apps = items.get('shop-eks-apps')!;
    expect(prOut).toContain('### Node pools');
    expect(prOut).toContain(
      `\`shop-eks-apps\` (nodes 6 (3–8) → ${apps.pool!.after.desired} (${apps.pool!.after.min}–${apps.pool!.after.max}))`,
    );
    expect(prOut).toMatch(/peak pod requests 15\.0 of 47\.\d allocatable cores/);
    expect(prOut).toContain(`+          size: ${apps.chosen!.size}\n`);
  });
});
