import fs from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '../../src/catalog';
import type { Catalog } from '../../src/catalog/types';
import { stackfitConfigSchema, type StackfitConfig } from '../../src/config/schema';
import { GitHubClient } from '../../src/gitops/github';
import type { RunPullRequestsInput } from '../../src/gitops/run';
import type { Cloud, Plan, PlanItem } from '../../src/model';
import { FakeGitHub, ResponseSchemaValidator } from '../support/fake-github';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const PROD_CONFIG_FILE = 'stacks/Pulumi.prod.yaml';
export const PROD_CONFIG_TEXT = fs.readFileSync(path.join(REPO_ROOT, PROD_CONFIG_FILE), 'utf8');
export const PROJECT_NAME = 'stackfit-demo';

let catalog: Catalog | undefined;
export function testCatalog(): Catalog {
  catalog ??= loadCatalog();
  return catalog;
}

let validator: ResponseSchemaValidator | undefined;
export function sharedValidator(): ResponseSchemaValidator {
  validator ??= new ResponseSchemaValidator();
  return validator;
}

/** The example project's workloads as the inventory reads them (see stacks/Pulumi.prod.yaml). */
const DEMO_WORKLOADS: Record<string, { cloud: Cloud; region: string; size: string; count: number; group: string; type: string }> = {
  web: { cloud: 'aws', region: 'us-east-1', size: 'm5.2xlarge', count: 3, group: 'frontend', type: 'aws:ec2/instance:Instance' },
  api: { cloud: 'gcp', region: 'us-central1', size: 'n2-standard-8', count: 2, group: 'frontend', type: 'gcp:compute/instance:Instance' },
  worker: {
    cloud: 'azure',
    region: 'eastus',
    size: 'Standard_D8s_v5',
    count: 4,
    group: 'batch',
    type: 'azure-native:compute:VirtualMachine',
  },
  cache: { cloud: 'aws', region: 'us-east-1', size: 'r5.2xlarge', count: 1, group: 'data', type: 'aws:ec2/instance:Instance' },
};

/** A resize of one demo workload to `to`, priced from the real catalog (never invented). */
export function resize(name: keyof typeof DEMO_WORKLOADS, to: string): PlanItem {
  const w = DEMO_WORKLOADS[name]!;
  const cat = testCatalog();
  const current = cat.lookup(w.cloud, w.region, w.size);
  const chosen = cat.lookup(w.cloud, w.region, to);
  if (!current || !chosen) throw new Error(`catalog has no price for ${w.cloud}/${w.region}/${!current ? w.size : to}`);
  const monthlyBefore = current.monthlyUsd * w.count;
  const monthlyAfter = chosen.monthlyUsd * w.count;
  return {
    urn: `urn:pulumi:prod::${PROJECT_NAME}::stackfit:demo:Workload::${name}`,
    workload: {
      urn: `urn:pulumi:prod::${PROJECT_NAME}::stackfit:demo:Workload::${name}`,
      name,
      type: w.type,
      kind: 'vm',
      cloud: w.cloud,
      region: w.region,
      size: w.size,
      count: w.count,
      group: w.group,
      metricIds: { name },
      configRef: { key: `${PROJECT_NAME}:workloads`, path: [name, 'size'] },
      stack: 'prod',
    },
    current,
    chosen,
    action: 'resize',
    monthlyBefore,
    monthlyAfter,
    monthlyDelta: monthlyAfter - monthlyBefore,
    migrationCost: 0,
    risk: 1,
    reason: 'p99.5 CPU + 20% headroom fits the smaller size',
  };
}

export function planOf(items: PlanItem[]): Plan {
  const totals = items.reduce(
    (t, i) => ({
      monthlyBefore: t.monthlyBefore + (i.monthlyBefore ?? 0),
      monthlyAfter: t.monthlyAfter + (i.monthlyAfter ?? 0),
      monthlyDelta: t.monthlyDelta + (i.monthlyDelta ?? 0),
      unpriced: 0,
    }),
    { monthlyBefore: 0, monthlyAfter: 0, monthlyDelta: 0, unpriced: 0 },
  );
  return {
    stack: 'prod',
    items,
    totals,
    skipped: [],
    solver: { status: 'optimal', objective: totals.monthlyAfter, variables: 0, constraints: 0, millis: 0 },
  };
}

export function testConfig(pr: Partial<StackfitConfig['pr']> = {}): StackfitConfig {
  return stackfitConfigSchema.parse({ pr });
}

export async function startFake(opts: { token?: string; readOnlyToken?: boolean } = {}): Promise<FakeGitHub> {
  return FakeGitHub.start({
    files: { [PROD_CONFIG_FILE]: PROD_CONFIG_TEXT, 'Pulumi.yaml': fs.readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8') },
    validator: sharedValidator(),
    ...opts,
  });
}

/** A client for the fake: real Octokit, retries and throttling, with back-off shrunk to milliseconds. */
export function clientFor(fake: FakeGitHub, log?: (line: string) => void): GitHubClient {
  return new GitHubClient({ token: fake.token, baseUrl: fake.url, retryBaseMs: 5, writeIntervalMs: 0, log });
}

/** The PR run for the example prod stack against a fake: the defaults every lifecycle test shares. */
export function demoPrInput(fake: FakeGitHub, plan: Plan, extra: Partial<RunPullRequestsInput> = {}): RunPullRequestsInput {
  return {
    plan,
    stack: 'prod',
    configFile: PROD_CONFIG_FILE,
    configText: PROD_CONFIG_TEXT,
    projectName: PROJECT_NAME,
    config: testConfig(),
    repo: { owner: fake.owner, repo: fake.repo },
    github: clientFor(fake),
    mode: 'api',
    ...extra,
  };
}
