/**
 * Pool usage files (`pools.usageFile`, session 4) as a careless user or an attacker writes them:
 * each refused with one message naming the file (and place), bounded in size, and usage that
 * cannot be right never becomes a pool of millions of nodes (issue #13).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStackConfig } from '../../src/gitops/updaters/stack-config';
import type { PlanItem } from '../../src/model';
import { poolCountEdits } from '../../src/pools/edits';
import { readPoolUsageFile } from '../../src/usage/file/pools';
import { errorLines, REPO_ROOT, stackfit, tempDir, errorOf, writeIn } from './helpers';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real export with an ASG, EKS and AKS node groups and a GKE pool; the demo's recorded pool usage under their names. */
const FOUR_GROUPS = path.join(REPO_ROOT, 'test/pools/fixtures/four-groups.stack.json');
const demo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'stacks/usage/platform-pools.json'), 'utf8')) as {
  pools: Record<string, { cpu: number[] }>;
};
const usage = () => structuredClone({ pools: { 'apps-ng': demo.pools['shop-eks-apps']!, 'web-asg': demo.pools.batch! } });

const file = (name: string, text: string | Buffer): string => writeIn(dir, name, text);

describe('pool usage files', () => {
  it('/dev/zero, a directory, nesting 100k deep and a pool listed twice: one message naming the file', () => {
    // /dev/zero crashed Node (std::bad_alloc) reading it whole.
    expect(errorOf(() => readPoolUsageFile('/dev/zero'))).toBe('/dev/zero: pool usage file has a NUL byte at offset 0: not a text file');
    expect(errorOf(() => readPoolUsageFile(dir))).toBe(`${dir}: is a directory, not a pool usage file`);
    const deep = file('deep.json', `{"pools":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(errorOf(() => readPoolUsageFile(deep))).toBe(`${deep}: pool usage file nested more than 32 levels deep at line 1, column 41`);
    // JSON.parse keeps the last of two equal keys: the empty second entry would have replaced the pool's data.
    const good = JSON.stringify(usage());
    const dup = file('dup.json', good.replace(/\}\}$/, ',"apps-ng":{"basis":"requests","timestamps":[1],"cpu":[0]}}}'));
    expect(errorOf(() => readPoolUsageFile(dup))).toMatch(
      new RegExp(`^${dup}: invalid JSON at line 1, column \\d+: duplicate key "apps-ng" in one object$`),
    );
    expect(Object.keys(readPoolUsageFile(file('good.json', good)).pools)).toEqual(['apps-ng', 'web-asg']);
  });

  it('a sample of 1e9 cores gives no recommendation for the pool (it proposed 8 million nodes), with the reason', async () => {
    const data = usage();
    data.pools['apps-ng'].cpu[5] = 1e9;
    const usageFile = file('huge.json', JSON.stringify(data));
    const config = file('huge.yaml', `pools:\n  usageFile: ${JSON.stringify(usageFile)}\n`);
    const vmUsage = file('vm.csv', 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,bastion,cpu_cores,0.1\n');
    const run = await stackfit([
      'recommend',
      '--state',
      FOUR_GROUPS,
      '--config',
      config,
      '--usage',
      vmUsage,
      '--now',
      '2026-11-01T00:00:00Z',
      '--format',
      'json',
    ]);
    expect(errorLines(run.stderr)).toEqual([]);
    const report = JSON.parse(run.stdout) as { items: { workload: { name: string }; action: string; reason: string }[] };
    const apps = report.items.find((i) => i.workload.name === 'apps-ng')!;
    expect(apps.action).toBe('no-recommendation');
    expect(apps.reason).toMatch(
      /^no node type can run the pool: m5\.2xlarge: \d{7,} nodes at the peak, over the 1000 a pool may have \(is the pool usage right\?\)$/,
    );
    // The other pool of the same file is still sized.
    expect(report.items.find((i) => i.workload.name === 'web-asg')!.action).not.toBe('no-recommendation');
  });
});

describe("the platform demo's pool counts edited through YAML aliases", () => {
  const text = fs
    .readFileSync(path.join(REPO_ROOT, 'stacks/Pulumi.platform.yaml'), 'utf8')
    .replace('size: Standard_D8s_v5\n          desired: 4', 'size: Standard_D8s_v5\n          desired: &four 4')
    .replace('size: n2-standard-8\n          desired: 4', 'size: n2-standard-8\n          desired: *four');
  const parsed = parseStackConfig(text, 'Pulumi.platform.yaml');
  const item = (name: string, before: number, after: number) =>
    ({
      urn: `urn:pulumi:platform::stackfit-demo::x::${name}`,
      action: 'resize',
      workload: { name },
      pool: { before: { desired: before }, after: { desired: after } },
    }) as unknown as PlanItem;
  const sizeRef = (path: string[]) => ({ key: 'stackfit-demo:clusters', path });

  it('an aliased or anchored count is a manual change that says why (it said "not set next to the size")', () => {
    expect(
      poolCountEdits(item('web-gke-web', 4, 3), sizeRef(['web-gke', 'pools', 'web', 'size']), parsed, 'Pulumi.platform.yaml', {}),
    ).toEqual({
      reason:
        "the pool's desired count (4 → 3) cannot be edited in Pulumi.platform.yaml: stackfit-demo:clusters.web-gke.pools.web.desired is a YAML alias (*four) of another value, which other entries may share",
    });
    expect(
      poolCountEdits(item('tools-aks-tools', 4, 5), sizeRef(['tools-aks', 'pools', 'tools', 'size']), parsed, 'Pulumi.platform.yaml', {}),
    ).toEqual({
      reason:
        "the pool's desired count (4 → 5) cannot be edited in Pulumi.platform.yaml: stackfit-demo:clusters.tools-aks.pools.tools.desired is a YAML anchor (&four) that other values may repeat",
    });
    // Without aliases the same count is edited.
    const plain = parseStackConfig(fs.readFileSync(path.join(REPO_ROOT, 'stacks/Pulumi.platform.yaml'), 'utf8'), 'Pulumi.platform.yaml');
    expect(
      poolCountEdits(item('web-gke-web', 4, 3), sizeRef(['web-gke', 'pools', 'web', 'size']), plain, 'Pulumi.platform.yaml', {}),
    ).toMatchObject({
      edits: [{ property: 'desired', from: '4', to: '3' }],
    });
  });
});
