/**
 * A run whose usage inputs failed makes no GitHub writes: end to end through `runPrCommand`
 * (what `stackfit pr` and the Action run) against the fake GitHub holding an open stackfit PR.
 * Before issue #13 the failure read as "no recommendation" and the open PR was autoclosed and its
 * branch deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrCommand } from '../../src/cli/pr';
import { runPullRequests } from '../../src/gitops/run';
import type { FakeGitHub } from '../support/fake-github';
import { clientFor, demoPrInput, planOf, PROD_CONFIG_FILE, PROD_CONFIG_TEXT, resize, startFake } from '../gitops-pr/helpers';
import { startFakeCloudWatch, type FakeCloudWatchOptions } from '../support/cloud-fakes/cloudwatch';
import { EC2_EXPORT, EC2_NAME, REPO_ROOT, tempDir } from './helpers';
import type { UsageSourceOverrides } from '../../src/usage/contract';
import { OAuth2Client } from 'google-auth-library';
import type { TokenCredential } from '@azure/identity';
import { startFakeGcpMonitoring } from '../support/cloud-fakes/gcp-monitoring';
import { startFakeAzureMonitor } from '../support/cloud-fakes/azure-monitor';

/** test/pools' fresh stack export of four groups (see test/pools/cloud-monitor-pools.test.ts). */
const FOUR_GROUPS = path.join(REPO_ROOT, 'test/pools/fixtures/four-groups.stack.json');

/** The instance id in EC2_EXPORT's state. */
const EC2_INSTANCE_ID = 'i-0ecb41f78d825dd80';

let fake: FakeGitHub;
let dir: string;
beforeAll(async () => {
  fake = await startFake();
  dir = tempDir();
  fs.mkdirSync(path.join(dir, 'stacks'));
  fs.copyFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), path.join(dir, 'Pulumi.yaml'));
  fs.writeFileSync(path.join(dir, PROD_CONFIG_FILE), PROD_CONFIG_TEXT);
  fs.writeFileSync(path.join(dir, 'stackfit.yaml'), '{}\n');
});
afterAll(async () => {
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function prRun(
  usage: string[],
  state = EC2_EXPORT,
  usageSourceOptions?: UsageSourceOverrides,
): Promise<{ error?: Error; log: string }> {
  const log: string[] = [];
  const io = {
    ...(usageSourceOptions ? { usageSourceOptions } : {}),
    env: { GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url, GITHUB_REPOSITORY: `${fake.owner}/${fake.repo}` },
    out: (t: string) => log.push(t),
    err: (t: string) => log.push(t),
    clientOptions: { retryBaseMs: 5, writeIntervalMs: 0 },
  };
  try {
    await runPrCommand({ stack: 'prod', state, usage, projectDir: dir, now: '2026-10-02T00:00:00Z', mode: 'api' }, io);
    return { log: log.join('') };
  } catch (error) {
    return { error: error as Error, log: log.join('') };
  }
}

const CLOUDWATCH_SECRET = 'not-a-real-secret-key';

/** The CloudWatch SDK pointed at a loopback fake for `fn`, with test credentials; the environment restored after. */
async function withFakeCloudWatch(options: FakeCloudWatchOptions, fn: (requests: () => number) => Promise<void>): Promise<void> {
  const cloudwatch = await startFakeCloudWatch(options);
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
    AWS_ACCESS_KEY_ID: 'AKIDSTACKFITTEST',
    AWS_SECRET_ACCESS_KEY: CLOUDWATCH_SECRET,
    AWS_MAX_ATTEMPTS: '2',
  });
  try {
    await fn(() => cloudwatch.requests.length);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await cloudwatch.stop();
  }
}

/** A run stopped by its inputs: exit 1, the credential nowhere in the message, no GitHub write since `mark`. */
function expectStoppedRun(error: Error | undefined, mark: number, secret: string): void {
  expect(error?.message).not.toContain(secret);
  expect((error as { exitCode?: number }).exitCode).toBe(1);
  expect(fake.writes(mark)).toEqual([]);
}

describe('stackfit pr with failed usage inputs', () => {
  it('an open stackfit PR survives a broken usage file, a missing one, and an empty one: exit non-zero, no GitHub writes', async () => {
    await runPullRequests(demoPrInput(fake, planOf([resize('web', 'm5.xlarge')]), { github: clientFor(fake) }));
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open', headRef: 'stackfit/prod' });
    const branchesBefore = await fake.branches();
    expect(branchesBefore).toContain('stackfit/prod');

    const broken = path.join(dir, 'usage.csv');
    fs.writeFileSync(
      broken,
      `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n2026-10-01T00:05:00Z,${EC2_NAME},cpu_cores,abc\n`,
    );
    const empty = path.join(dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    const cases: [string[], string][] = [
      [[broken], `${broken}:3: value "abc" is not a number`],
      [[path.join(dir, 'nope.csv')], `${path.join(dir, 'nope.csv')}: cannot read usage file: ENOENT`],
      [[empty], `${empty}: empty file`],
      [[dir], `${dir}: is a directory, not a usage file`],
    ];
    for (const [usage, message] of cases) {
      const mark = fake.requests.length;
      const { error } = await prRun(usage);
      expect(error?.message, usage.join(' ')).toContain(message);
      expect((error as { exitCode?: number }).exitCode).toBe(1);
      expect(fake.writes(mark), usage.join(' ')).toEqual([]);
    }
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open', title: expect.not.stringContaining('autoclosed') });
    expect(await fake.branches()).toEqual(branchesBefore);
    expect(fake.violations).toEqual([]);
  });

  it('a cloud source whose reads fail (CloudWatch: Forbidden on CPU, then 5xx after retries) stops the run: one line naming the source and the error, exit 1, no GitHub writes', async () => {
    const cases: [FakeCloudWatchOptions, string][] = [
      [
        {
          metrics: new Map(),
          queryErrors: [
            { metricName: 'CPUUtilization', statusCode: 'Forbidden', message: 'Authentication too complex to retrieve cross region data' },
          ],
        },
        `cloudwatch:us-east-1: 1 of 1 workload(s) could not be read: Forbidden for AWS/EC2 CPUUtilization (InstanceId=${EC2_INSTANCE_ID}): Forbidden: Authentication too complex to retrieve cross region data`,
      ],
      [
        { metrics: new Map(), failDimensionValue: EC2_INSTANCE_ID },
        'cloudwatch:us-east-1: 1 of 1 workload(s) could not be read: GetMetricData failed: InternalFailure: internal failure',
      ],
    ];
    // The recorded instance runs in us-west-2, where the shipped catalog has no EC2 sizes (so no
    // vCPU count to read CPUUtilization with): the same state moved to us-east-1.
    const state = path.join(dir, 'ec2-us-east-1.json');
    fs.writeFileSync(state, fs.readFileSync(EC2_EXPORT, 'utf8').replaceAll('us-west-2', 'us-east-1'));
    for (const [options, message] of cases)
      await withFakeCloudWatch(options, async (requests) => {
        const mark = fake.requests.length;
        const { error } = await prRun(['cloudwatch:us-east-1'], state);
        expect(requests()).toBeGreaterThan(0);
        expect(error?.message).toBe(message);
        expectStoppedRun(error, mark, CLOUDWATCH_SECRET);
      });
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open' });
  });

  it("usage that reads fine but covers no workload of the stack (another stack's file, only gaps) is a failed input: exit 1, no GitHub writes", async () => {
    const otherStack = path.join(dir, 'other-stack.csv');
    fs.writeFileSync(otherStack, 'timestamp,resource,metric,value\n2026-10-01T00:00:00Z,some-other-vm,cpu_cores,0.2\n');
    const gapsOnly = path.join(dir, 'gaps.csv');
    fs.writeFileSync(gapsOnly, `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,\n`);
    for (const usage of [otherStack, gapsOnly]) {
      const mark = fake.requests.length;
      const { error } = await prRun([usage]);
      expect(error?.message, usage).toContain(
        `--usage: no workload of stack prod has usage in ${usage} (1 workload(s); e.g. ${EC2_NAME}: `,
      );
      expect((error as { exitCode?: number }).exitCode).toBe(1);
      expect(fake.writes(mark), usage).toEqual([]);
    }
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open' });
  });

  it('a failing CloudWatch read of an auto scaling group (pool usage) stops the run: one line naming the group and the error, exit 1, no GitHub writes', async () => {
    await withFakeCloudWatch({ metrics: new Map(), failDimensionValue: 'web-asg-3f9c1e2' }, async (requests) => {
      const mark = fake.requests.length;
      // A fresh export: an ASG through a launch template, an EKS node group (its ASG in the state), AKS and GKE pools.
      const { error } = await prRun(['cloudwatch:us-east-1'], FOUR_GROUPS);
      expect(requests()).toBeGreaterThan(0);
      expect(error?.message).toBe(
        '2 of 6 pool(s) could not be read, so no plan is made on incomplete usage: cloudwatch:us-east-1: web-asg: GetMetricData failed: InternalFailure: internal failure; cloudwatch:us-east-1: apps-ng: GetMetricData failed: InternalFailure: internal failure',
      );
      expectStoppedRun(error, mark, CLOUDWATCH_SECRET);
    });
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open' });
  });

  it('a refused Cloud Monitoring read of a GKE node pool’s zonal groups stops the run: one line naming the pool, exit 1, no GitHub writes', async () => {
    const token = 'ya29.stackfit-test-token';
    const gcp = await startFakeGcpMonitoring({ metrics: new Map(), token, forbiddenProject: 'fleet-prod-4711' });
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
    try {
      const mark = fake.requests.length;
      const { error } = await prRun(['gcp-monitoring'], FOUR_GROUPS, {
        gcpMonitoring: { client: { apiEndpoint: '127.0.0.1', port: gcp.port, protocol: 'http', authClient }, retryInitialDelayMs: 1 },
      });
      expect(gcp.requests.length).toBeGreaterThan(0);
      expect(error?.message).toBe(
        '1 of 6 pool(s) could not be read, so no plan is made on incomplete usage: gcp-monitoring: gke-pool: timeSeries.list in project fleet-prod-4711 failed: HTTP 403 PERMISSION_DENIED: Permission monitoring.timeSeries.list denied (or the resource may not exist).',
      );
      expectStoppedRun(error, mark, token);
    } finally {
      await gcp.stop();
    }
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open' });
  });

  it('a refused Azure Monitor read of a scale set stops the run: one line naming it, exit 1, no GitHub writes', async () => {
    const token = 'azure-test-token';
    const credential: TokenCredential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const id =
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/fleet/providers/Microsoft.Compute/virtualMachineScaleSets/batch';
    // The fresh export plus a Linux scale set (a pool read per instance from Azure Monitor).
    const exported = JSON.parse(fs.readFileSync(FOUR_GROUPS, 'utf8')) as { deployment: { resources: unknown[] } };
    const props = {
      vmScaleSetName: 'batch',
      resourceGroupName: 'fleet',
      location: 'eastus',
      sku: { name: 'Standard_D4s_v3', capacity: 6 },
    };
    exported.deployment.resources.push({
      urn: 'urn:pulumi:prod::fleet::azure-native:compute:VirtualMachineScaleSet::batch-vmss',
      custom: true,
      id,
      type: 'azure-native:compute:VirtualMachineScaleSet',
      inputs: props,
      outputs: { ...props, name: 'batch', id },
      parent: 'urn:pulumi:prod::fleet::pulumi:pulumi:Stack::fleet-prod',
    });
    const state = path.join(dir, 'with-scale-set.json');
    fs.writeFileSync(state, JSON.stringify(exported));
    const azure = await startFakeAzureMonitor({ metrics: new Map(), token, forbiddenResourceId: id });
    try {
      const mark = fake.requests.length;
      const { error } = await prRun(['azure-monitor'], state, {
        azureMonitor: { credential, endpoint: azure.url, caCertificate: azure.cert.cert, maxRetries: 1, retryDelayMs: 1 },
      });
      expect(azure.requests.length).toBeGreaterThan(0);
      expect(error?.message).toMatch(
        /^1 of 7 pool\(s\) could not be read, so no plan is made on incomplete usage: azure-monitor: batch-vmss: HTTP 403 AuthorizationFailed: The client does not have authorization/,
      );
      expectStoppedRun(error, mark, token);
    } finally {
      await azure.stop();
    }
    expect(fake.pulls.get(1)).toMatchObject({ state: 'open' });
  });

  it('control: a good usage file with nothing to change does autoclose (the case above is the usage failure, not the setup)', async () => {
    const good = path.join(dir, 'good.csv');
    fs.writeFileSync(good, `timestamp,resource,metric,value\n2026-10-01T00:00:00Z,${EC2_NAME},cpu_cores,0.2\n`);
    const mark = fake.requests.length;
    const { error } = await prRun([good]);
    expect(error).toBeUndefined();
    expect(fake.writes(mark).map((r) => r.operationId)).toContain('pulls/update');
    expect(fake.pulls.get(1)!.state).toBe('closed');
  });
});
