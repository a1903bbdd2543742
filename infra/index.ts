import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import { parseWorkloadsConfig } from './config';
import { Workload, type WorkloadSummary } from './workload';

/**
 * stackfit's example program: one `Workload` component per entry of the `workloads` stack
 * config. See docs/example-project.md.
 */

const config = new pulumi.Config();
const configKey = `${pulumi.getProject()}:workloads`;
const specs = parseWorkloadsConfig(config.requireObject<unknown>('workloads'), configKey);
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
