import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory, readInventory } from '../../src/stack';
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from '../../src/stack/values';

const DATA = path.resolve(__dirname, '../../data/pulumi');
const file = (rel: string): string => path.join(DATA, rel);
const load = (rel: string): Record<string, any> => JSON.parse(readFileSync(file(rel), 'utf8'));

const EC2 = 'stack-export/pulumi-aws-recorded-ec2-instance-5.42.0.stack.json';
const RDS = 'stack-export/pulumi-aws-recorded-rds-instance-5.42.0.stack.json';
const CLOUD_EXAMPLE = 'stack-export/pulumi-docs-rest-api-export-example.json';
const STRATIFY = 'stack-export/stratify-sample-export.json';

describe('every real Pulumi file reads', () => {
  const all = ['stack-export', 'checkpoint', 'preview-json'].flatMap((dir) =>
    readdirSync(path.join(DATA, dir)).map((name) => `${dir}/${name}`),
  );

  it('finds the staged files', () => {
    expect(all).toHaveLength(9);
  });

  it.each(all)('%s', (rel) => {
    const inventory = readInventory(file(rel));
    expect(inventory.source).toBe(file(rel));
    // Only the two recorded AWS exports hold sized compute; nothing else is a workload or a skip.
    const expected = rel === EC2 || rel === RDS ? 1 : 0;
    expect(inventory.workloads).toHaveLength(expected);
    expect(inventory.skipped).toEqual([]);
  });
});

describe('pulumi stack export (v3)', () => {
  it('reads the recorded EC2 instance: size, region, zone, ids', () => {
    const inventory = readInventory(file(EC2));
    expect(inventory).toMatchObject({ project: 'ec2-instance', stack: 'test' });
    expect(inventory.workloads).toEqual([
      {
        urn: 'urn:pulumi:test::ec2-instance::aws:ec2/instance:Instance::my-ec2-instance',
        name: 'my-ec2-instance',
        type: 'aws:ec2/instance:Instance',
        kind: 'vm',
        cloud: 'aws',
        region: 'us-west-2',
        zone: 'us-west-2b',
        size: 't2.micro',
        count: 1,
        // The AMI is not a resource of this stack: Linux is an assumption, and says so.
        os: 'linux',
        osEvidence: 'OS assumed Linux: ami ami-a0cfeed8 is not described in this stack (a getAmi lookup is not recorded in state)',
        cpuCredits: 'standard',
        // rootBlockDevice.volumeSize: what a move would copy.
        diskGiB: 8,
        metricIds: {
          name: 'my-ec2-instance',
          awsInstanceId: 'i-0ecb41f78d825dd80',
          hostname: 'ip-172-31-17-30.us-west-2.compute.internal',
        },
        stack: 'test',
      },
    ]);
  });

  it('reads the recorded RDS instance as a database, ignoring its secret password', () => {
    const [db] = readInventory(file(RDS)).workloads;
    expect(db).toEqual({
      urn: 'urn:pulumi:test::test::aws:rds/instance:Instance::tested-resource',
      name: 'tested-resource',
      type: 'aws:rds/instance:Instance',
      kind: 'database',
      cloud: 'aws',
      region: 'us-west-2',
      zone: 'us-west-2a',
      size: 'db.t4g.micro',
      count: 1,
      engine: 'postgres',
      multiAz: false,
      metricIds: {
        name: 'tested-resource',
        awsDbInstanceId: 'tested-resource32446a6',
        hostname: 'tested-resource32446a6.chuqccm8uxqx.us-west-2.rds.amazonaws.com',
      },
      stack: 'test',
    });
  });

  it('takes the stack name given by the caller over the URN', () => {
    expect(readInventory(file(EC2), { stack: 'prod' }).workloads[0]?.stack).toBe('prod');
  });

  it('skips an instance whose size is a secret, with the reason', () => {
    const doc = load(EC2);
    const ec2 = doc.deployment.resources[2];
    const secret = { [SIG_KEY]: SECRET_SIG, ciphertext: 'v1:abc:def' };
    ec2.inputs.instanceType = secret;
    ec2.outputs.instanceType = secret;
    const inventory = parseInventory(doc, 'secret.json');
    expect(inventory.workloads).toEqual([]);
    expect(inventory.skipped).toEqual([
      { urn: ec2.urn, type: 'aws:ec2/instance:Instance', reason: 'size (instanceType) is a secret: not read' },
    ]);
  });

  it('reports a sized type stackfit does not read as unsupported', () => {
    const doc = load(EC2);
    doc.deployment.resources[2].type = 'aws:elasticache/cluster:Cluster';
    const inventory = parseInventory(doc, 'cache.json');
    expect(inventory.workloads).toEqual([]);
    expect(inventory.skipped[0]?.reason).toMatch(/^unsupported type: aws:elasticache\/cluster:Cluster/);
  });

  it('ignores the old copy of a replaced resource (`delete: true`)', () => {
    const doc = load(EC2);
    const old = structuredClone(doc.deployment.resources[2]);
    old.delete = true;
    old.inputs.instanceType = 't2.nano';
    doc.deployment.resources.push(old);
    const inventory = parseInventory(doc, 'replace.json');
    expect(inventory.workloads.map((w) => w.size)).toEqual(['t2.micro']);
  });

  it('reads the region from the provider resource when the instance has no zone or ARN', () => {
    const doc = load(CLOUD_EXAMPLE);
    const provider = doc.deployment.resources[1];
    expect(provider.inputs.region).toBe('us-west-2');
    const ec2 = structuredClone(load(EC2).deployment.resources[2]);
    ec2.urn = 'urn:pulumi:dev-user1::demo-aws-ts-webserver::aws:ec2/instance:Instance::web';
    delete ec2.outputs.availabilityZone;
    delete ec2.outputs.arn;
    ec2.provider = `${provider.urn}::${provider.id}`;
    doc.deployment.resources.push(ec2);
    // Stack config says otherwise: the explicit provider wins, as it does in Pulumi.
    const [web] = parseInventory(doc, 'x.json', { stackConfig: { 'aws:region': 'eu-west-1' } }).workloads;
    expect(web).toMatchObject({ name: 'web', region: 'us-west-2', size: 't2.micro', stack: 'dev-user1' });
    expect(web?.zone).toBeUndefined();
  });

  it('falls back to the stack config region for a default provider without one', () => {
    const doc = load(STRATIFY);
    const provider = doc.deployment.resources[1];
    expect(provider.type).toBe('pulumi:providers:aws');
    const ec2 = structuredClone(load(EC2).deployment.resources[2]);
    ec2.urn = 'urn:pulumi:dev::sample::aws:ec2/instance:Instance::box';
    ec2.outputs = { id: 'i-0123456789abcdef0' };
    ec2.provider = `${provider.urn}::${provider.id}`;
    doc.deployment.resources.push(ec2);
    expect(parseInventory(doc, 'x.json').workloads[0]?.region).toBeUndefined();
    const [box] = parseInventory(doc, 'x.json', { stackConfig: { 'aws:region': 'ca-central-1' } }).workloads;
    expect(box).toMatchObject({ region: 'ca-central-1', metricIds: { name: 'box', awsInstanceId: 'i-0123456789abcdef0' } });
  });
});

describe('checkpoint files (DIY backend)', () => {
  it.each(['checkpoint/pulumi-checkpoint-v3-secrets-b64.json', 'checkpoint/pulumi-checkpoint-v4-features.json'])(
    '%s: reads the deployment inside the wrapper',
    (rel) => {
      const inventory = readInventory(file(rel));
      expect(inventory).toMatchObject({ project: 'countdown', stack: 'foo', workloads: [], skipped: [] });
    },
  );

  it('reads compute inside a v4 checkpoint (with features)', () => {
    const doc = load('checkpoint/pulumi-checkpoint-v4-features.json');
    expect(doc.features).toEqual(['refreshBeforeUpdate']);
    const ec2 = structuredClone(load(EC2).deployment.resources[2]);
    ec2.urn = 'urn:pulumi:foo::countdown::aws:ec2/instance:Instance::box';
    delete ec2.provider;
    doc.checkpoint.latest.resources.push(ec2);
    const [box] = parseInventory(doc, 'cp.json').workloads;
    expect(box).toMatchObject({ name: 'box', size: 't2.micro', region: 'us-west-2', stack: 'foo' });
  });
});

describe('pulumi preview --json', () => {
  const CREATES = 'preview-json/stratify-sample-preview-creates.json';
  const DELETES = 'preview-json/stratify-sample-preview-deletes.json';
  const UPDATE = 'preview-json/stratify-sample-preview-update.json';

  /** The real EC2 resource as a preview would show it being created: inputs only. */
  function createStep(doc: Record<string, any>, instanceType: unknown): Record<string, any> {
    const bucketStep = doc.steps[1];
    const ec2 = load(EC2).deployment.resources[2];
    const urn = 'urn:pulumi:dev::sample::aws:ec2/instance:Instance::box';
    return {
      op: 'create',
      urn,
      provider: bucketStep.provider,
      newState: {
        urn,
        custom: true,
        type: ec2.type,
        inputs: { ...ec2.inputs, instanceType },
        parent: 'urn:pulumi:dev::sample::pulumi:pulumi:Stack::sample-dev',
        provider: bucketStep.provider,
      },
    };
  }

  it('reads an instance being created from its new state, region from stack config', () => {
    const doc = load(CREATES);
    // The provider id is unknown in a first preview; the region comes from stack config.
    expect(doc.steps[1].provider).toContain(UNKNOWN_VALUE);
    doc.steps.push(createStep(doc, 'm5.large'));
    const inventory = parseInventory(doc, 'p.json', { stackConfig: { 'aws:region': 'us-east-2' } });
    expect(inventory.workloads).toEqual([
      {
        urn: 'urn:pulumi:dev::sample::aws:ec2/instance:Instance::box',
        name: 'box',
        type: 'aws:ec2/instance:Instance',
        kind: 'vm',
        cloud: 'aws',
        region: 'us-east-2',
        size: 'm5.large',
        count: 1,
        os: 'linux',
        osEvidence: 'OS assumed Linux: ami ami-a0cfeed8 is not described in this stack (a getAmi lookup is not recorded in state)',
        metricIds: { name: 'box' },
        stack: 'dev',
      },
    ]);
  });

  it('uses the config recorded in the preview when none is given', () => {
    const doc = load(CREATES);
    doc.config['aws:region'] = 'ap-south-1';
    doc.steps.push(createStep(doc, 'c6i.large'));
    expect(parseInventory(doc, 'p.json').workloads[0]?.region).toBe('ap-south-1');
  });

  it('skips a size that is unknown during preview', () => {
    const doc = load(CREATES);
    doc.steps.push(createStep(doc, UNKNOWN_VALUE));
    const inventory = parseInventory(doc, 'p.json');
    expect(inventory.workloads).toEqual([]);
    expect(inventory.skipped).toEqual([
      {
        urn: 'urn:pulumi:dev::sample::aws:ec2/instance:Instance::box',
        type: 'aws:ec2/instance:Instance',
        reason: 'size (instanceType) is unknown during preview',
      },
    ]);
  });

  it('reports sized resources the preview deletes as skipped, and ignores deleted non-compute', () => {
    const doc = load(DELETES);
    expect(parseInventory(doc, 'd.json').skipped).toEqual([]);
    const step = doc.steps.find((s: { op: string }) => s.op === 'delete');
    const ec2 = load(EC2).deployment.resources[2];
    step.oldState = { ...ec2, urn: step.urn.replace(/aws:s3\/bucketNotification:BucketNotification/, 'aws:ec2/instance:Instance') };
    step.urn = step.oldState.urn;
    const inventory = parseInventory(doc, 'd.json');
    expect(inventory.workloads).toEqual([]);
    expect(inventory.skipped).toEqual([{ urn: step.urn, type: 'aws:ec2/instance:Instance', reason: 'deleted by this preview' }]);
  });

  it('reads an update from the new state: the size the preview is about to set', () => {
    const doc = load(UPDATE);
    const step = doc.steps.find((s: { op: string }) => s.op === 'update');
    expect(step.urn).toContain('aws:lambda/function:Function');
    const ec2 = load(EC2).deployment.resources[2];
    const urn = 'urn:pulumi:dev::sample::aws:ec2/instance:Instance::box';
    step.urn = urn;
    step.oldState = { ...ec2, urn };
    step.newState = { ...ec2, urn, inputs: { ...ec2.inputs, instanceType: 't3.small' } };
    const [box] = parseInventory(doc, 'u.json').workloads;
    // New size from the inputs; ids and zone still from the outputs.
    expect(box).toMatchObject({ size: 't3.small', region: 'us-west-2', metricIds: { awsInstanceId: 'i-0ecb41f78d825dd80' } });
  });
});
