import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import { parseWorkloadsConfig } from './config';
import { Workload, type WorkloadSummary } from './workload';
import { autoscalingGroupsConfigSchema, clustersConfigSchema, parseConfigValue } from './pools-config';
import { AutoscalingGroup, Cluster } from './cluster';

/**
 * stackfit's example program: one `Workload` component per entry of the `workloads` stack
 * config. See docs/example-project.md.
 */

const config = new pulumi.Config();
const configKey = `${pulumi.getProject()}:workloads`;
const clustersKey = `${pulumi.getProject()}:clusters`;
const groupsKey = `${pulumi.getProject()}:autoscalingGroups`;
const rawClusters = config.getObject<unknown>('clusters');
const rawGroups = config.getObject<unknown>('autoscalingGroups');
// A stack declares VM workloads, node pools, or both; with neither, `workloads` is required.
const rawWorkloads =
  rawClusters === undefined && rawGroups === undefined
    ? config.requireObject<unknown>('workloads')
    : config.getObject<unknown>('workloads');
const specs = rawWorkloads === undefined ? {} : parseWorkloadsConfig(rawWorkloads, configKey);
const clusterSpecs = rawClusters === undefined ? {} : parseConfigValue(clustersConfigSchema, rawClusters, clustersKey);
const groupSpecs = rawGroups === undefined ? {} : parseConfigValue(autoscalingGroupsConfigSchema, rawGroups, groupsKey);
const sshPublicKey = config.get('sshPublicKey');

// One explicit provider per AWS region, shared by the workloads in it.
const awsProviders = new Map<string, aws.Provider>();
function awsProvider(region: string): aws.Provider {
  let provider = awsProviders.get(region);
  if (!provider) {
    provider = new aws.Provider(`aws-${region}`, { region: region as aws.Region });
    awsProviders.set(region, provider);
  }
  return provider;
}

const components = Object.entries(specs).map(
  ([name, spec]) =>
    new Workload(
      name,
      { spec, configKey, ...(sshPublicKey ? { sshPublicKey } : {}) },
      spec.cloud === 'aws' ? { providers: [awsProvider(spec.region)] } : {},
    ),
);

/** Per workload: where it runs, its size and count, and its VMs' ids. */
export const workloads: Record<string, WorkloadSummary & { vmIds: pulumi.Output<string>[] }> = Object.fromEntries(
  components.map((component) => [component.summary.configPath[0], { ...component.summary, vmIds: component.vmIds }]),
);

const clusters = Object.entries(clusterSpecs).map(
  ([name, spec]) =>
    new Cluster(name, { spec, configKey: clustersKey }, spec.cloud === 'aws' ? { providers: [awsProvider(spec.region)] } : {}),
);
const groups = Object.entries(groupSpecs).map(
  ([name, spec]) => new AutoscalingGroup(name, { spec, configKey: groupsKey }, { providers: [awsProvider(spec.region)] }),
);

/** Per cluster and auto scaling group: where it runs and where each pool's size sits in config. */
export const nodePools = Object.fromEntries([
  ...Object.keys(clusterSpecs).map((name, i) => [name, clusters[i]!.summary] as const),
  ...Object.keys(groupSpecs).map((name, i) => [name, groups[i]!.summary] as const),
]);
