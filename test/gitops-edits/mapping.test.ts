import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackfitConfigSchema } from '../../src/config/schema';
import type { Cloud, Plan, PlanItem } from '../../src/model';
import { loadCatalog } from '../../src/catalog/index';
import { parseWorkloadsConfig } from '../../infra/config';
import { planToEdits, applyEditsToFiles } from '../../src/gitops/edits';
import { findConfigMapping, parseMappingPath, withMappedCount } from '../../src/gitops/mapping';
import { applyConfigEdits, parseStackConfig } from '../../src/gitops/updaters/stack-config';
import { changedLines, FIXTURES, offering, planItem, readText } from './helpers';

const FILE = 'stacks/Pulumi.prod.yaml';
const fixture = readText(path.join(FIXTURES, 'Pulumi.commented.yaml'));
const WORKLOADS = 'stackfit-demo:workloads';

function plan(items: PlanItem[]): Plan {
  return {
    stack: 'prod',
    items,
    totals: { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
    skipped: [],
    solver: { status: 'optimal', objective: 0, variables: 0, constraints: 0, millis: 0 },
  };
}

function run(items: PlanItem[], config: unknown = {}, text = fixture) {
  return planToEdits({
    plan: plan(items),
    stack: 'prod',
    configFile: FILE,
    configText: text,
    config: stackfitConfigSchema.parse(config),
    projectName: 'stackfit-demo',
  });
}

const web = (to = 'm6i.large') =>
  planItem({
    name: 'web',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'm5.large',
    count: 3,
    to: { size: to },
    configRef: { key: WORKLOADS, path: ['web', 'size'] },
  });
const apiMove = () =>
  planItem({
    name: 'api',
    cloud: 'aws',
    region: 'us-east-1',
    size: 'c5.large',
    count: 2,
    to: { cloud: 'gcp', region: 'us-central1', size: 'e2-standard-2' },
    configRef: { key: WORKLOADS, path: ['api', 'size'] },
  });

describe('planToEdits: the example project schema (workload.configRef)', () => {
  it('resizes in place and moves with size, cloud and region edits, keeping the file byte-identical elsewhere', () => {
    const { edits, manual } = run([web(), apiMove()]);
    expect(manual).toEqual([]);
    expect(edits.map((e) => [e.ref.path.join('.'), e.from, e.to])).toEqual([
      ['api.cloud', 'aws', 'gcp'],
      ['api.region', 'us-east-1', 'us-central1'],
      ['api.size', 'c5.large', 'e2-standard-2'],
      ['web.size', 'm5.large', 'm6i.large'],
    ]);
    for (const e of edits) {
      expect(e.file).toBe(FILE);
      expect(e.stack).toBe('prod');
      expect(e.ref.key).toBe(WORKLOADS);
    }
    expect(edits[0]!.urns).toEqual(['urn:pulumi:prod::stackfit-demo::aws:ec2/instance:Instance::api']);
    const out = applyConfigEdits(fixture, edits, FILE);
    expect(changedLines(fixture, out).map((d) => d.after)).toEqual([
      '      size: m6i.large   # sized for the spring peak\n',
      '      size: "e2-standard-2"\n',
      "      cloud: 'gcp'\n",
      '      region: "us-central1"\n',
    ]);
  });

  it('works on the files of several stacks at once', () => {
    const { edits } = run([web()]);
    const out = applyEditsToFiles(new Map([[FILE, fixture]]), edits);
    expect([...out.keys()]).toEqual([FILE]);
    expect(changedLines(fixture, out.get(FILE)!)).toHaveLength(1);
  });

  it('makes a manual change when the config does not hold the running size (stale or undeployed)', () => {
    const item = planItem({
      name: 'web',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.xlarge',
      to: { size: 'm5.large' },
      configRef: { key: WORKLOADS, path: ['web', 'size'] },
    });
    const { edits, manual } = run([item]);
    expect(edits).toEqual([]);
    expect(manual).toEqual([
      {
        urn: item.urn,
        property: 'size',
        from: 'm5.xlarge',
        to: 'm5.large',
        reason:
          'stackfit-demo:workloads.web.size in Pulumi.prod.yaml is m5.large, but the resource runs m5.xlarge (not deployed yet, or the mapping is wrong)',
      },
    ]);
  });

  it('ignores keep / no-recommendation items and items of other stacks', () => {
    const keep: PlanItem = { ...web(), action: 'keep' };
    const other = planItem({
      name: 'web',
      stack: 'dev',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.large',
      to: { size: 'm6i.large' },
      configRef: { key: WORKLOADS, path: ['web', 'size'] },
    });
    expect(run([keep, other])).toEqual({ edits: [], manual: [] });
  });
});

describe('planToEdits: explicit mappings in stackfit.yaml', () => {
  it('uses a mapping by resource name, with a bare key and a dotted path', () => {
    const cache = planItem({ name: 'cache', cloud: 'aws', region: 'us-east-1', size: 'm6g.large', to: { size: 'm7g.large' } });
    const admin = planItem({ name: 'admin', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.small' } });
    const { edits, manual } = run([cache, admin], {
      mappings: [
        { resource: 'cache', configKey: 'cacheSizes', path: '1' },
        { resource: admin.urn, configKey: 'stackfit-demo:adminSize' },
        { resource: 'admin', configKey: 'bastionSize', stack: 'dev' },
      ],
    });
    expect(manual).toEqual([]);
    expect(edits.map((e) => [e.ref.key, e.ref.path, e.from, e.to])).toEqual([
      ['stackfit-demo:adminSize', [], 't3.medium', 't3.small'],
      ['stackfit-demo:cacheSizes', [1], 'm6g.large', 'm7g.large'],
    ]);
    expect(changedLines(fixture, applyConfigEdits(fixture, edits)).map((d) => d.after)).toEqual([
      '  stackfit-demo:adminSize: t3.small # same size as the bastion\n',
      "    - 'm7g.large'\n",
    ]);
  });

  it('a mapping overrides the inventory, and moves through a mapping use the cloud/region siblings', () => {
    const api = apiMove();
    const { edits } = run([api], { mappings: [{ resource: 'api', configKey: 'workloads', path: ['api', 'size'] }] });
    expect(edits.map((e) => e.ref.path.join('.'))).toEqual(['api.cloud', 'api.region', 'api.size']);
  });

  it('never edits a secure value, even when a mapping points at it', () => {
    const item = planItem({ name: 'db', cloud: 'aws', region: 'us-east-1', size: 'r5.large', to: { size: 'r6i.large' } });
    const { edits, manual } = run([item], { mappings: [{ resource: 'db', configKey: 'dbPassword', path: 'secure' }] });
    expect(edits).toEqual([]);
    expect(manual[0]!.reason).toBe(
      'the stackfit.yaml mapping points at dbPassword.secure in Pulumi.prod.yaml, but stackfit-demo:dbPassword is a secure (encrypted) value',
    );
  });
});

describe('planToEdits: inference by value', () => {
  it('maps a size that appears exactly once, inside a list', () => {
    const cache = planItem({ name: 'cache', cloud: 'aws', region: 'us-east-1', size: 'r5.large', to: { size: 'r6i.large' } });
    const { edits, manual } = run([cache]);
    expect(manual).toEqual([]);
    expect(edits).toEqual([
      {
        file: FILE,
        stack: 'prod',
        ref: { key: 'stackfit-demo:cacheSizes', path: [0] },
        from: 'r5.large',
        to: 'r6i.large',
        urns: [cache.urn],
      },
    ]);
  });

  it('refuses a value that appears several times, or not at all, saying so', () => {
    const bastion = planItem({ name: 'bastion', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.small' } });
    const big = planItem({ name: 'big', cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', to: { size: 'm5.xlarge' } });
    const { edits, manual } = run([bastion, big]);
    expect(edits).toEqual([]);
    expect(manual.map((m) => [m.urn.split('::').pop(), m.property, m.from, m.to, m.reason])).toEqual([
      [
        'bastion',
        'size',
        't3.medium',
        't3.small',
        'value t3.medium appears 2 times in Pulumi.prod.yaml (stackfit-demo:bastionSize (line 47), stackfit-demo:adminSize (line 48)): add a `mappings:` entry in stackfit.yaml',
      ],
      ['big', 'size', 'm5.2xlarge', 'm5.xlarge', 'size is not set from config: value m5.2xlarge does not appear in Pulumi.prod.yaml'],
    ]);
  });

  it('never infers where cloud and region live: a move found by value is manual, one entry per property', () => {
    const cache = planItem({
      name: 'cache',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'r5.large',
      to: { cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5' },
    });
    const { edits, manual } = run([cache]);
    expect(edits).toEqual([]);
    expect(manual.map((m) => [m.property, m.from, m.to])).toEqual([
      ['cloud', 'aws', 'azure'],
      ['region', 'us-east-1', 'eastus'],
      ['size', 'r5.large', 'Standard_D4s_v5'],
    ]);
  });

  it('a move is manual when the size key has no cloud/region siblings', () => {
    const item = planItem({
      name: 'b',
      cloud: 'aws',
      region: 'us-east-1',
      size: 't3.medium',
      to: { cloud: 'gcp', region: 'us-central1', size: 'e2-standard-2' },
    });
    const { manual } = run([item], { mappings: [{ resource: 'b', configKey: 'bastionSize' }] });
    expect(manual.map((m) => m.reason)[0]).toBe(
      'cloud is not set from config next to stackfit-demo:bastionSize in Pulumi.prod.yaml: a move needs size, cloud and region in config',
    );
  });

  it('resources sharing one value: one edit if they agree, manual for all if they do not', () => {
    const a = planItem({ name: 'a', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.small' } });
    const b = planItem({ name: 'b', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.small' } });
    const c = planItem({ name: 'c', cloud: 'aws', region: 'us-east-1', size: 't3.medium', to: { size: 't3.large' } });
    const mappings = ['a', 'b', 'c'].map((resource) => ({ resource, configKey: 'bastionSize' }));
    const agree = run([a, b], { mappings });
    expect(agree.edits).toHaveLength(1);
    expect(agree.edits[0]!.urns).toEqual([a.urn, b.urn]);
    const disagree = run([a, c], { mappings });
    expect(disagree.edits).toEqual([]);
    expect(disagree.manual.map((m) => m.urn)).toEqual([a.urn, c.urn]);
    expect(disagree.manual[0]!.reason).toMatch(/were given different sizes/);
  });
});

describe('planToEdits: zone, arch and image next to the size (the example project schema)', () => {
  const ref = (name: string) => ({ key: WORKLOADS, path: [name, 'size'] });
  const search = (to: { cloud?: 'aws' | 'azure' | 'gcp'; region?: string; size: string }) =>
    planItem({ name: 'search', cloud: 'gcp', region: 'europe-west1', size: 'n2-highmem-8', count: 2, to, configRef: ref('search') });

  it('moves a GCP workload to another region with its zone', () => {
    const { edits, manual } = run([search({ region: 'us-central1', size: 'n2-highmem-4' })]);
    expect(manual).toEqual([]);
    expect(edits.map((e) => [e.ref.path.join('.'), e.from, e.to])).toEqual([
      ['search.region', 'europe-west1', 'us-central1'],
      ['search.size', 'n2-highmem-8', 'n2-highmem-4'],
      ['search.zone', 'europe-west1-c', 'us-central1-b'],
    ]);
    expect(changedLines(fixture, applyConfigEdits(fixture, edits)).map((d) => d.after.trim())).toEqual([
      'region: us-central1',
      'zone: us-central1-b',
      'size: n2-highmem-4',
    ]);
  });

  it('keeps the zone of a GCP workload resized in place, and drops it when the workload leaves GCP', () => {
    expect(run([search({ size: 'n2-highmem-4' })]).edits.map((e) => e.ref.path.join('.'))).toEqual(['search.size']);
    const off = run([search({ cloud: 'aws', region: 'us-east-1', size: 'r5.2xlarge' })]);
    expect(off.manual).toEqual([]);
    expect(off.edits.map((e) => [e.op ?? 'set', e.ref.path.join('.'), e.from, e.to])).toEqual([
      ['set', 'search.cloud', 'gcp', 'aws'],
      ['set', 'search.region', 'europe-west1', 'us-east-1'],
      ['set', 'search.size', 'n2-highmem-8', 'r5.2xlarge'],
      ['remove', 'search.zone', 'europe-west1-c', ''],
    ]);
    const after = applyConfigEdits(fixture, off.edits);
    expect(after).toBe(
      fixture.replace(
        '      cloud: gcp\n      region: europe-west1\n      zone: europe-west1-c\n      size: n2-highmem-8\n',
        '      cloud: aws\n      region: us-east-1\n      size: r5.2xlarge\n',
      ),
    );
  });

  it('edits arch with the size when the architecture changes and arch is set', () => {
    const queue = planItem({
      name: 'queue',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm7g.large',
      to: { size: 'm6i.large' },
      configRef: ref('queue'),
    });
    const { edits, manual } = run([queue]);
    expect(manual).toEqual([]);
    expect(edits.map((e) => [e.ref.path.join('.'), e.from, e.to])).toEqual([
      ['queue.arch', 'arm64', 'amd64'],
      ['queue.size', 'm7g.large', 'm6i.large'],
    ]);
  });

  it('adds `arch: arm64` for an arm64 target when arch is not set (the default is amd64)', () => {
    const { edits, manual } = run([web('m6g.large')]);
    expect(manual).toEqual([]);
    expect(edits.map((e) => [e.op ?? 'set', e.ref.path.join('.'), e.to])).toEqual([
      ['add', 'web.arch', 'arm64'],
      ['set', 'web.size', 'm6g.large'],
    ]);
    const after = applyConfigEdits(fixture, edits);
    expect(after).toBe(
      fixture
        .replace('      size: m5.large   # sized for the spring peak\n', '      size: m6g.large   # sized for the spring peak\n')
        .replace('      group: frontend\n', '      group: frontend\n      arch: arm64\n'),
    );
  });

  it('leaves an arm64 target to a person when the workload is a {…} flow object', () => {
    const batch = planItem({
      name: 'batch',
      cloud: 'aws',
      region: 'us-east-1',
      size: 'm5.xlarge',
      to: { size: 'm6g.xlarge' },
      configRef: ref('batch'),
    });
    const { edits, manual } = run([batch]);
    expect(edits).toEqual([]);
    expect(manual[0]!.reason).toBe(
      'm6g.xlarge is arm64: add `arch: arm64` next to stackfit-demo:workloads.batch.size in Pulumi.prod.yaml by hand',
    );
  });

  it('leaves a workload with its own OS image to a person when the cloud or architecture changes', () => {
    const legacy = (to: { cloud?: 'gcp'; region?: string; size: string }) =>
      planItem({ name: 'legacy', cloud: 'aws', region: 'us-east-1', size: 'm5.xlarge', to, configRef: ref('legacy') });
    expect(run([legacy({ size: 'm6i.xlarge' })]).edits).toHaveLength(1);
    const moved = run([legacy({ cloud: 'gcp', region: 'us-central1', size: 'e2-standard-4' })]);
    expect(moved.edits).toEqual([]);
    expect(moved.manual[0]!.reason).toMatch(
      /^stackfit-demo:workloads\.legacy\.image in Pulumi\.prod\.yaml sets an OS image for aws\/amd64: choose one for gcp\/amd64/,
    );
  });
});

describe('planToEdits: Azure names', () => {
  it('matches Azure VM sizes and locations case-insensitively, and edits the value as written', () => {
    const text = 'config:\n  shop:vmSize: Standard_D4s_v5\n';
    const item = planItem({ name: 'vm', cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5', to: { size: 'Standard_D2s_v5' } });
    const lower: PlanItem = { ...item, workload: { ...item.workload, size: 'standard_d4s_v5' } };
    const result = planToEdits({
      plan: plan([lower]),
      stack: 'prod',
      configFile: FILE,
      configText: text,
      config: stackfitConfigSchema.parse({}),
      projectName: 'shop',
    });
    expect(result.manual).toEqual([]);
    expect(result.edits.map((e) => [e.ref.key, e.from, e.to])).toEqual([['shop:vmSize', 'Standard_D4s_v5', 'Standard_D2s_v5']]);
    expect(applyConfigEdits(text, result.edits)).toBe('config:\n  shop:vmSize: Standard_D2s_v5\n');
  });
});

describe('mapping helpers', () => {
  it('parses dotted and list paths', () => {
    expect(parseMappingPath('workloads.0.size')).toEqual(['workloads', '0', 'size']);
    expect(parseMappingPath(['a', 1])).toEqual(['a', 1]);
    expect(parseMappingPath(undefined)).toEqual([]);
  });

  it('finds the cloud and region siblings of the example schema', () => {
    const parsed = parseStackConfig(fixture, FILE);
    const found = findConfigMapping(web().workload, {
      parsed,
      fileName: 'Pulumi.prod.yaml',
      stack: 'prod',
      projectName: 'stackfit-demo',
      config: stackfitConfigSchema.parse({}),
    });
    expect(found).toEqual({
      ok: true,
      mapping: {
        source: 'workload',
        size: { key: WORKLOADS, path: ['web', 'size'] },
        cloud: { key: WORKLOADS, path: ['web', 'cloud'] },
        region: { key: WORKLOADS, path: ['web', 'region'] },
        count: { key: WORKLOADS, path: ['web', 'count'] },
        current: { size: 'm5.large', cloud: 'aws', region: 'us-east-1', count: '3' },
      },
    });
  });
});

describe('a mappings: entry naming the count key', () => {
  const text = 'config:\n  shop:size: m5.large # the API\n  shop:apiCount: 3\n  shop:note: three\n';
  const ctx = (mapping: Record<string, unknown>) => ({
    parsed: parseStackConfig(text, 'Pulumi.prod.yaml'),
    fileName: 'Pulumi.prod.yaml',
    stack: 'prod',
    projectName: 'shop',
    config: stackfitConfigSchema.parse({ mappings: [{ resource: 'web', configKey: 'shop:size', ...mapping }] }),
  });
  const workload = { ...web().workload };
  delete workload.configRef;

  it('finds the count at countKey, and makes the workload count a decision', () => {
    const found = findConfigMapping(workload, ctx({ countKey: 'shop:apiCount' }));
    expect(found).toMatchObject({
      ok: true,
      mapping: { count: { key: 'shop:apiCount', path: [] }, current: { size: 'm5.large', count: '3' } },
    });
    const config = stackfitConfigSchema.parse({ mappings: [{ resource: 'web', configKey: 'shop:size', countKey: 'shop:apiCount' }] });
    expect(withMappedCount(config, workload, 'prod').countRef).toEqual({ key: 'shop:apiCount', path: [] });
    expect(withMappedCount(stackfitConfigSchema.parse({}), workload, 'prod')).toBe(workload);
  });

  it('refuses a count key that is missing or not a whole number, naming it', () => {
    const missing = findConfigMapping(workload, ctx({ countKey: 'shop:apiCounts' }));
    expect(missing).toMatchObject({ ok: false });
    expect(!missing.ok && missing.reason).toContain("the stackfit.yaml mapping's count points at shop:apiCounts in Pulumi.prod.yaml");
    const word = findConfigMapping(workload, ctx({ countKey: 'shop:note' }));
    expect(!word.ok && word.reason).toContain('shop:note in Pulumi.prod.yaml, but it is three, not a whole number');
  });
});

describe('planToEdits on the example project stacks', () => {
  for (const stack of ['prod', 'dev']) {
    const file = path.resolve(__dirname, `../../stacks/Pulumi.${stack}.yaml`);
    const configFile = `stacks/Pulumi.${stack}.yaml`;
    const load = () => {
      const text = readText(file);
      const workloads = parseStackConfig(text, file).doc.toJS().config[WORKLOADS] as Record<
        string,
        { size: string; cloud: Cloud; region: string; count: number }
      >;
      return { text, workloads };
    };
    const toEdits = (items: PlanItem[], text: string) =>
      planToEdits({
        plan: plan(items),
        stack,
        configFile,
        configText: text,
        config: stackfitConfigSchema.parse({}),
        projectName: 'stackfit-demo',
      });

    it(`${configFile}: right-sizes every workload in place, one line each`, () => {
      const { text, workloads } = load();
      const items = Object.entries(workloads).map(([name, w]) => {
        // A real neighbour: the same family and architecture, in the same place, one step smaller or larger.
        const current = offering(w.cloud, w.region, w.size);
        const family = loadCatalog()
          .offerings({ cloud: w.cloud, region: w.region, kind: 'vm' })
          .filter((o) => o.family === current.family && o.arch === current.arch && o.size !== w.size && o.gpus === 0)
          .sort((a, b) => Math.abs(a.vcpu - current.vcpu / 2) - Math.abs(b.vcpu - current.vcpu / 2) || (a.size < b.size ? -1 : 1));
        const target = family[0]!;
        return planItem({
          name,
          stack,
          cloud: w.cloud,
          region: w.region,
          size: w.size,
          count: w.count,
          to: { size: target.size },
          configRef: { key: WORKLOADS, path: [name, 'size'] },
        });
      });
      const { edits, manual } = toEdits(items, text);
      expect(manual).toEqual([]);
      expect(edits).toHaveLength(items.length);
      const out = applyConfigEdits(text, edits, configFile);
      const diff = changedLines(text, out);
      expect(diff).toHaveLength(items.length);
      for (const d of diff) expect(d.after).toMatch(/^ {6}size: \S+\n$/);
      expect(() => parseWorkloadsConfig(parseStackConfig(out, file).doc.toJS().config[WORKLOADS], WORKLOADS)).not.toThrow();
    });

    it(`${configFile}: moves a workload across clouds, and a GCP one across regions with its zone`, () => {
      const { text, workloads } = load();
      const items: PlanItem[] = [];
      const aws = Object.entries(workloads).find(([, w]) => w.cloud === 'aws' && offering('aws', w.region, w.size).arch === 'amd64');
      expect(aws, 'an amd64 AWS workload to move').toBeDefined();
      if (aws) {
        const [name, w] = aws;
        items.push(
          planItem({
            name,
            stack,
            cloud: 'aws',
            region: w.region,
            size: w.size,
            count: w.count,
            to: { cloud: 'azure', region: 'eastus', size: 'Standard_D4s_v5' },
            configRef: { key: WORKLOADS, path: [name, 'size'] },
          }),
        );
      }
      const zoned = Object.entries(workloads).find(([, w]) => w.cloud === 'gcp' && 'zone' in w);
      // Every stack file with a zone must exercise the zone move.
      expect(zoned !== undefined).toBe(/^\s+zone:/m.test(text));
      if (zoned) {
        const [name, w] = zoned;
        items.push(
          planItem({
            name,
            stack,
            cloud: 'gcp',
            region: w.region,
            size: w.size,
            count: w.count,
            to: { cloud: 'aws', region: 'us-east-1', size: 'r6i.2xlarge' },
            configRef: { key: WORKLOADS, path: [name, 'size'] },
          }),
        );
      }
      const gcp = Object.entries(workloads).find(([n, w]) => w.cloud === 'gcp' && w.region !== 'europe-west1' && n !== zoned?.[0]);
      expect(zoned ?? gcp, 'a GCP workload to move').toBeDefined();
      if (gcp) {
        const [name, w] = gcp;
        items.push(
          planItem({
            name,
            stack,
            cloud: 'gcp',
            region: w.region,
            size: w.size,
            count: w.count,
            to: { region: 'europe-west1', size: 'e2-standard-2' },
            configRef: { key: WORKLOADS, path: [name, 'size'] },
          }),
        );
      }
      expect(items.length).toBeGreaterThan(0);
      const { edits, manual } = toEdits(items, text);
      expect(manual).toEqual([]);
      const out = applyConfigEdits(text, edits, configFile);
      const after = parseStackConfig(out, file).doc.toJS().config[WORKLOADS] as Record<string, Record<string, unknown>>;
      for (const item of items) {
        const spec = after[item.workload.name]!;
        expect([spec.cloud, spec.region, spec.size]).toEqual([item.chosen!.cloud, item.chosen!.region, item.chosen!.size]);
        // A zone, where there is one, lies inside the (new) region.
        expect(spec.zone === undefined || (typeof spec.zone === 'string' && spec.zone.startsWith(`${String(spec.region)}-`))).toBe(true);
        if (spec.cloud !== 'gcp') expect(spec.zone).toBeUndefined();
      }
      // One changed line per set edit, one line gone per removal, nothing else.
      const removed = edits.filter((e) => e.op === 'remove').length;
      expect(text.split('\n').length - out.split('\n').length).toBe(removed);
      // The example program accepts the edited config (zone inside the new region, etc.).
      expect(() => parseWorkloadsConfig(after, WORKLOADS)).not.toThrow();
    });
  }
});
