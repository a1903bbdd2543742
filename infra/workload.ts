import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import * as gcp from '@pulumi/gcp';
// Submodules, not the package root: the root loads every Azure service (about half a second).
import * as compute from '@pulumi/azure-native/compute';
import * as network from '@pulumi/azure-native/network';
import * as resources from '@pulumi/azure-native/resources';
import type { WorkloadSpec } from './config';

/** Type token stackfit's inventory recognises (src/stack/workload.ts DEMO_WORKLOAD_TYPE). */
export const WORKLOAD_TYPE = 'stackfit:demo:Workload';
/** Tags / labels stackfit reads to map a VM back to its workload and group. */
export const WORKLOAD_TAG = 'stackfit-workload';
export const GROUP_TAG = 'stackfit-group';

const ADMIN_USER = 'stackfit';

export interface WorkloadArgs {
  spec: WorkloadSpec;
  /** Full config key of the workloads map, e.g. `stackfit-demo:workloads`. */
  configKey: string;
  /** SSH public key for the admin user (required by Azure Linux VMs, optional elsewhere). */
  sshPublicKey?: string;
}

/** What the component records about itself: stackfit maps the VMs back to config with it. */
export interface WorkloadSummary {
  cloud: WorkloadSpec['cloud'];
  region: string;
  size: string;
  count: number;
  group?: string;
  configKey: string;
  configPath: [string, 'size'];
}

/**
 * `count` identical VMs of one size on one cloud. AWS VMs use the component's `aws` provider
 * (pass one per region in `providers`); Azure VMs get their own resource group and network;
 * GCP VMs go in the project's `default` network.
 */
export class Workload extends pulumi.ComponentResource {
  readonly summary: WorkloadSummary;
  /** The VMs' provider ids (instance ids, ARM ids, GCP self links). */
  readonly vmIds: pulumi.Output<string>[];

  constructor(name: string, args: WorkloadArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const { spec } = args;
    const summary: WorkloadSummary = {
      cloud: spec.cloud,
      region: spec.region,
      size: spec.size,
      count: spec.count,
      ...(spec.group ? { group: spec.group } : {}),
      configKey: args.configKey,
      configPath: [name, 'size'],
    };
    // The summary is also the component's inputs, so that state and mocks both carry it.
    super(WORKLOAD_TYPE, name, summary, opts);
    this.summary = summary;
    const tags: Record<string, string> = {
      ...spec.tags,
      [WORKLOAD_TAG]: name,
      ...(spec.group ? { [GROUP_TAG]: spec.group } : {}),
    };
    switch (spec.cloud) {
      case 'aws':
        this.vmIds = this.awsVms(name, spec, tags);
        break;
      case 'azure':
        this.vmIds = this.azureVms(name, spec, tags, args.sshPublicKey);
        break;
      case 'gcp':
        this.vmIds = this.gcpVms(name, spec, tags, args.sshPublicKey);
        break;
    }
    this.registerOutputs({ ...summary });
  }

  private awsVms(name: string, spec: WorkloadSpec, tags: Record<string, string>): pulumi.Output<string>[] {
    const ami =
      spec.image ??
      aws.ec2.getAmiOutput(
        {
          owners: ['099720109477'], // Canonical
          mostRecent: true,
          filters: [
            { name: 'name', values: [`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${spec.arch}-server-*`] },
            { name: 'virtualization-type', values: ['hvm'] },
          ],
        },
        { parent: this },
      ).id;
    return range(spec.count).map(
      (i) =>
        new aws.ec2.Instance(
          `${name}-${i}`,
          {
            ami,
            instanceType: spec.size,
            rootBlockDevice: { volumeSize: spec.diskGiB, volumeType: 'gp3', encrypted: true },
            metadataOptions: { httpTokens: 'required' },
            tags: { ...tags, Name: `${name}-${i}` },
          },
          { parent: this },
        ).id,
    );
  }

  private azureVms(
    name: string,
    spec: WorkloadSpec,
    tags: Record<string, string>,
    sshPublicKey: string | undefined,
  ): pulumi.Output<string>[] {
    if (!sshPublicKey) {
      throw new pulumi.RunError(`workload ${name}: Azure Linux VMs need an SSH key: set stackfit-demo:sshPublicKey`);
    }
    const location = spec.region;
    const group = new resources.ResourceGroup(`${name}-rg`, { location, tags }, { parent: this });
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      { resourceGroupName: group.name, location, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, tags },
      { parent: this },
    );
    const subnet = new network.Subnet(
      `${name}-subnet`,
      { resourceGroupName: group.name, virtualNetworkName: vnet.name, addressPrefix: '10.0.1.0/24' },
      { parent: this },
    );
    const [publisher, offer, sku, version] = spec.image?.split(':') ?? [
      'Canonical',
      'ubuntu-24_04-lts',
      spec.arch === 'arm64' ? 'server-arm64' : 'server',
      'latest',
    ];
    return range(spec.count).map((i) => {
      const nic = new network.NetworkInterface(
        `${name}-${i}-nic`,
        {
          resourceGroupName: group.name,
          location,
          ipConfigurations: [{ name: 'primary', subnet: { id: subnet.id }, privateIPAllocationMethod: 'Dynamic' }],
          tags,
        },
        { parent: this },
      );
      return new compute.VirtualMachine(
        `${name}-${i}`,
        {
          resourceGroupName: group.name,
          location,
          hardwareProfile: { vmSize: spec.size },
          networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
          osProfile: {
            computerName: `${name}-${i}`,
            adminUsername: ADMIN_USER,
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              ssh: { publicKeys: [{ path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, keyData: sshPublicKey }] },
            },
          },
          storageProfile: {
            imageReference: { publisher, offer, sku, version },
            osDisk: { createOption: 'FromImage', diskSizeGB: spec.diskGiB, managedDisk: { storageAccountType: 'Premium_LRS' } },
          },
          tags,
        },
        { parent: this },
      ).id;
    });
  }

  private gcpVms(
    name: string,
    spec: WorkloadSpec,
    labels: Record<string, string>,
    sshPublicKey: string | undefined,
  ): pulumi.Output<string>[] {
    // Every GCP region has a `-b` zone (some, like us-east1, have no `-a`).
    const zone = spec.zone ?? `${spec.region}-b`;
    const image = spec.image ?? `ubuntu-os-cloud/ubuntu-2404-lts-${spec.arch}`;
    return range(spec.count).map(
      (i) =>
        new gcp.compute.Instance(
          `${name}-${i}`,
          {
            zone,
            machineType: spec.size,
            bootDisk: { initializeParams: { image, size: spec.diskGiB, type: 'pd-balanced' } },
            networkInterfaces: [{ network: 'default' }],
            labels,
            ...(sshPublicKey ? { metadata: { 'ssh-keys': `${ADMIN_USER}:${sshPublicKey}` } } : {}),
          },
          { parent: this },
        ).id,
    );
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
