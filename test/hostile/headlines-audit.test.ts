/**
 * "Never silent", tried as a user (issue 12): one stack with a priced VM (`web`), a VM whose size
 * has no price in its region (`odd`, us-west-2), a VM whose size is a secret (`secret-size`) and a
 * bucket (`assets`, not compute), through the real CLI. Every output that shows a total counts and
 * names what the total leaves out: `recommend` table, JSON and Markdown, `check` text and JSON
 * (the policy pack's cost report). Built from the recorded EC2 export and a real Bitbrains trace.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStackJson } from '../../src/stack/inventory';
import { readTraceDir } from '../../src/usage/traces';
import { ensurePackBuilt } from '../policy/helpers';
import { EC2_EXPORT, REPO_ROOT, stackfit, tempDir } from './helpers';

const NOW = '2026-11-30T00:00:00Z';
const LEFT_OUT =
  'not in the totals: 1 workload(s) without a price (odd); 1 resource(s) stackfit could not read (secret-size); 1 other resource(s) stackfit does not price (assets)';
const PACK_LEFT_OUT =
  'not in the total: 2 sized resource(s) without a price (odd, secret-size); 1 other resource(s) stackfit does not price (assets).';

type Res = {
  urn: string;
  id?: string;
  type: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
};

let dir: string;
const file = (name: string): string => path.join(dir, name);

/** The stack and its usage (the first Bitbrains trace, moved to end at NOW), written to a temp dir. */
function writeFixtures(): void {
  const exported = readStackJson(EC2_EXPORT) as { deployment: { resources: Res[] } };
  const [stack, provider, ec2] = exported.deployment.resources as [Res, Res, Res];
  const east: Res = { ...provider, inputs: { region: 'us-east-1' }, outputs: { region: 'us-east-1' } };
  const west: Res = { ...provider, urn: provider.urn.replace('::default', '::west'), id: 'west-id', inputs: { region: 'us-west-2' } };
  const vm = (name: string, instanceType: unknown, on: Res): Res => ({
    ...ec2,
    urn: ec2.urn.replace('my-ec2-instance', name),
    id: `i-${name}`,
    provider: `${on.urn}::${on.id}`,
    inputs: { ...ec2.inputs, instanceType },
    outputs: { ...ec2.outputs, instanceType, id: `i-${name}`, availabilityZone: on === west ? 'us-west-2b' : 'us-east-1a' },
  });
  // A secret as `pulumi stack export` writes one without --show-secrets.
  const secret = { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:c2VjcmV0' };
  const bucket: Res = {
    urn: ec2.urn.replace('aws:ec2/instance:Instance::my-ec2-instance', 'aws:s3/bucket:Bucket::assets'),
    id: 'assets-1234',
    type: 'aws:s3/bucket:Bucket',
    provider: `${east.urn}::${east.id}`,
    inputs: { bucket: 'assets-1234' },
    outputs: { bucket: 'assets-1234' },
  };
  exported.deployment.resources = [
    stack,
    east,
    west,
    vm('web', 'm5.xlarge', east),
    vm('odd', 'm5.xlarge', west),
    vm('secret-size', secret, east),
    bucket,
  ];
  writeFileSync(file('stack.json'), JSON.stringify(exported));

  const [trace] = readTraceDir(path.join(REPO_ROOT, 'data/traces/bitbrains-rnd-2013-07'));
  const shift = Date.parse(NOW) - trace!.cpuCores.t.at(-1)!;
  const points = (s: { t: number[]; v: number[] }) => s.t.map((t, i) => [new Date(t + shift).toISOString(), s.v[i]]);
  const series = ['web', 'odd'].flatMap((resource) => [
    { resource, metric: 'cpu_cores', points: points(trace!.cpuCores) },
    { resource, metric: 'memory_gib', points: points(trace!.memoryGiB!) },
  ]);
  writeFileSync(file('usage.json'), JSON.stringify({ series }));
  writeFileSync(file('policy.json'), JSON.stringify({ 'stackfit-cost-report': 'advisory' }));
}

beforeAll(() => {
  dir = tempDir('stackfit-headlines-');
  writeFixtures();
  ensurePackBuilt();
});

const recommend = (format: string) =>
  stackfit(['recommend', '--state', file('stack.json'), '--usage', file('usage.json'), '--now', NOW, '--format', format]);

describe('every total names what it leaves out (unpriced, unreadable, not compute)', () => {
  it('recommend table: the totals line', async () => {
    const run = await recommend('table');
    expect(run.code).toBe(0);
    const total = run.stdout.split('\n').find((l) => l.startsWith('Total monthly:'));
    expect(total).toMatch(/^Total monthly: \$[\d,.]+ → \$[\d,.]+ \(.*\); /);
    expect(total!.endsWith(`; ${LEFT_OUT}`)).toBe(true);
  }, 180_000);

  it('recommend Markdown: the monthly cost headline', async () => {
    const run = await recommend('markdown');
    expect(run.code).toBe(0);
    const headline = run.stdout.split('\n').find((l) => l.startsWith('**Monthly cost:**'));
    expect(headline!.endsWith(` — ${LEFT_OUT}`)).toBe(true);
  }, 180_000);

  it('recommend JSON: the totals count each kind and the lists name them', async () => {
    const run = await recommend('json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      totals: { unpriced: number; unreadable: number; otherResources: number };
      items: { workload: { name: string }; monthlyBefore: number | null }[];
      skipped: { urn: string }[];
      otherResources: string[];
    };
    expect(report.totals).toMatchObject({ unpriced: 1, unreadable: 1, otherResources: 1 });
    expect(report.items.filter((i) => i.monthlyBefore === null).map((i) => i.workload.name)).toEqual(['odd']);
    expect(report.skipped.map((s) => s.urn.split('::').at(-1))).toEqual(['secret-size']);
    expect(report.otherResources.map((u) => u.split('::').at(-1))).toEqual(['assets']);
  }, 180_000);

  it('check text and JSON: the cost report total', async () => {
    const args = ['check', '--state', file('stack.json'), '--policy-pack-config', file('policy.json')];
    const json = await stackfit([...args, '--format', 'json']);
    expect(json.code).toBe(0);
    const diagnostics = (JSON.parse(json.stdout) as { diagnostics: { policyName: string; text: string; urn?: string }[] }).diagnostics;
    const total = diagnostics.filter((d) => d.policyName === 'stackfit-cost-report').at(-1)!.text;
    expect(total).toMatch(/^Total: \$[\d,.]+\/month for 1 priced resource\(s\); /);
    expect(total.endsWith(PACK_LEFT_OUT)).toBe(true);

    const text = await stackfit(args);
    expect(text.code).toBe(0);
    // The table wraps the message: its fragments, in order, are the message.
    const rows = text.stdout.split('\n').map((l) => l.replace(/[│┌┐└┘├┤┬┴┼─]/g, ' ').trim());
    const from = rows.findIndex((r) => r.includes('Total: $'));
    const message = rows
      .slice(from, from + 4)
      .join(' ')
      .replace(/\s+/g, ' ');
    expect(message).toContain(PACK_LEFT_OUT);
  }, 300_000);
});
